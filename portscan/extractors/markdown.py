"""Markdown docs: the ports a README or a port registry claims for a service.

Every fact is a ``doc``. What counts as a claim:

- a label with a colon: ``## Port: 3064``, ``- **Port**: 3025``, ``**Port:** 3030
  (production)``, ``Default port: 3025``, ``PORT=3025`` (an upper-case label such as
  ``PORT`` or ``MANA_LLM_PORT`` is the fact's env); a heading ``## Port 3025``;
- "on port 3025" and its kin (``runs on port``, ``listens on port``, ``at port``,
  ``exposes port``, ``uses the default port``), also for lists (``on ports 3000 and 3001``);
- a parenthesised port: ``(Port 3025)``, ``(port: 3025)``, ``(:3025)`` anywhere, and a bare
  ``(3001)`` right after a service-like word (``mana-auth (3001)``, ```` `auth` (3001) ````);
- tables, read through their header row: a column named Port/Ports (or "... port") and
  one named Service/Name/App/... give one fact per row, the service cell being the hint;
  a row whose first port-name cell is an env var (``| PORT | 3015 |``, ``| `API_PORT` |
  3016 |``) or a ``Port`` label gives the numbers of the cells after it, the variable
  as env. Cells read ``3001``, ```` `3001` ````, ``**3001**``, ``3001 (dev)``, ``53/udp``,
  ``3001, 3002``;
- fenced code blocks, handed to the extractor of their language (``sh``/``bash``/
  ``console``: shell, prompts removed; ``env``: dotenv; ``ts``/``js``: typescript;
  ``python``; ``yaml`` with a top-level ``services:``: compose, ``ingress:``: cloudflared,
  ``scrape_configs:``/``datasources:``: prometheus; ``dockerfile``; ``go``; ``nginx``;
  ``caddyfile``) with the block's line offset. Every fact they find becomes a ``doc``
  with this extractor's name, keeping its env, target, protocol and tags: a ``uvicorn
  --port 3025`` in a README is a claim, not a deployment. Snippets in docs are often
  incomplete, so the delegate's diagnostics are dropped.

The service hint of a fact is, in order: what the claim itself names (a table row's
service cell, the word before ``(3001)``, a compose service key), else the nearest
enclosing heading of level 2 to 6 that names a service (``### mana-llm``,
``## mana-llm (Port 3025)``, ```` ### `auth` ````: a kebab- or snake-case word or a code
span), else None: resolve then names the service from the folder that holds the doc.
A level-1 heading is the document's title (often the repository's name) and names none.

Not claims: dates (``2026-04-08``), versions (``v3.0.25``), ranges (``3000-3009: Core``,
``Ports: 3006-3009``, a table row ``| 3006-3009 | (reserved) |``), rows whose service
reads "reserved", "free", "-" ..., times (``10:30``), issue numbers (``#3025``), numbers in
prose without a port word (``we had 3000 users``), HTML comments and front matter.
URLs in prose (``open http://localhost:5173``) are not read either: a README names the
URLs of other services as often as its own, and only the port words above say which.
Changelogs (``CHANGELOG.md``, ``HISTORY.md``) are not read: they say what ports were.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import cast

from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    PORTISH,
    ExtractOptions,
    Extractor,
    LineIndex,
    is_port_name,
    parse_port,
    shift_extraction,
    sorted_facts,
    split_lines,
)
from portscan.model import Extraction, Location, PortFact, Role

NAME = "markdown"
#: PORTISH, plus a bare ``(3001)`` after a service name.
PREFILTER: re.Pattern[bytes] | None = re.compile(PORTISH.pattern + rb"|\(\d{2,5}\)")

_SUFFIXES = (".md", ".markdown", ".mdx")
#: Changelogs record what ports *were*; their claims are history, not documentation.
_HISTORY_NAMES = ("changelog", "changes", "history")


def matches(path: str) -> bool:
    """``*.md``, ``*.markdown`` and ``*.mdx``, except changelogs (``CHANGELOG.md``)."""
    name = path.rsplit("/", 1)[-1].lower()
    return name.endswith(_SUFFIXES) and not name.startswith(_HISTORY_NAMES)


# --- ports in a line ----------------------------------------------------------------------

#: One port as docs write it: ``3025``, ```3025```, ``**3025**``, ``:3025``, ``53/udp``.
#: Not followed by a letter, a decimal or time part, a range, or a percent sign.
_PORT = re.compile(
    r"[`*_]*:?(?P<digits>\d{2,5})(?:/(?P<protocol>tcp|udp)\b)?"
    r"(?![\w%]|[.:]\d|\s*(?:[-\u2013\u2014~]|\.\.|to\b)\s*`?\d)[`*_]*",
    re.IGNORECASE,
)
_LIST_SEPARATOR = re.compile(r"\s*(?:,|/|&|\band\b|\bor\b)\s*", re.IGNORECASE)
_LABEL = re.compile(
    r"(?<![\w$.?&/-])(?P<label>[A-Za-z][A-Za-z0-9_]*)(?:\*\*|__|`)?[ \t]*[:=](?:\*\*|__)?[ \t]*"
)
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_ON_PORT = re.compile(
    r"\b(?:on|at|uses?|using|binds?|exposes?|listens?|opens?)\s+(?:the\s+)?"
    r"(?:[A-Za-z0-9/-]+\s+){0,2}ports?\s+(?:number\s+)?",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\(\s*(?:(?P<keyword>ports?)\s*:?\s*)?(?=[`*_]*:?\d)", re.IGNORECASE)
_PAREN_END = re.compile(r"\s*\)")
#: The word before ``(3001)``: a code span, or a kebab/snake-case name (bold or not).
_SERVICE_BEFORE = re.compile(
    r"(?:`(?P<code>[\w.@/-]+)`"
    r"|(?P<stars>\*\*|__)?(?P<word>[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+)(?P=stars)?)"
    r"[ \t]*$"
)
#: How far before ``(`` a service name may start.
_SERVICE_WINDOW = 80
_HEADING_PORT = re.compile(r"ports?\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Hit:
    """A port claimed in a line: where its digits are, and what the claim names."""

    start: int  # offset of the digits in the line
    end: int  # offset just past them
    port: int
    protocol: str = "tcp"
    service: str | None = None
    env: str | None = None


def _port_run(line: str, at: int) -> tuple[list[_Hit], int]:
    """The ports written from ``at`` on, and where they end: one port, or a list ``3000,
    3001 and 3002``. None at all when ``at`` holds no port (or a range)."""
    found: list[_Hit] = []
    end = at
    match = _PORT.match(line, at)
    while match is not None and (port := parse_port(match.group("digits"))) is not None:
        protocol = (match.group("protocol") or "tcp").lower()
        found.append(_Hit(match.start("digits"), match.end("digits"), port, protocol))
        end = match.end()
        separator = _LIST_SEPARATOR.match(line, end)
        match = None if separator is None else _PORT.match(line, separator.end())
    return found, end


def _port_list(line: str, at: int) -> list[_Hit]:
    return _port_run(line, at)[0]


def _label_hits(line: str) -> Iterator[_Hit]:
    """``Port: 3025``, ``**Port:** 3030``, ``PORT=3025``, ``MANA_LLM_PORT: 3025``."""
    for match in _LABEL.finditer(line):
        label = match.group("label")
        named = is_port_name(label)
        if not (named or label.lower() == "ports"):
            continue
        env = label if named and _ENV_NAME.fullmatch(label) else None
        for hit in _port_list(line, match.end()):
            yield replace(hit, env=env)


def _on_port_hits(line: str) -> Iterator[_Hit]:
    """``runs on port 3025``, ``listens on ports 3000 and 3001``, ``at port `3025```."""
    for match in _ON_PORT.finditer(line):
        yield from _port_list(line, match.end())


def _paren_hits(line: str) -> Iterator[_Hit]:
    """``(Port 3025)`` anywhere; ``(3001)`` right after a service-like word."""
    for match in _PAREN.finditer(line):
        window = max(0, match.start() - _SERVICE_WINDOW)  # a name is short: look back a bit
        before = _SERVICE_BEFORE.search(line, window, match.start())
        service = None
        if before is not None:
            service = before.group("code") or before.group("word")
        if match.group("keyword") is None:
            closed = _PAREN_END.match(line, _port_run(line, match.end())[1]) is not None
            if service is None or not closed:
                continue
        for hit in _port_list(line, match.end()):
            yield replace(hit, service=service)


def prose_hits(line: str, *, heading_at: int | None = None) -> list[_Hit]:
    """The claims of one line of prose, one per literal (the most specific wins). In a
    heading whose text starts at ``heading_at``, ``Port 3025`` needs no colon."""
    hits: dict[int, _Hit] = {}
    rules = [_paren_hits(line), _label_hits(line), _on_port_hits(line)]
    if heading_at is not None and (lead := _HEADING_PORT.match(line, heading_at)) is not None:
        rules.append(iter(_port_list(line, lead.end())))
    for rule in rules:
        for hit in rule:
            hits.setdefault(hit.start, hit)
    return list(hits.values())


# --- headings -----------------------------------------------------------------------------

_ATX = re.compile(r"^ {0,3}(?P<level>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(?:(?P<one>=+)|-+)[ \t]*$")
_NOT_SETEXT_TEXT = re.compile(r"^\s*(?:[-*+>|]|\d+[.)]\s|#)")
_HEADING_SERVICE = re.compile(
    r"^(?:`(?P<code>[\w.@/-]+)`|(?P<word>[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+))"
    r"(?:\s*$|\s*[(:\u2013\u2014]|\s+-\s)"
)


def heading_service(text: str) -> str | None:
    """The service a heading names: ``mana-llm``, ``mana-llm (Port 3025)``,
    ```` `auth` ````, ``mana_llm: the gateway``; not ``Installation`` or ``Port: 3064``."""
    match = _HEADING_SERVICE.match(text.strip().strip("*_").strip())
    if match is None:
        return None
    return match.group("code") or match.group("word")


@dataclass(frozen=True, slots=True)
class _Heading:
    level: int
    service: str | None


def _enter(stack: tuple[_Heading, ...], level: int, text: str) -> tuple[_Heading, ...]:
    """The heading stack once a heading of ``level`` starts (the title names no service)."""
    kept = tuple(h for h in stack if h.level < level)
    service = heading_service(text) if level >= 2 else None
    return (*kept, _Heading(level, service))


def _current(stack: tuple[_Heading, ...]) -> str | None:
    return next((h.service for h in reversed(stack) if h.service is not None), None)


# --- tables -------------------------------------------------------------------------------

_DELIMITER_ROW = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_PORT_HEADERS = frozenset({"port", "ports", "port #", "port number", "port(s)"})
_SERVICE_HEADERS = frozenset(
    {"service", "services", "service name", "name", "app", "application", "component"}
)
_RESERVED = frozenset(
    {"", "-", "\u2013", "\u2014", "free", "unused", "available", "tbd", "n/a", "none", "?"}
)
_RANGE = re.compile(r"\d\s*(?:[-\u2013\u2014~]|\.\.)\s*`?\d")
_CELL_REST = re.compile(r"\s*(?:\(.*\))?\s*$")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_DECORATION = "`*_ \t"


@dataclass(frozen=True, slots=True)
class _Cell:
    text: str
    start: int  # offset of the cell's text in the line


def _cells(line: str) -> list[_Cell]:
    """The cells of a table row: split at ``|`` not escaped by a backslash; the pipes
    that open and close the row make no cells."""
    cells: list[_Cell] = []
    start = 0
    for index, char in enumerate(line):
        if char == "|" and (index == 0 or line[index - 1] != "\\"):
            cells.append(_Cell(line[start:index], start))
            start = index + 1
    cells.append(_Cell(line[start:], start))
    if cells and not cells[0].text.strip() and line.lstrip().startswith("|"):
        cells = cells[1:]
    if cells and not cells[-1].text.strip() and line.rstrip().endswith("|"):
        cells = cells[:-1]
    return cells


def _clean(text: str) -> str:
    """A cell's words without links, code and emphasis marks."""
    return _LINK.sub(r"\1", text).strip(_DECORATION).replace("`", "")


