"""TypeScript and JavaScript sources, and the scripts of Svelte, Vue and Astro components.

The patterns live as data in ``rules/typescript/*.scm`` (tree-sitter queries, see
:mod:`portscan.extractors.queries`); this module only decides which text to parse with
which grammar, turns query matches into facts, and adds what a query cannot say:

- plain URL strings (``'http://localhost:3025/health'``) are found by
  :mod:`portscan.extractors.urls` in every string fragment of the tree, so a URL in a
  comment is never a reference;
- a reference's ``@target`` capture may be the URL text before the port
  (``http://localhost:``); only its host is kept;
- one literal yields one fact: when several rules match the same digits, the match that
  knows most (a target, then an env) wins;
- facts in test code (``*.test.ts``, ``__tests__/``, ``e2e/`` ...) carry ``TAG_TEST``,
  except in Playwright configs, whose ``webServer.port`` is the real dev server.

Text that may hold JSX (``.tsx``, ``.jsx``, ``.js``, a Vue ``<script lang="tsx">`` or
``"jsx"``) parses with the ``tsx`` grammar; everything else with ``typescript``, which
also reads plain JavaScript and, unlike ``tsx``, type assertions (``<T>value``): the
``.ts/.mts/.cts`` files, the Node modules ``.mjs/.cjs``, and the scripts of Svelte, Astro
and Vue components (JSX is not valid there). Each grammar costs about a quarter of a
second to start (its queries compile), so a tree whose components and modules need only
``typescript`` never starts ``tsx``. tree-sitter recovers from syntax errors, so a broken
file still yields what parses; only a file where nothing parses at all gets a Diagnostic.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from portscan.extractors import queries, urls
from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    ExtractOptions,
    LineIndex,
    sorted_facts,
)
from portscan.model import TAG_TEST, Diagnostic, Extraction, Location, PortFact, Role

if TYPE_CHECKING:
    from tree_sitter import Node, Query

NAME = "typescript"

#: The bytes without which no rule and no URL yields a fact, so that a file without them
#: is never parsed (starting the parser costs more than most files). Every rule needs a
#: name whose last word is ``port`` as :func:`base.is_port_name` splits names (an @env
#: that must name a port, a port-property key: ``port``, ``apiPort``, ``API_PORT``,
#: ``'dev-port'``; not ``Portal``, ``Ported``, ``viewPorts``, ``REPORT``, ``import``), a
#: ``.listen(`` call, or a URL with an explicit port (``://host:3025``, the authority as
#: :mod:`urls` reads it). Stricter than PORTISH, whose ``:\d{2,5}`` also passes
#: ``{ x:16 }`` and ``"09:30"``: every file this passes, PORTISH + ``.listen(`` passes too.
#: House rules (config ``rules``) see only the files this passes, as before.
PREFILTER: re.Pattern[bytes] = re.compile(
    rb"p(?<![A-Za-z0-9]p)ort(?![A-Za-z0-9])"  # port, api_port, 'dev-port'; not import, portal
    rb"|Port(?![A-Za-z0-9])"  # Port, apiPort, HTTPPort; not Portal, Ports
    rb"|P(?<![A-Z]P)ORT(?![A-Za-z0-9])"  # PORT, API_PORT, apiPORT; not REPORT, PORTAL
    rb"|://[^\s/?#'\"`<>]*:\d{2,5}\b"  # http://localhost:3025, ws://[::1]:8080
    rb"|\.listen\("
)

#: Script files that cannot hold JSX: read with the ``typescript`` grammar.
_TYPESCRIPT_SUFFIXES = (".ts", ".mts", ".cts", ".mjs", ".cjs")
_SCRIPT_SUFFIXES = (*_TYPESCRIPT_SUFFIXES, ".tsx", ".js", ".jsx")
_COMPONENT_SUFFIXES = (".svelte", ".astro", ".vue")
#: Declarations hold types, never values; minified bundles are generated code.
_SKIPPED_SUFFIXES = (".d.ts", ".d.mts", ".d.cts", ".min.js", ".min.mjs", ".min.cjs")


def matches(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    if name.endswith(_SKIPPED_SUFFIXES):
        return False
    return name.endswith(_SCRIPT_SUFFIXES + _COMPONENT_SUFFIXES)


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A run of script text inside a file, and the grammar that reads it."""

    start: int  # character offset of the block's first character in the file
    text: str
    grammar: str


