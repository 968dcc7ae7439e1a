"""``package.json``: the ports its npm scripts start servers on, and the URLs they wait for.

``scripts`` values are shell command lines: ``vite dev --port 5010``, ``next dev -p 3000``,
``PORT=3000 node server.js``, ``cross-env PORT=3001 nest start``, ``serve -l 5000``,
``concurrently "vite --port 5010" "node api.js"`` all set a listen port (role default;
flags carry ``TAG_FLAG``). A URL with an explicit port in a script (``wait-on
http://localhost:3000``) or in the dev-server ``proxy`` field is a reference. npm's
``config`` object (``"config": {"port": 8080}``, read as ``npm_package_config_port``) is a
default named by its key.

JSON has no positions in :mod:`json`, so after ``json.loads`` has validated the text a
small walker reads it again, keeping each string's characters mapped to their offsets
(escapes included) so a port inside ``"dev": "vite --port 5010"`` points at its digits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

from portscan.extractors import urls
from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    ExtractOptions,
    LineIndex,
    is_port_name,
    parse_port,
    sorted_facts,
)
from portscan.extractors.shellwords import SourceText, command_ports, shell_words
from portscan.model import TAG_FLAG, Diagnostic, Extraction, Location, PortFact, Role

NAME = "packagejson"
#: package.json files are small and few: always read them (``-p 3000`` has no "port").
PREFILTER: re.Pattern[bytes] | None = None


def matches(path: str) -> bool:
    parts = path.split("/")
    return parts[-1] == "package.json" and "node_modules" not in parts


@dataclass(frozen=True, slots=True)
class Scalar:
    """A JSON number, true, false or null as written, and its offset."""

    raw: str
    start: int


#: A parsed JSON value: strings keep their offsets, scalars their raw text.
JsonNode: TypeAlias = "dict[str, JsonNode] | list[JsonNode] | SourceText | Scalar"

_SCALAR = re.compile(r"-?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|Infinity)|true|false|null|NaN")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Reader:
    """Reads JSON text that ``json.loads`` has already accepted, keeping offsets."""

    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, at: int) -> int:
        match = _WHITESPACE.match(self.text, at)
        return at if match is None else match.end()

    def value(self, at: int) -> tuple[JsonNode, int]:
        at = self.skip(at)
        char = self.text[at]
        if char == "{":
            return self.object(at)
        if char == "[":
            return self.array(at)
        if char == '"':
            return self.string(at)
        match = _SCALAR.match(self.text, at)
        if match is None:  # pragma: no cover - json.loads accepted the text
            raise ValueError(f"unexpected {char!r} at {at}")
        return Scalar(match.group(), at), match.end()

    def object(self, at: int) -> tuple[JsonNode, int]:
        members: dict[str, JsonNode] = {}
        at = self.skip(at + 1)
        while self.text[at] != "}":
            key, at = self.string(at)
            at = self.skip(self.skip(at) + 1)  # the colon
            members[key.text], at = self.value(at)
            at = self.skip(at)
            if self.text[at] == ",":
                at = self.skip(at + 1)
        return members, at + 1

    def array(self, at: int) -> tuple[JsonNode, int]:
        items: list[JsonNode] = []
        at = self.skip(at + 1)
        while self.text[at] != "]":
            item, at = self.value(at)
            items.append(item)
            at = self.skip(at)
            if self.text[at] == ",":
                at = self.skip(at + 1)
        return items, at + 1

    def string(self, at: int) -> tuple[SourceText, int]:
        """A string literal at ``at`` (its opening quote): each decoded character keeps
        the offset where it is written; an escape maps to its backslash."""
        text = self.text
        chars: list[str] = []
        offsets: list[int] = []
        index = at + 1
        while text[index] != '"':
            offsets.append(index)
            if text[index] != "\\":
                chars.append(text[index])
                index += 1
                continue
            escape = text[index + 1]
            if escape != "u":
                chars.append(_ESCAPES[escape])
                index += 2
                continue
            code = int(text[index + 2 : index + 6], 16)
            index += 6
            if 0xD800 <= code < 0xDC00 and text[index : index + 2] == "\\u":
                low = int(text[index + 2 : index + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
            chars.append(chr(code))
        return SourceText("".join(chars), tuple(offsets)), index + 1


#: JSON nested deeper than this is refused before it is parsed. The limit is explicit so
#: the outcome never depends on how deep the caller's stack already is: json's scanner
#: and the reader above recurse once per level and would otherwise fail at a depth that
#: differs between a worker process and the main one.
MAX_DEPTH = 256
_NESTING = re.compile(r'[\[\]{}"\\]')


def nesting_too_deep(text: str) -> int | None:
    """The offset of the bracket that nests deeper than :data:`MAX_DEPTH` (brackets in
    strings do not count), or None."""
    depth = 0
    in_string = False
    escaped_at = -1
    for match in _NESTING.finditer(text):
        at, char = match.start(), match.group()
        if at == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return at
        elif char in "]}":
            depth -= 1
    return None


def read_json(text: str) -> JsonNode:
    """The document with offsets; raises ``json.JSONDecodeError`` for invalid JSON.

    Numbers are validated, never converted: JSON puts no bound on their digits, while
    ``int()`` refuses more than 4300 of them."""
    json.loads(text, parse_int=str)
    return _Reader(text).value(0)[0]


@dataclass(frozen=True, slots=True)
class _Port:
    """A port found in the document: its offset, and what the fact says."""

    offset: int
    port: int
    role: Role
    env: str | None = None
    target: str | None = None
    tags: tuple[str, ...] = ()


#: ``serve -l 5000`` (vercel/serve): ``-l``/``--listen`` take a bare port as well as an
#: address; flag_ports only reads addresses for ``--listen``.
_SERVE_LISTEN = frozenset({"-l", "--listen"})


_OPERATORS = frozenset({"&&", "||", ";", ";;", "|", "&", "(", ")"})


def _serve_ports(words: list[SourceText]) -> Iterator[_Port]:
    serving = False
    for index, word in enumerate(words):
        if word.text in _OPERATORS:
            serving = False
        elif word.text.rsplit("/", 1)[-1] == "serve":
            serving = True
        elif serving and word.text in _SERVE_LISTEN and index + 1 < len(words):
            value = words[index + 1]
            port = parse_port(value.text) if value.text.isdigit() else None
            if port is not None:
                yield _Port(value.offsets[0], port, Role.DEFAULT, tags=(TAG_FLAG,))


def script_ports(command: SourceText) -> Iterator[_Port]:
    """The ports one npm script sets or references.

    Quoted arguments holding a whole command (``concurrently "vite --port 5010" ...``,
    ``npm-run-all``) are read as commands of their own.
    """
    words = shell_words(command)
    nested = [word for word in words if len(word.text.split()) > 1]
    for source, source_words in [(command, words), *((w, shell_words(w)) for w in nested)]:
        for hit in command_ports(source):
            tags = (TAG_FLAG,) if hit.flag is not None else ()
            yield _Port(hit.offset, hit.port, Role.DEFAULT, env=hit.env, tags=tags)
        yield from _serve_ports(source_words)
    yield from _url_ports(command)


def _url_ports(value: SourceText) -> Iterator[_Port]:
    for url in urls.url_ports(value.text):
        yield _Port(value.offsets[url.start], url.port, Role.REFERENCE, target=url.host)


def _config_port(key: str, node: JsonNode) -> _Port | None:
    """``"config": {"port": 8080}``: a default npm passes as ``npm_package_config_port``."""
    if not is_port_name(key):
        return None
    if isinstance(node, Scalar):
        port, start = parse_port(node.raw), node.start
    elif isinstance(node, SourceText) and node.text:
        port, start = parse_port(node.text), node.offsets[0]
    else:
        return None
    return None if port is None else _Port(start, port, Role.DEFAULT, env=key)


def document_ports(document: JsonNode) -> Iterator[_Port]:
    """Every port in a parsed package.json (``scripts``, ``proxy``, ``config``)."""
    if not isinstance(document, dict):
        return
    scripts = document.get("scripts")
    if isinstance(scripts, dict):
        for command in scripts.values():
            if isinstance(command, SourceText):
                yield from script_ports(command)
    proxy = document.get("proxy")
    if isinstance(proxy, SourceText):
        yield from _url_ports(proxy)
    config = document.get("config")
    if isinstance(config, dict):
        for key, node in config.items():
            found = _config_port(key, node)
            if found is not None:
                yield found


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """The ports of one package.json; invalid JSON is a Diagnostic at its line."""
    # A byte-order mark is not JSON; a space keeps every offset where it was.
    source = " " + text[1:] if text.startswith("\ufeff") else text
    too_deep = nesting_too_deep(source)
    if too_deep is not None:
        line = LineIndex(text).position(too_deep)[0]
        return Extraction(diagnostics=(Diagnostic(path, line, "invalid JSON: nested too deeply"),))
    try:
        document = read_json(source)
    except json.JSONDecodeError as exc:
        return Extraction(diagnostics=(Diagnostic(path, exc.lineno, f"invalid JSON: {exc.msg}"),))
    except RecursionError:
        return Extraction(diagnostics=(Diagnostic(path, None, "invalid JSON: nested too deeply"),))
    index = LineIndex(text)
    unique: dict[tuple[int, int], _Port] = {}
    for found in document_ports(document):
        unique.setdefault((found.offset, found.port), found)
    facts: list[PortFact] = []
    for found in unique.values():
        line, col = index.position(found.offset)
        facts.append(
            PortFact(
                port=found.port,
                role=found.role,
                location=Location(path, line, col, line, col + len(str(found.port))),
                extractor=NAME,
                env=found.env,
                target=found.target,
                tags=found.tags,
            )
        )
    return Extraction(sorted_facts(facts))
