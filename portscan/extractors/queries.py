"""Pattern knowledge as data: tree-sitter queries from ``rules/<language>/*.scm``.

Each query file has a TOML file of the same stem beside it that says what its matches
mean::

    # rules/typescript/env-helper.toml
    role = "default"          # the Role of every fact the query yields
    env = "port-name"         # "port-name": @env must name a port (PORT, API_PORT);
                              # "any": any @env; "none": the query has no @env
    tags = []                 # extra fact tags, e.g. ["flag"]
    protocol = "tcp"          # or "udp"
    description = "getEnv('PORT', 3001) and other env helpers with a port default"

Captures: ``@port`` (required: the literal; a number, a string, or an ``host:port``
address), ``@env`` (the variable that carries the port), ``@target`` (a reference's
host). Captures whose name starts with ``_`` serve predicates only.

A team teaches portscan a house helper by adding a folder named in config ``rules``
with the same layout; no Python changes. Grammars come from the official wheels and
are loaded only when a file that needs them passes the prefilter.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from portscan.extractors.base import ExtractError, is_port_name, parse_port
from portscan.extractors.deadline import TimeLimitExceeded
from portscan.extractors.deadline import check as check_deadline
from portscan.model import Role

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Query

#: The grammars portscan ships queries for, and the rules folder each one reads.
GRAMMARS: dict[str, str] = {
    "typescript": "typescript",
    "tsx": "typescript",
    "bash": "bash",
    "go": "go",
}

_ENV_MODES = ("port-name", "any", "none")
_TOML_KEYS = {"role", "env", "tags", "description", "protocol"}


class RuleError(Exception):
    """A query file or its TOML is invalid: names the file and the problem."""


@dataclass(frozen=True, slots=True)
class QueryRule:
    path: str
    folder: str  # the language folder: typescript, bash, go
    source: str
    role: Role
    env_mode: str
    tags: tuple[str, ...]
    description: str
    protocol: str = "tcp"


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """One match: the port literal's digits (character offsets) and its captures."""

    rule: QueryRule
    port: int
    start: int  # character offset of the first digit
    end: int  # character offset after the last digit
    env: str | None
    target: str | None


def bundled_rules_dir() -> Path:
    """``portscan/rules`` inside a wheel; the repository's ``rules/`` in a checkout."""
    packaged = Path(__file__).resolve().parent.parent / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "rules"


def _load_rule(scm: Path, folder: str) -> QueryRule:
    meta_path = scm.with_suffix(".toml")
    if not meta_path.is_file():
        raise RuleError(f"{scm}: no {meta_path.name} beside it names the role")
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RuleError(f"{meta_path}: {exc}") from None
    unknown = sorted(set(meta) - _TOML_KEYS)
    if unknown:
        raise RuleError(f"{meta_path}: unknown key {unknown[0]!r}")
    try:
        role = Role(meta.get("role"))
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise RuleError(f"{meta_path}: role must be one of {roles}") from None
    env_mode = meta.get("env", "port-name")
    if env_mode not in _ENV_MODES:
        raise RuleError(f"{meta_path}: env must be one of {', '.join(_ENV_MODES)}")
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise RuleError(f"{meta_path}: tags must be a list of strings")
    description = meta.get("description", "")
    if not isinstance(description, str):
        raise RuleError(f"{meta_path}: description must be a string")
    protocol = meta.get("protocol", "tcp")
    if protocol not in ("tcp", "udp"):
        raise RuleError(f"{meta_path}: protocol must be tcp or udp")
    return QueryRule(
        path=str(scm),
        folder=folder,
        source=scm.read_text(encoding="utf-8"),
        role=role,
        env_mode=env_mode,
        tags=tuple(sorted(tags)),
        description=description,
        protocol=protocol,
    )


@functools.lru_cache(maxsize=32)
def load_rules(folder: str, extra_dirs: tuple[str, ...] = ()) -> tuple[QueryRule, ...]:
    """The bundled rules of one language folder, then those of each extra folder."""
    rules: list[QueryRule] = []
    for base in (str(bundled_rules_dir()), *extra_dirs):
        language_dir = Path(base) / folder
        if language_dir.is_dir():
            rules.extend(_load_rule(scm, folder) for scm in sorted(language_dir.glob("*.scm")))
    return tuple(rules)


