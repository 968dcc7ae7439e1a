"""What every extractor shares: the plugin protocol and small pure helpers.

An extractor is a module with ``NAME``, ``PREFILTER``, ``matches(path)`` and
``extract(path, text, options=DEFAULT_OPTIONS)``. It is a pure function of its inputs:
no globals, no I/O, so extraction can run in a process pool and be cached by content
hash. A file it cannot
parse becomes a :class:`~portscan.model.Diagnostic`, never an exception.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from portscan.model import Extraction, Location, PortFact

#: A byte-level prefilter that keeps files that may hold a port. It is case-sensitive on
#: purpose: a case-insensitive ``port`` matches every ``import``/``export``/``report``.
#: A lowercase ``port`` counts where no letter or digit comes before it (``port``,
#: ``_port``, ``--port``, ``api_port_x``) and ``PORT`` where no capital does (``PORT``,
#: ``API_PORT``, ``apiPORT``), never inside a word (``import_x``, ``export_token``,
#: ``REPORT_DIR``, ``IMPORTANT``): no name :func:`is_port_name` accepts, nor any word an
#: extractor reads, has such a letter right before it. Lookbehinds are spelled after the
#: first letter (``p(?<![A-Za-z0-9]p)ort``) so that every branch starts with a literal:
#: the regex engine then skips ahead by first character (4x faster on source).
PORTISH: re.Pattern[bytes] = re.compile(
    rb"p(?<![A-Za-z0-9]p)ort|Port|P(?<![A-Z]P)ORT|:\d{2,5}\b|EXPOSE"
)


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """The little an extractor may know beyond (path, text); part of the cache key."""

    #: Extra folders of tree-sitter queries (config ``rules``), absolute paths.
    rule_dirs: tuple[str, ...] = ()
    #: When this file's extraction must end (``time.monotonic()``), set per file by the
    #: caller from config ``max-file-time``; None: no limit. Not part of the cache key: a
    #: file past its deadline raises ``deadline.TimeLimitExceeded``, which is never cached.
    deadline: float | None = None


DEFAULT_OPTIONS = ExtractOptions()


class Extractor(Protocol):
    """The interface every module listed in ``EXTRACTORS`` satisfies."""

    @property
    def NAME(self) -> str: ...  # noqa: N802 - a module-level constant in the plugins

    @property
    def PREFILTER(self) -> re.Pattern[bytes] | None: ...  # noqa: N802

    def matches(self, path: str) -> bool: ...

    def extract(self, path: str, text: str, options: ExtractOptions = ...) -> Extraction: ...


class ExtractError(Exception):
    """Raised inside an extractor for input it cannot parse; becomes a Diagnostic."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_NEWLINE = re.compile(r"\r\n|\r|\n")


class LineIndex:
    """Turns character offsets into 1-based (line, column), for any line ending."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        for match in _NEWLINE.finditer(text):
            self._starts.append(match.end())

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def offset(self, line: int, col: int = 1) -> int:
        """The character offset of a 1-based (line, column)."""
        return self._starts[line - 1] + col - 1

    @property
    def line_count(self) -> int:
        return len(self._starts)


def split_lines(text: str) -> list[str]:
    """Lines without their endings; \\r\\n, \\r and \\n all end a line (unlike splitlines,
    which also splits on form feeds and Unicode separators and so shifts line numbers)."""
    return _NEWLINE.split(text)


#: The most of a value a diagnostic quotes.
SHOWN_CHARS = 40


def shown(value: str) -> str:
    """A value as a diagnostic quotes it: a port or a word, not a megabyte of junk."""
    return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "..."


def parse_port(raw: str | int) -> int | None:
    """A TCP/UDP port from a literal, or None when it is not one (0, > 65535, not digits)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        digits = raw.strip()
        if not digits.isascii() or not digits.isdigit() or len(digits) > 5:
            return None
        value = int(digits)
    return value if 0 < value <= 65535 else None


_NAME_TOKEN = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def name_tokens(name: str) -> list[str]:
    """``LISTEN_PORT`` -> [listen, port]; ``serverPort`` -> [server, port]."""
    return [token.lower() for token in _NAME_TOKEN.findall(name)]


def is_port_name(name: str) -> bool:
    """True for names that say they hold a port: PORT, LISTEN_PORT, httpPort, port.

    ``REPORT_INTERVAL``, ``PORT_TIMEOUT``, ``SUPPORT`` and ``timeout`` are not.
    """
    tokens = name_tokens(name)
    return bool(tokens) and tokens[-1] == "port"


#: Flags that take a listen port (or an address whose last part is one).
PORT_FLAGS = frozenset({"--port", "-p", "--http-port", "--server-port", "--listen-port"})
ADDRESS_FLAGS = frozenset({"--bind", "-b", "--listen", "--host-port", "--addr", "--address"})

_ADDRESS_PORT = re.compile(r"^(?:\[[^\]]*\]|[^:\s]*):(\d{1,5})$")


@dataclass(frozen=True, slots=True)
class FlagPort:
    """A port found in an argument vector: which argument, and where in it."""

    index: int  # index of the argument that holds the digits
    offset: int  # offset of the digits inside that argument
    port: int
    flag: str


def flag_ports(args: Sequence[str]) -> Iterator[FlagPort]:
    """Ports given by flags in an argument vector.

    Handles ``--port 3025``, ``--port=3025``, ``-p 3025``, ``--bind 0.0.0.0:8000`` and
    ``--listen :9090``. ``-p 8080:80`` (docker) is not a listen port and is skipped.
    """
    for index, arg in enumerate(args):
        flag, eq, inline = arg.partition("=")
        if eq and flag in PORT_FLAGS | ADDRESS_FLAGS:
            value, value_index, offset = inline, index, len(flag) + 1
        elif arg in PORT_FLAGS | ADDRESS_FLAGS and index + 1 < len(args):
            flag, value, value_index, offset = arg, args[index + 1], index + 1, 0
        else:
            continue
        if flag in PORT_FLAGS:
            port = parse_port(value)
            digits_at = 0
        else:
            match = _ADDRESS_PORT.match(value)
            port = parse_port(match.group(1)) if match else None
            digits_at = match.start(1) if match else 0
        if port is not None:
            yield FlagPort(value_index, offset + digits_at, port, flag)


def shift_extraction(extraction: Extraction, path: str, line_offset: int) -> Extraction:
    """Move facts found in an embedded document (a heredoc, a fenced block) to the lines
    of the file that holds it."""

    def move(location: Location) -> Location:
        return replace(
            location,
            path=path,
            line=location.line + line_offset,
            end_line=None if location.end_line is None else location.end_line + line_offset,
        )

    facts = tuple(replace(fact, location=move(fact.location)) for fact in extraction.facts)
    diagnostics = tuple(
        replace(d, path=path, line=None if d.line is None else d.line + line_offset)
        for d in extraction.diagnostics
    )
    return Extraction(facts, diagnostics)


def sorted_facts(facts: list[PortFact]) -> tuple[PortFact, ...]:
    return tuple(sorted(facts, key=PortFact.sort_key))