def _is_reserved(text: str) -> bool:
    words = _clean(text).strip("()[] ").lower()
    return words in _RESERVED or words.startswith("reserved")


def _service_cell(text: str) -> str:
    """``[mana-llm](services/mana-llm)`` -> ``mana-llm``; ``mana-llm (GPU)`` -> ``mana-llm``."""
    cleaned = _clean(text)
    for cut in (" (", " - ", " \u2014 ", " \u2013 "):
        cleaned = cleaned.split(cut, 1)[0]
    return cleaned.strip(_DECORATION)


def _cell_ports(cell: _Cell) -> list[_Hit]:
    """The ports a cell holds when it is nothing but ports (and a parenthesised note)."""
    if _RANGE.search(cell.text):
        return []
    lead = len(cell.text) - len(cell.text.lstrip())
    found, end = _port_run(cell.text, lead)
    if not found or _CELL_REST.match(cell.text, end) is None:
        return []
    return [replace(hit, start=cell.start + hit.start, end=cell.start + hit.end) for hit in found]


@dataclass(frozen=True, slots=True)
class _Table:
    """Which columns of a table hold ports and service names."""

    port: int | None
    service: int | None


def _table(header: str) -> _Table:
    names = [_clean(cell.text).lower() for cell in _cells(header)]
    port = next((i for i, name in enumerate(names) if name in _PORT_HEADERS), None)
    if port is None:
        port = next((i for i, n in enumerate(names) if n.endswith((" port", " ports"))), None)
    service = next((i for i, name in enumerate(names) if name in _SERVICE_HEADERS), None)
    return _Table(port, service)