def rules_fingerprint(extra_dirs: Sequence[str] = ()) -> str:
    """A hash of every query and TOML file: part of the extraction cache key."""
    digest = hashlib.sha256()
    for base in (str(bundled_rules_dir()), *extra_dirs):
        root = Path(base)
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix in (".scm", ".toml") and path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def language(grammar: str) -> Language:
    """Load one official grammar wheel (lazily: importing tree-sitter costs time)."""
    from tree_sitter import Language

    if grammar == "typescript":
        import tree_sitter_typescript

        return Language(tree_sitter_typescript.language_typescript())
    if grammar == "tsx":
        import tree_sitter_typescript

        return Language(tree_sitter_typescript.language_tsx())
    if grammar == "bash":
        import tree_sitter_bash

        return Language(tree_sitter_bash.language())
    if grammar == "go":
        import tree_sitter_go

        return Language(tree_sitter_go.language())
    raise KeyError(grammar)


@functools.lru_cache(maxsize=256)
def compiled(grammar: str, rule: QueryRule) -> Query:
    """One rule's query on its own (for ``check_rules``, which names the broken file)."""
    from tree_sitter import Query, QueryError

    try:
        query: Query = Query(language(grammar), rule.source)
    except QueryError as exc:
        raise RuleError(f"{rule.path}: {exc}") from None
    return query


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Every rule of a grammar compiled as one query (about half the cost of compiling
    them one by one), and the rule each of its patterns comes from."""

    query: Query
    rules: tuple[QueryRule, ...]
    rule_of_pattern: tuple[int, ...]  # index into ``rules`` of each pattern


@functools.lru_cache(maxsize=16)
def compiled_rules(grammar: str, rules: tuple[QueryRule, ...]) -> RuleSet:
    """``rules`` as one query. A rule that does not compile raises RuleError naming it."""
    from tree_sitter import Query, QueryError

    starts: list[int] = []
    sources: list[bytes] = []
    at = 0
    for rule in rules:
        source = rule.source.encode("utf-8") + b"\n"
        starts.append(at)
        sources.append(source)
        at += len(source)
    try:
        query = Query(language(grammar), b"".join(sources).decode("utf-8"))
    except QueryError:
        for rule in rules:
            compiled(grammar, rule)  # raises RuleError for the first broken rule
        raise  # each compiles alone but not together: not expected, not hidden
    owners = tuple(
        bisect.bisect_right(starts, query.start_byte_for_pattern(pattern)) - 1
        for pattern in range(query.pattern_count)
    )
    return RuleSet(query, rules, owners)


def check_rules(extra_dirs: tuple[str, ...] = ()) -> None:
    """Load and compile every rule for every grammar; raises RuleError on the first bad one."""
    for grammar, folder in GRAMMARS.items():
        for rule in load_rules(folder, extra_dirs):
            query = compiled(grammar, rule)
            names = {query.capture_name(i) for i in range(query.capture_count)}
            if "port" not in names:
                raise RuleError(f"{rule.path}: the query has no @port capture")


_ADDRESS = re.compile(r"^(?:[\w.\-]*|\[[0-9a-fA-F:]*\]):(\d{1,5})$")
_QUOTES = "\"'`"


def _digits(text: str) -> tuple[int, int] | None:
    """Where the port digits are inside a captured literal: ``3025``, ``"3025"``,
    ``':8080'``, ``"0.0.0.0:8080"``. Returns (start, end) within ``text``."""
    start, end = 0, len(text)
    if end - start >= 2 and text[0] in _QUOTES and text[-1] == text[0]:
        start, end = start + 1, end - 1
    inner = text[start:end]
    if inner.isascii() and inner.isdigit():
        return start, end
    match = _ADDRESS.match(inner)
    if match is None:
        return None
    return start + match.start(1), start + match.end(1)


def _node_text(node: Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] == text[0]:
        return text[1:-1]
    return text


class _Offsets:
    """Byte offsets from tree-sitter to character offsets into the decoded text."""

    def __init__(self, text: str) -> None:
        self._starts: list[int] | None = None
        if not text.isascii():
            widths = (len(char.encode("utf-8", "surrogatepass")) for char in text)
            self._starts = list(itertools.accumulate(widths, initial=0))

    def char(self, byte_offset: int) -> int:
        if self._starts is None:
            return byte_offset
        return bisect.bisect_left(self._starts, byte_offset)


#: Bytes handed to tree-sitter's parser per read when a deadline is set.
_READ_BYTES = 64 * 1024
#: Query matching over a tree of more source bytes than this runs in slices of this many
#: bytes, with a deadline check between them (a megabyte of error nodes takes seconds).
MATCH_SLICE_BYTES = 256 * 1024


def parse(grammar: str, source: bytes, deadline: float | None = None) -> Node:
    """The syntax tree of ``source``. With a ``deadline``, the parser reads the source
    in pieces and is handed the end of the input once the deadline has passed (an
    exception cannot stop tree-sitter's parse): then TimeLimitExceeded."""
    from tree_sitter import Parser

    parser = Parser(language(grammar))
    if deadline is None:
        return parser.parse(source).root_node
    late = False

    def read(offset: int, _point: tuple[int, int]) -> bytes:
        nonlocal late
        if time.monotonic() > deadline:
            late = True
            return b""
        return source[offset : offset + _READ_BYTES]

    tree = parser.parse(read)
    if late:
        raise TimeLimitExceeded
    return tree.root_node


def query_matches(
    query: Query,
    root: Node,
    deadline: float | None = None,
    slice_bytes: int = MATCH_SLICE_BYTES,
) -> list[tuple[int, dict[str, list[Node]]]]:
    """``QueryCursor(query).matches(root)``, in document order; under a deadline, a large
    tree is matched slice by slice (a match that spans two slices is kept once)."""
    from tree_sitter import QueryCursor

    end = root.end_byte
    if deadline is None or end <= slice_bytes:
        found = QueryCursor(query).matches(root)
        check_deadline(deadline)
        return found
    matches: list[tuple[int, dict[str, list[Node]]]] = []
    seen: set[tuple[object, ...]] = set()
    for start in range(root.start_byte, end, slice_bytes):
        check_deadline(deadline)
        cursor = QueryCursor(query)
        cursor.set_byte_range(start, min(end, start + slice_bytes))
        for pattern, captures in cursor.matches(root):
            key = (
                pattern,
                *(
                    (name, *((n.start_byte, n.end_byte) for n in nodes))
                    for name, nodes in sorted(captures.items())
                ),
            )
            if key not in seen:
                seen.add(key)
                matches.append((pattern, captures))
    check_deadline(deadline)
    return matches


def query_captures(
    query: Query, root: Node, deadline: float | None = None
) -> dict[str, list[Node]]:
    """Every node of every match of ``query``, by capture name, in match order (the
    matches of :func:`query_matches`, flattened)."""
    captures: dict[str, list[Node]] = {}
    for _, matched in query_matches(query, root, deadline):
        for name, nodes in matched.items():
            captures.setdefault(name, []).extend(nodes)
    return captures


def run_rules(
    grammar: str,
    text: str,
    extra_dirs: tuple[str, ...] = (),
    root: Node | None = None,
    deadline: float | None = None,
) -> Iterator[RuleMatch]:
    """Every match of every rule for ``grammar`` in ``text``.

    A match yields only when ``@port`` holds a valid port and ``@env`` (if the rule asks)
    names a port. Offsets are character offsets into ``text``. Past ``deadline``:
    TimeLimitExceeded.
    """
    source = text.encode("utf-8", "surrogatepass")
    if root is None:
        root = parse(grammar, source, deadline)
    offsets = _Offsets(text)
    rules = load_rules(GRAMMARS[grammar], extra_dirs)
    if not rules:
        return
    rule_set = compiled_rules(grammar, rules)
    owner = rule_set.rule_of_pattern
    # Rule by rule, each in document order: the order of one query per rule.
    found = sorted(query_matches(rule_set.query, root, deadline), key=lambda m: owner[m[0]])
    for pattern, captures in found:
        rule = rules[owner[pattern]]
        port_nodes = captures.get("port")
        if not port_nodes:
            continue
        env_nodes = captures.get("env")
        env = _unquote(_node_text(env_nodes[0], source)) if env_nodes else None
        if rule.env_mode == "port-name" and (env is None or not is_port_name(env)):
            continue
        target_nodes = captures.get("target")
        target = _unquote(_node_text(target_nodes[0], source)) if target_nodes else None
        node = port_nodes[0]
        literal = _node_text(node, source)
        span = _digits(literal)
        if span is None:
            continue
        port = parse_port(literal[span[0] : span[1]])
        if port is None:
            continue
        start = offsets.char(node.start_byte) + span[0]
        yield RuleMatch(
            rule=rule,
            port=port,
            start=start,
            end=start + span[1] - span[0],
            env=env if rule.env_mode != "none" else None,
            target=target,
        )


def syntax_error_line(root: Node, deadline: float | None = None) -> int | None:
    """The 1-based line of the first ERROR node, or None when the tree is clean."""
    if not root.has_error:
        return None
    stack = [root]
    visited = 0
    while stack:
        node = stack.pop()
        visited += 1
        if visited % 4096 == 0:
            check_deadline(deadline)
        if node.type == "ERROR" or node.is_missing:
            return int(node.start_point[0]) + 1
        stack.extend(reversed(node.children))
    return None


__all__ = [
    "GRAMMARS",
    "ExtractError",
    "QueryRule",
    "RuleError",
    "RuleMatch",
    "RuleSet",
    "bundled_rules_dir",
    "check_rules",
    "compiled_rules",
    "language",
    "load_rules",
    "parse",
    "query_captures",
    "query_matches",
    "rules_fingerprint",
    "run_rules",
    "syntax_error_line",
]
