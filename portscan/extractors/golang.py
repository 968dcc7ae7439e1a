"""Go source: listen-port defaults and the URLs a program connects to.

The patterns live as data in ``rules/go/*.scm`` (env helpers such as
``getEnv("PORT", "3050")``, ``os.Getenv`` with a fallback, flag defaults,
``http.ListenAndServe(":8080", h)``, ``Addr: ":8080"``, ``addr := ":8080"``,
``const Port = 8080``), all role default; this module runs them, turns their matches into
facts and adds what a query cannot say on its own:

- the protocol of ``net.ListenPacket("udp", ":9000")``, read from the call's network
  argument;
- URL references, ``"http://mana-llm:3025/v1"`` in any string literal (never in a
  comment), with the variable that carries them when the string is the fallback of an
  env helper (``getEnv("LLM_URL", "http://...")``) or the value of a const/var;
- the ``test`` tag on every fact of a ``_test.go`` file.

When two rules match the same literal, the first rule in file-name order wins (so
``env-fallback`` names ``PORT`` where ``port-const`` would only name the variable).

Flag defaults (``flag.Int("port", 8080, ...)``) are the program's code default: they carry
no ``flag`` tag (nobody passed the flag) and no env.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    PORTISH,
    ExtractOptions,
    LineIndex,
    sorted_facts,
)
from portscan.extractors.urls import url_ports
from portscan.model import TAG_TEST, Diagnostic, Extraction, Location, PortFact, Role

if TYPE_CHECKING:
    from tree_sitter import Node

NAME = "go"
PREFILTER: re.Pattern[bytes] | None = PORTISH

_STRINGS = frozenset({"interpreted_string_literal", "raw_string_literal"})
_UDP_NETWORKS = frozenset({'"udp"', '"udp4"', '"udp6"'})
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def matches(path: str) -> bool:
    """Every Go source file, tests included (their facts carry the test tag)."""
    return path.endswith(".go")


class _Source:
    """The text, its UTF-8 bytes and the way from a character offset to a node."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8", "surrogatepass")
        self._starts: list[int] | None = None
        if not text.isascii():
            sizes = (len(char.encode("utf-8", "surrogatepass")) for char in text)
            self._starts = [0, *itertools.accumulate(sizes)]

    def byte_offset(self, char_offset: int) -> int:
        return char_offset if self._starts is None else self._starts[char_offset]

    def node_text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")

    def node_at(self, root: Node, char_offset: int) -> Node | None:
        at = self.byte_offset(char_offset)
        return root.descendant_for_byte_range(at, at + 1)


def _string_literal(node: Node | None) -> Node | None:
    """The string literal that holds ``node`` (its content node or itself), if any."""
    for _ in range(2):
        if node is None:
            return None
        if node.type in _STRINGS:
            return node
        node = node.parent
    return None


def _call_protocol(literal: Node | None, source: _Source) -> str:
    """``udp`` when the literal is an argument of a call whose network argument says so
    (``net.ListenPacket("udp", ":9000")``), else ``tcp``."""
    literal = _string_literal(literal)
    arguments = literal.parent if literal is not None else None
    if arguments is None or arguments.type != "argument_list":
        return "tcp"
    first = arguments.named_children[0] if arguments.named_children else None
    if first is not None and first is not literal and source.node_text(first) in _UDP_NETWORKS:
        return "udp"
    return "tcp"


def _unquoted_name(node: Node, source: _Source) -> str | None:
    """The name in a string literal like ``"LLM_URL"``, or None if it is not one."""
    if node.type != "interpreted_string_literal":
        return None
    name = source.node_text(node)[1:-1]
    return name if _IDENTIFIER.match(name) else None


def _url_env(literal: Node, source: _Source) -> str | None:
    """The variable a URL literal is the value of: the first argument of a two-argument
    helper (``getEnv("LLM_URL", "http://...")``) or the name of a const/var spec."""
    parent = literal.parent
    if parent is None:
        return None
    if parent.type == "argument_list":
        args = parent.named_children
        if len(args) == 2 and args[1] == literal:
            return _unquoted_name(args[0], source)
        return None
    if parent.type == "expression_list" and parent.parent is not None:
        spec = parent.parent
        name = spec.child_by_field_name("name")
        single = len(parent.named_children) == 1
        if spec.type in ("const_spec", "var_spec") and name is not None and single:
            return source.node_text(name)
    return None


def _location(path: str, index: LineIndex, start: int, end: int) -> Location:
    line, col = index.position(start)
    return Location(path, line, col, line, col + end - start)


def _tags(rule_tags: tuple[str, ...], is_test: bool) -> tuple[str, ...]:
    return tuple(sorted({*rule_tags, TAG_TEST})) if is_test else rule_tags


def _rule_facts(
    path: str, source: _Source, root: Node, index: LineIndex, options: ExtractOptions
) -> list[PortFact]:
    from portscan.extractors.queries import run_rules

    is_test = path.endswith("_test.go")
    facts: list[PortFact] = []
    seen: set[tuple[int, int]] = set()
    for match in run_rules("go", source.text, options.rule_dirs, root, options.deadline):
        if (match.start, match.end) in seen:
            continue
        seen.add((match.start, match.end))
        facts.append(
            PortFact(
                port=match.port,
                role=match.rule.role,
                location=_location(path, index, match.start, match.end),
                extractor=NAME,
                env=match.env,
                target=match.target,
                protocol=_call_protocol(source.node_at(root, match.start), source),
                tags=_tags(match.rule.tags, is_test),
            )
        )
    return facts


def _url_facts(path: str, source: _Source, root: Node, index: LineIndex) -> list[PortFact]:
    is_test = path.endswith("_test.go")
    facts: list[PortFact] = []
    for url in url_ports(source.text):
        literal = _string_literal(source.node_at(root, url.start))
        if literal is None:
            continue
        facts.append(
            PortFact(
                port=url.port,
                role=Role.REFERENCE,
                location=_location(path, index, url.start, url.end),
                extractor=NAME,
                env=_url_env(literal, source),
                target=url.host,
                tags=_tags((), is_test),
            )
        )
    return facts


def _nothing_parses(root: Node) -> bool:
    """True when the whole tree is an error: no top-level declaration parsed."""
    if root.type == "ERROR":
        return True
    named = root.named_children
    return bool(named) and all(child.type == "ERROR" for child in named)


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """Facts from one Go file.

    tree-sitter recovers from syntax errors, so a broken file still yields what parses;
    only a file where nothing parses gets a Diagnostic. A broken rule
    (``queries.RuleError``) is a configuration error, not a property of this file: it
    propagates so the caller reports it once (``queries.check_rules``).
    """
    from portscan.extractors.queries import parse, syntax_error_line

    source = _Source(text)
    root = parse("go", source.data, options.deadline)
    index = LineIndex(text)
    facts = _rule_facts(path, source, root, index, options)
    facts.extend(_url_facts(path, source, root, index))
    diagnostics: tuple[Diagnostic, ...] = ()
    if _nothing_parses(root):
        diagnostics = (
            Diagnostic(
                path, syntax_error_line(root, options.deadline), "invalid Go: nothing parses"
            ),
        )
    return Extraction(sorted_facts(facts), diagnostics)