def _label_cell(cells: list[_Cell]) -> tuple[int, str | None] | None:
    """The first cell that names a port (``PORT``, ```API_PORT```, ``Port``) and the env
    var it is, if it is one."""
    for index, cell in enumerate(cells):
        name = _clean(cell.text)
        if not name.isidentifier():
            continue
        if is_port_name(name):
            return index, name if _ENV_NAME.fullmatch(name) else None
        if name.lower() == "ports":
            return index, None
    return None


def table_row_hits(table: _Table, line: str) -> list[_Hit] | None:
    """The claims of one body row; None when the row is not a claim table row (its prose
    is then read as prose)."""
    cells = _cells(line)
    label = _label_cell(cells)
    env = label[1] if label is not None else None
    if table.port is not None and table.port < len(cells):
        port_columns = [table.port]
    elif label is not None:
        port_columns = list(range(label[0] + 1, len(cells)))
    else:
        return None
    service = None
    if table.service is not None and table.service < len(cells):
        if label is None or table.service != label[0]:
            if _is_reserved(cells[table.service].text):
                return []
            service = _service_cell(cells[table.service].text)
    else:
        others = [c for i, c in enumerate(cells) if i not in port_columns and c.text.strip()]
        if any(_is_reserved(cell.text) for cell in others):
            return []
    hits = [
        replace(hit, service=service, env=env)
        for column in port_columns
        for hit in _cell_ports(cells[column])
    ]
    return hits or None


