"""``.env`` files: the ports a deployment's environment sets, and the URLs it points at.

Lines are ``KEY=value`` or ``export KEY=value``; values may be bare (an inline comment
starts at whitespace followed by ``#``), single-quoted, or double-quoted (and then may run
over several lines). What it reads:

- a port key (``PORT=3030``, ``MANA_LLM_PORT=3002``; any name :func:`is_port_name`
  accepts, also as ``${OTHER:-3000}``): role ``override``, since a ``.env`` next to a
  deployment sets the listen port. In example and template files (``.env.example``,
  ``.env.sample``, ``.env.template``, ``.env.dist``, ``.env.development``, ``.env.dev``,
  ``.env.local``, ``.env.test``, ``example.env`` ...) it is a ``default`` tagged
  ``example`` instead: such files document a port, they do not deploy one.
- any value with a URL (``LLM_URL=http://mana-llm:3061``): a ``reference`` to its host,
  with ``env`` the key (tagged ``example`` in example files too).

``TIMEOUT=3000``, ``VERSION=3.0.25`` and commented-out lines are not ports. A line that
is not an assignment, or a quote that never closes, is a diagnostic; the other lines
are still read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    PORTISH,
    ExtractOptions,
    LineIndex,
    is_port_name,
    sorted_facts,
    split_lines,
)
from portscan.extractors.shellwords import port_value
from portscan.extractors.urls import url_ports
from portscan.model import TAG_EXAMPLE, Diagnostic, Extraction, Location, PortFact, Role

NAME = "dotenv"
#: A port key (PORT, *_PORT, httpPort) or a URL with an explicit port.
PREFILTER: re.Pattern[bytes] | None = PORTISH

#: Name parts that make a file an example or a developer's local copy, not a deployment.
EXAMPLE_WORDS = frozenset(
    {"example", "sample", "template", "dist", "development", "dev", "local", "test"}
)

_ASSIGNMENT = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*")
_INLINE_COMMENT = re.compile(r"\s#")
_DOUBLE_QUOTED = re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL)


def matches(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def is_example(path: str) -> bool:
    """``.env.example``, ``.env.local``, ``sample.env``: a template, not a deployment."""
    parts = path.rsplit("/", 1)[-1].lower().split(".")
    return any(part in EXAMPLE_WORDS for part in parts)


@dataclass(frozen=True, slots=True)
class _Value:
    """One assignment: its key, its unquoted value and the file offset of the value."""

    key: str
    text: str
    offset: int


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """Port overrides (or example defaults) and URL references of a dotenv file."""
    index = LineIndex(text)
    example = is_example(path)
    facts: list[PortFact] = []
    values, diagnostics = _assignments(path, text, index)
    for value in values:
        facts.extend(_facts(path, index, value, example))
    return Extraction(sorted_facts(facts), tuple(diagnostics))


def _assignments(path: str, text: str, index: LineIndex) -> tuple[list[_Value], list[Diagnostic]]:
    """Every ``KEY=value`` of the file, quotes removed, and the lines that are not one."""
    lines = split_lines(text)
    values: list[_Value] = []
    diagnostics: list[Diagnostic] = []
    number = 1
    while number <= len(lines):
        line = lines[number - 1]
        stripped = line.strip()
        assignment = _ASSIGNMENT.match(line)
        if not stripped or stripped.startswith("#"):
            number += 1
            continue
        if assignment is None:
            message = "invalid .env line: expected KEY=value"
            diagnostics.append(Diagnostic(path, number, message))
            number += 1
            continue
        key = assignment.group(1)
        start = index.offset(number) + assignment.end()
        quote = text[start : start + 1]
        if quote in ('"', "'"):
            close = _closing_quote(text, start + 1, quote)
            if close is None:
                message = f"unterminated quoted value for {key}"
                diagnostics.append(Diagnostic(path, number, message))
                break
            values.append(_Value(key, text[start + 1 : close], start + 1))
            number = index.position(close)[0] + 1
            continue
        raw = line[assignment.end() :]
        comment = _INLINE_COMMENT.search(raw)
        values.append(_Value(key, raw[: comment.start() if comment else None].rstrip(), start))
        number += 1
    return values, diagnostics


def _closing_quote(text: str, start: int, quote: str) -> int | None:
    """The offset of the quote that closes a value opened just before ``start``."""
    if quote == "'":
        close = text.find("'", start)
        return None if close < 0 else close
    match = _DOUBLE_QUOTED.match(text, start)
    return None if match is None else match.end() - 1


def _facts(path: str, index: LineIndex, value: _Value, example: bool) -> Iterator[PortFact]:
    tags = (TAG_EXAMPLE,) if example else ()

    def fact(port: int, role: Role, at: int, target: str | None = None) -> PortFact:
        line, col = index.position(value.offset + at)
        return PortFact(
            port=port,
            role=role,
            location=Location(path, line, col, line, col + len(str(port))),
            extractor=NAME,
            env=value.key,
            target=target,
            tags=tags,
        )

    found = port_value(value.text) if is_port_name(value.key) else None
    if found is not None:
        port, at = found
        yield fact(port, Role.DEFAULT if example else Role.OVERRIDE, at)
    for url in url_ports(value.text):
        yield fact(url.port, Role.REFERENCE, url.start, url.host)
