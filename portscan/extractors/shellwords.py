"""Shell-like command lines whose every character still knows where it is in the file.

Dockerfiles, systemd units and launchd plists carry command lines, and the parsers that
read them (line joining, JSON, plistlib, shell quoting) decode the text and lose its
positions. A :class:`SourceText` keeps, for every decoded character, its offset in the
file, so a port found in a decoded word maps back to its digits exactly, even behind
quotes, escapes and continuation lines.

The helpers here are deliberately small: joining continuation lines, splitting a command
into shell words, and finding the ports a command line sets (``--port 3025``,
``--bind 0.0.0.0:8000``, ``PORT=3025 node server.js``, ``sh -c "... --port 3025"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from portscan.extractors.base import (
    ADDRESS_FLAGS,
    PORT_FLAGS,
    LineIndex,
    flag_ports,
    is_port_name,
    parse_port,
    split_lines,
)


@dataclass(frozen=True, slots=True)
class SourceText:
    """A decoded string and, for each of its characters, its offset in the file."""

    text: str
    offsets: tuple[int, ...]

    @classmethod
    def verbatim(cls, text: str, start: int) -> SourceText:
        """``text`` exactly as it stands in the file from offset ``start``."""
        return cls(text, tuple(range(start, start + len(text))))

    def slice(self, start: int, end: int | None = None) -> SourceText:
        return SourceText(self.text[start:end], self.offsets[start:end])

    def strip(self) -> SourceText:
        """Without leading and trailing whitespace."""
        left = len(self.text) - len(self.text.lstrip())
        right = len(self.text.rstrip())
        return self.slice(left, max(left, right))


_CONTINUED = re.compile(r"\\[ \t]*$")


def logical_lines(
    text: str, comments: tuple[str, ...] = ("#",), joiner: str = ""
) -> Iterator[SourceText]:
    """Instructions of a line-based format, continuation lines joined.

    A line ending in a backslash continues on the next one; the backslash is replaced by
    ``joiner`` (Dockerfile: nothing, systemd: a space). Blank lines and lines whose first
    non-blank characters are a comment marker are skipped, inside a continuation too.
    """
    index = LineIndex(text)
    chars: list[str] = []
    offsets: list[int] = []
    continued = False
    for number, line in enumerate(split_lines(text), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(comments):
            continue
        start = index.offset(number)
        if continued and joiner:
            chars.append(joiner)
            offsets.append(start)
        match = _CONTINUED.search(line)
        body = line if match is None else line[: match.start()]
        chars.append(body)
        offsets.extend(range(start, start + len(body)))
        continued = match is not None
        if not continued:
            yield SourceText("".join(chars), tuple(offsets))
            chars, offsets = [], []
    if chars:
        yield SourceText("".join(chars), tuple(offsets))


_OPERATOR = re.compile(r"&&|\|\||;;|[;&|()<>]")
_DOUBLE_QUOTE_ESCAPES = frozenset('"\\$`')


def shell_words(source: SourceText, operators: bool = True) -> list[SourceText]:
    """Split a command like a POSIX shell does, without expanding anything.

    Quotes and backslashes are removed, operators (``&&``, ``;``, ``|`` ...) become
    words of their own, a ``#`` at the start of a word comments out the rest of its line.
    With ``operators`` False (systemd's quoting) those are ordinary characters.
    Never raises: an unterminated quote runs to the end of the text.
    """
    text, offsets = source.text, source.offsets
    words: list[SourceText] = []
    chars: list[str] = []
    at: list[int] = []
    started = False

    def flush() -> None:
        nonlocal chars, at, started
        if started:
            words.append(SourceText("".join(chars), tuple(at)))
        chars, at, started = [], [], False

    i, n = 0, len(text)
    while i < n:
        char = text[i]
        operator = _OPERATOR.match(text, i) if operators else None
        if char.isspace():
            flush()
            i += 1
        elif operator is not None:
            flush()
            words.append(source.slice(i, operator.end()))
            i = operator.end()
        elif char == "#" and operators and not started:
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
        elif char == "'":
            close = text.find("'", i + 1)
            close = n if close < 0 else close
            chars.append(text[i + 1 : close])
            at.extend(offsets[i + 1 : close])
            started, i = True, close + 1
        elif char == '"':
            started, i = True, i + 1
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n and text[i + 1] in _DOUBLE_QUOTE_ESCAPES:
                    i += 1
                chars.append(text[i])
                at.append(offsets[i])
                i += 1
            i += 1
        else:
            if char == "\\" and i + 1 < n:
                i += 1
            chars.append(text[i])
            at.append(offsets[i])
            started, i = True, i + 1
    flush()
    return words


@dataclass(frozen=True, slots=True)
class CommandPort:
    """A port a command line sets, and the file offset of its digits.

    ``flag`` is the flag that carries it (``--port``) or None for an assignment
    ``PORT=3025``; ``env`` names the variable for an assignment or for a flag whose value
    is a fallback expansion (``--port ${PORT:-3025}``: 3025 unless PORT is set).
    """

    port: int
    offset: int
    flag: str | None
    env: str | None


SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash"})
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
_FALLBACK = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?[-=](\d{1,5})\}")
_ADDRESS_FALLBACK = re.compile(
    r"(?:\[[^\]]*\]|[^:\s]*):\$\{([A-Za-z_][A-Za-z0-9_]*):?[-=](\d{1,5})\}"
)


def shell_scripts(argv: Sequence[str]) -> Iterator[int]:
    """Indices of the script arguments of ``bash -c "..."``, ``sh -lc '...'`` and the like."""
    for index, word in enumerate(argv):
        if word.rsplit("/", 1)[-1] not in SHELLS:
            continue
        for option in range(index + 1, len(argv)):
            arg = argv[option]
            if not arg.startswith("-") or arg == "-":
                break
            if not arg.startswith("--") and arg[1:].isalpha() and "c" in arg[1:]:
                if option + 1 < len(argv):
                    yield option + 1
                break


def port_value(value: str) -> tuple[int, int] | None:
    """A port written as a variable's value: ``5000``, or the fallback of
    ``${NAME:-5000}`` (also ``${NAME-5000}``, ``${NAME:=5000}``). Returns the port and
    the offset of its digits in ``value``; None when the value is anything else."""
    lead = len(value) - len(value.lstrip())
    port = parse_port(value)
    if port is not None:
        return port, lead
    match = _FALLBACK.fullmatch(value.strip())
    port = None if match is None else parse_port(match.group(2))
    return None if match is None or port is None else (port, lead + match.start(2))


def _fallback_flag_ports(argv: Sequence[SourceText]) -> Iterator[CommandPort]:
    """``--port ${PORT:-3025}``, ``--port=${PORT:-3025}``, ``--bind 0.0.0.0:${PORT:-8000}``."""
    for index, word in enumerate(argv):
        flag, eq, inline = word.text.partition("=")
        if eq and flag in PORT_FLAGS | ADDRESS_FLAGS:
            value, holder, shift = inline, word, len(flag) + 1
        elif word.text in PORT_FLAGS | ADDRESS_FLAGS and index + 1 < len(argv):
            flag, value, holder, shift = word.text, argv[index + 1].text, argv[index + 1], 0
        else:
            continue
        pattern = _FALLBACK if flag in PORT_FLAGS else _ADDRESS_FALLBACK
        match = pattern.fullmatch(value)
        port = None if match is None else parse_port(match.group(2))
        if match is not None and port is not None:
            yield CommandPort(port, holder.offsets[shift + match.start(2)], flag, match.group(1))


def argv_ports(argv: Sequence[SourceText]) -> Iterator[CommandPort]:
    """The ports an argument vector sets, in file order.

    Flags via :func:`~portscan.extractors.base.flag_ports`, ``${NAME:-port}`` fallbacks
    in flag values, ``NAME=port`` words whose NAME is a port name (``env PORT=3025 node``,
    ``export PORT=3025``), and the script of ``sh -c`` read as a command of its own.
    """
    texts = [word.text for word in argv]
    found: list[CommandPort] = [
        CommandPort(hit.port, argv[hit.index].offsets[hit.offset], hit.flag, None)
        for hit in flag_ports(texts)
    ]
    found.extend(_fallback_flag_ports(argv))
    for word in argv:
        match = _ASSIGNMENT.match(word.text)
        if match is None or not is_port_name(match.group(1)):
            continue
        value = port_value(word.text[match.end() :])
        if value is not None:
            port, shift = value
            found.append(CommandPort(port, word.offsets[match.end() + shift], None, match.group(1)))
    for index in shell_scripts(texts):
        found.extend(command_ports(argv[index]))
    unique = {(item.offset, item.port): item for item in found}
    yield from sorted(unique.values(), key=lambda item: item.offset)


def command_ports(command: SourceText, operators: bool = True) -> Iterator[CommandPort]:
    """The ports a command string sets (see :func:`argv_ports` and :func:`shell_words`)."""
    return argv_ports(shell_words(command, operators))