# --- fenced code --------------------------------------------------------------------------

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_LANGUAGE = re.compile(r"[{.\s]*([\w+#.-]+)")
_PROMPT = re.compile(r"^(\s*)([$%]) ")
#: Fence languages and how their blocks are read: (module, file suffix to read them as).
_DELEGATES: dict[str, tuple[str, str]] = {
    "sh": ("shell", ".sh"),
    "bash": ("shell", ".sh"),
    "shell": ("shell", ".sh"),
    "zsh": ("shell", ".sh"),
    "console": ("shell", ".sh"),
    "shell-session": ("shell", ".sh"),
    "sh-session": ("shell", ".sh"),
    "terminal": ("shell", ".sh"),
    "env": ("dotenv", ".env"),
    "dotenv": ("dotenv", ".env"),
    "ts": ("typescript", ".ts"),
    "typescript": ("typescript", ".ts"),
    "tsx": ("typescript", ".tsx"),
    "js": ("typescript", ".js"),
    "javascript": ("typescript", ".js"),
    "jsx": ("typescript", ".jsx"),
    "mjs": ("typescript", ".mjs"),
    "cjs": ("typescript", ".cjs"),
    "python": ("python", ".py"),
    "py": ("python", ".py"),
    "python3": ("python", ".py"),
    "dockerfile": ("dockerfile", ".Dockerfile"),
    "docker": ("dockerfile", ".Dockerfile"),
    "go": ("golang", ".go"),
    "golang": ("golang", ".go"),
    "nginx": ("nginx", "/nginx.conf"),
    "caddy": ("caddy", "/Caddyfile"),
    "caddyfile": ("caddy", "/Caddyfile"),
}
_SESSIONS = frozenset({"console", "shell-session", "sh-session", "terminal"})
#: YAML blocks are read by what their top level holds.
_YAML_KINDS = (
    (re.compile(r"^services[ \t]*:", re.MULTILINE), ("compose", "/compose.yml")),
    (re.compile(r"^ingress[ \t]*:", re.MULTILINE), ("cloudflared", "/cloudflared.yml")),
    (
        re.compile(r"^(?:scrape_configs|datasources|remote_write)[ \t]*:", re.MULTILINE),
        ("prometheus", "/prometheus.yml"),
    ),
)