_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
_SCRIPT_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_SCRIPT_LANG = re.compile(r"""\blang\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_CODE_TYPES = frozenset(
    {"module", "text/javascript", "application/javascript", "text/typescript", "ts"}
)
_FRONTMATTER = re.compile(
    r"\A\ufeff?\s*---[ \t]*(?:\r\n|\r|\n)(.*?)(?:\r\n|\r|\n)---[ \t]*(?:\r\n|\r|\n|\Z)",
    re.DOTALL,
)


def _is_code(attributes: str) -> bool:
    """A ``<script>`` holds code unless its ``type`` says otherwise (JSON, templates)."""
    match = _SCRIPT_TYPE.search(attributes)
    return match is None or match.group(1).lower() in _CODE_TYPES


def _script_grammar(attributes: str) -> str:
    """The grammar of a component's ``<script>``: ``tsx`` only when its ``lang`` says JSX
    (Vue's ``lang="tsx"``/``"jsx"``)."""
    match = _SCRIPT_LANG.search(attributes)
    return "tsx" if match is not None and match.group(1).lower() in ("tsx", "jsx") else "typescript"


def code_blocks(path: str, text: str) -> list[CodeBlock]:
    """The script text of a file: all of a script file; the ``<script>`` blocks of a
    component and an Astro file's ``---`` frontmatter, each at its offset in the file."""
    name = path.rsplit("/", 1)[-1]
    if not name.endswith(_COMPONENT_SUFFIXES):
        grammar = "typescript" if name.endswith(_TYPESCRIPT_SUFFIXES) else "tsx"
        return [CodeBlock(0, text, grammar)]
    blocks: list[CodeBlock] = []
    if name.endswith(".astro"):
        front = _FRONTMATTER.match(text)
        if front is not None:
            blocks.append(CodeBlock(front.start(1), front.group(1), "typescript"))
    for tag in _SCRIPT_TAG.finditer(text):
        if _is_code(tag.group(1)) and tag.group(2).strip():
            grammar = _script_grammar(tag.group(1))
            blocks.append(CodeBlock(tag.start(2), tag.group(2), grammar))
    return blocks


_TEST_DIRS = frozenset({"__tests__", "__mocks__", "test", "tests", "e2e"})
_TEST_FILE = re.compile(r"\.(?:test|spec|e2e|e2e-spec)\.[^.]+$")
_PLAYWRIGHT_CONFIG = re.compile(r"^playwright[\w-]*(?:\.[\w-]+)*\.config\.[cm]?[jt]s$")


def is_test_path(path: str) -> bool:
    """Test code by convention, except a Playwright config: its ``webServer`` is the app."""
    *dirs, name = path.split("/")
    if _PLAYWRIGHT_CONFIG.match(name):
        return False
    return _TEST_FILE.search(name) is not None or any(part in _TEST_DIRS for part in dirs)


@dataclass(frozen=True, slots=True)
class _Hit:
    """One port literal found in a block (offsets relative to the block)."""

    start: int
    end: int
    port: int
    role: Role
    env: str | None
    target: str | None
    tags: tuple[str, ...]

    @property
    def rank(self) -> tuple[bool, bool]:
        return self.target is not None, self.env is not None


_URL_HOST = re.compile(r"://(?:[^/@\s]*@)?(\[[0-9A-Fa-f:.]+\]|[^/:\s\[\]]+):?$")


def target_host(raw: str | None) -> str | None:
    """The host of a ``@target`` capture: ``http://localhost:`` -> ``localhost``; a bare
    host (``redis``) as written."""
    if raw is None:
        return None
    match = _URL_HOST.search(raw)
    return raw if match is None else match.group(1).strip("[]")


def _rule_hits(block: CodeBlock, root: Node, options: ExtractOptions) -> Iterator[_Hit]:
    rules = queries.run_rules(
        block.grammar, block.text, options.rule_dirs, root=root, deadline=options.deadline
    )
    for match in rules:
        yield _Hit(
            start=match.start,
            end=match.end,
            port=match.port,
            role=match.rule.role,
            env=match.env,
            target=target_host(match.target),
            tags=match.rule.tags,
        )


@functools.lru_cache(maxsize=4)
def _fragment_query(grammar: str) -> Query:
    from tree_sitter import Query

    query: Query = Query(queries.language(grammar), "(string_fragment) @fragment")
    return query


def _url_hits(
    block: CodeBlock, root: Node, source: bytes, deadline: float | None
) -> Iterator[_Hit]:
    """``scheme://host:port`` in string and template fragments (never in comments)."""
    captures = queries.query_captures(_fragment_query(block.grammar), root, deadline)
    fragments = captures.get("fragment", [])
    ascii_only = block.text.isascii()
    byte_at = char_at = 0  # fragments come in document order: convert offsets incrementally
    for node in sorted(fragments, key=lambda n: n.start_byte):
        raw = source[node.start_byte : node.end_byte]
        if b"://" not in raw:
            continue
        if ascii_only:
            char_at = node.start_byte
        else:
            char_at += len(source[byte_at : node.start_byte].decode("utf-8", "surrogatepass"))
            byte_at = node.start_byte
        fragment = raw.decode("utf-8", "surrogatepass")
        for url in urls.url_ports(fragment):
            yield _Hit(
                char_at + url.start, char_at + url.end, url.port, Role.REFERENCE, None, url.host, ()
            )


def _nothing_parses(root: Node) -> bool:
    """True when the whole tree is an error: no top-level statement parsed."""
    if root.type == "ERROR":
        return True
    named = root.named_children
    return bool(named) and all(child.type == "ERROR" for child in named)


def _scan(block: CodeBlock, options: ExtractOptions) -> tuple[list[_Hit], int | None]:
    """The hits of one block, one per literal, and the block line of a fatal syntax error."""
    source = block.text.encode("utf-8", "surrogatepass")
    root = queries.parse(block.grammar, source, options.deadline)
    best: dict[tuple[int, int], _Hit] = {}
    hits = [*_rule_hits(block, root, options), *_url_hits(block, root, source, options.deadline)]
    for hit in hits:
        current = best.get((hit.start, hit.end))
        if current is None or hit.rank > current.rank:
            best[(hit.start, hit.end)] = hit
    nothing_parses = _nothing_parses(root)
    error_line = queries.syntax_error_line(root, options.deadline) if nothing_parses else None
    return list(best.values()), error_line


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """Every port the rules find in the file's script text.

    A broken rule (``queries.RuleError``) is a configuration error, not a property of
    this file: it propagates so the caller can report it once.
    """
    index = LineIndex(text)
    context = (TAG_TEST,) if is_test_path(path) else ()
    facts: list[PortFact] = []
    diagnostics: list[Diagnostic] = []
    for block in code_blocks(path, text):
        hits, error_line = _scan(block, options)
        for hit in hits:
            line, col = index.position(block.start + hit.start)
            facts.append(
                PortFact(
                    port=hit.port,
                    role=hit.role,
                    location=Location(path, line, col, line, col + hit.end - hit.start),
                    extractor=NAME,
                    env=hit.env,
                    target=hit.target,
                    tags=tuple(sorted({*hit.tags, *context})),
                )
            )
        if error_line is not None:
            first_line = index.position(block.start)[0]
            diagnostics.append(
                Diagnostic(
                    path,
                    first_line + error_line - 1,
                    "invalid TypeScript/JavaScript: nothing parses",
                )
            )
    return Extraction(sorted_facts(facts), tuple(diagnostics))