@dataclass(frozen=True, slots=True)
class _Fence:
    """A fenced code block: the line of its opening fence and its body as written."""

    line: int  # 1-based line of the opening fence
    indent: int
    language: str
    body: tuple[str, ...]


def _fences(lines: list[str]) -> tuple[list[_Fence], set[int]]:
    """The fenced blocks of a document and every line they cover (fences included)."""
    fences: list[_Fence] = []
    covered: set[int] = set()
    number = 1
    while number <= len(lines):
        match = _FENCE.match(lines[number - 1])
        fence = match.group("fence") if match else ""
        if match is None or (fence[0] == "`" and "`" in match.group("info")):
            number += 1
            continue
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = number + 1
        while end <= len(lines) and closing.match(lines[end - 1]) is None:
            end += 1
        language = _LANGUAGE.match(match.group("info"))
        fences.append(
            _Fence(
                line=number,
                indent=len(match.group("indent")),
                language=language.group(1).lower() if language else "",
                body=tuple(lines[number : end - 1]),
            )
        )
        covered.update(range(number, min(end, len(lines)) + 1))
        number = end + 1
    return fences, covered


def _delegate_for(fence: _Fence, body: str) -> tuple[str, str] | None:
    if fence.language in ("yaml", "yml"):
        return next((kind for pattern, kind in _YAML_KINDS if pattern.search(body)), None)
    return _DELEGATES.get(fence.language)


def _unindent(fence: _Fence) -> tuple[list[str], list[int]]:
    """The body without the fence's indentation (as CommonMark reads it), and how many
    columns each line lost; a session's prompts become blanks and its output is dropped."""
    lines: list[str] = []
    removed: list[int] = []
    session = fence.language in _SESSIONS
    for line in fence.body:
        cut = min(fence.indent, len(line) - len(line.lstrip(" ")))
        line = line[cut:]
        prompt = _PROMPT.match(line)
        if prompt is not None:
            line = prompt.group(1) + "  " + line[prompt.end() :]
        elif session:
            line = ""
        lines.append(line)
        removed.append(cut)
    return lines, removed


def _block_facts(path: str, fence: _Fence, options: ExtractOptions) -> list[PortFact]:
    """The facts the block's own extractor finds, on the document's lines and columns."""
    lines, removed = _unindent(fence)
    body = "\n".join(lines) + "\n"
    kind = _delegate_for(fence, body)
    if kind is None:
        return []
    module_name, suffix = kind
    extractor = cast(Extractor, importlib.import_module(f"portscan.extractors.{module_name}"))
    prefilter = extractor.PREFILTER
    if prefilter is not None and prefilter.search(body.encode("utf-8", "surrogatepass")) is None:
        return []
    found = extractor.extract(path + suffix, body, options)
    facts = [_restore_indent(fact, removed) for fact in found.facts]
    return list(shift_extraction(Extraction(tuple(facts)), path, fence.line).facts)


def _restore_indent(fact: PortFact, removed: list[int]) -> PortFact:
    location = fact.location
    shift = removed[location.line - 1] if 0 < location.line <= len(removed) else 0
    if not shift:
        return fact
    end_col = location.end_col
    if end_col is not None and location.end_line in (None, location.line):
        end_col += shift
    return replace(fact, location=replace(location, col=location.col + shift, end_col=end_col))


# --- the document -------------------------------------------------------------------------

_COMMENT_OPEN = "<!--"
_COMMENT_CLOSE = "-->"


def _mask_comment(line: str, inside: bool) -> tuple[str, bool]:
    """The line with HTML comments blanked (columns kept), and whether one is still open."""
    out: list[str] = []
    at = 0
    while at < len(line):
        if inside:
            close = line.find(_COMMENT_CLOSE, at)
            stop = len(line) if close < 0 else close + len(_COMMENT_CLOSE)
            out.append(" " * (stop - at))
            at = stop
            inside = close < 0
        else:
            opening = line.find(_COMMENT_OPEN, at)
            stop = len(line) if opening < 0 else opening
            out.append(line[at:stop])
            at = stop
            inside = opening >= 0
    return "".join(out), inside


def _front_matter(lines: list[str]) -> set[int]:
    """The lines of a leading ``---`` YAML block, if the document has one."""
    if not lines or lines[0].lstrip("\ufeff").rstrip() != "---":
        return set()
    for number in range(2, len(lines) + 1):
        if lines[number - 1].rstrip() in ("---", "..."):
            return set(range(1, number + 1))
    return set()


class _Document:
    """Reads one document line by line (one instance per :func:`extract`)."""

    def __init__(self, path: str, text: str, options: ExtractOptions) -> None:
        self.path = path
        self.options = options
        self.index = LineIndex(text)
        self.lines = split_lines(text)
        self.facts: list[PortFact] = []
        self.headings: tuple[_Heading, ...] = ()

    def fact(self, number: int, hit: _Hit, fallback: str | None) -> None:
        col = hit.start + 1
        length = hit.end - hit.start
        self.facts.append(
            PortFact(
                port=hit.port,
                role=Role.DOC,
                location=Location(self.path, number, col, number, col + length),
                extractor=NAME,
                service=hit.service or fallback,
                env=hit.env,
                protocol=hit.protocol,
            )
        )

    def read(self) -> None:
        fences, covered = _fences(self.lines)
        fence_at = {fence.line: fence for fence in fences}
        skipped = covered | _front_matter(self.lines)
        masked: dict[int, str] = {}
        inside = False
        for number, raw in enumerate(self.lines, start=1):
            if number not in skipped:
                masked[number], inside = _mask_comment(raw, inside)
        number = 1
        while number <= len(self.lines):
            if number in fence_at:
                self.fenced(fence_at[number])
            current = masked.get(number)
            following = masked.get(number + 1)
            if current is None or not current.strip():
                number += 1
            elif (
                "|" in current
                and following
                and "|" in following
                and _DELIMITER_ROW.match(following)
            ):
                number = self.table(_table(current), number + 2, masked)
            else:
                self.prose(number, current, following or "")
                number += 1

    def fenced(self, fence: _Fence) -> None:
        service = _current(self.headings)
        for fact in _block_facts(self.path, fence, self.options):
            self.facts.append(
                replace(fact, role=Role.DOC, extractor=NAME, service=fact.service or service)
            )

    def table(self, table: _Table, number: int, masked: dict[int, str]) -> int:
        """Read the body rows from line ``number``; return the line after the table."""
        while (line := masked.get(number)) is not None and line.strip() and "|" in line:
            hits = table_row_hits(table, line)
            for hit in prose_hits(line) if hits is None else hits:
                self.fact(number, hit, _current(self.headings))
            number += 1
        return number

    def prose(self, number: int, line: str, following: str) -> None:
        atx = _ATX.match(line)
        heading_at = None
        if atx is not None:
            text = atx.group("text") or ""
            self.headings = _enter(self.headings, len(atx.group("level")), text)
            heading_at = atx.start("text") if text else len(line)
            line = " " * heading_at + text
        elif _NOT_SETEXT_TEXT.match(line) is None and (setext := _SETEXT.match(following)):
            self.headings = _enter(self.headings, 1 if setext.group("one") else 2, line)
            heading_at = len(line) - len(line.lstrip())
        for hit in prose_hits(line, heading_at=heading_at):
            self.fact(number, hit, _current(self.headings))


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """The ports a Markdown document claims."""
    document = _Document(path, text, options)
    document.read()
    return Extraction(sorted_facts(document.facts))
