"""launchd property lists: the ports a macOS deployment gives a service.

``plistlib`` reads the plist (XML or binary) and decides what it says; since it gives no
positions, each value is then found in the XML text, searching forward from its key
(``<key>PORT</key>`` inside the ``EnvironmentVariables`` dict, the n-th ``<string>`` of the
``ProgramArguments`` array), so a port written twice points at the right occurrence.
Binary plists have no text to point into: their facts sit at line 1, column 1.

What it reads, all role ``override`` (a deployment sets the listen port):

- ``EnvironmentVariables``: ``PORT`` and every key :func:`is_port_name` accepts, as a
  string or an integer; URL values (``LLM_URL = http://localhost:3025``) are references.
- ``ProgramArguments``: listen flags (``--port 3025``, ``--port=3025``, ``-p 3025``,
  ``--bind 0.0.0.0:8000``), ``env PORT=3025 ...`` assignments, and the same inside the
  script of ``/bin/bash -c "cd x && exec uvicorn app:app --port 3025"``; URLs in
  arguments are references.
- ``Sockets``: ``SockServiceName`` of socket-activated jobs (udp when ``SockType`` is
  ``dgram``).

The service hint is the job's ``Label``. A plist without ``Label``, ``ProgramArguments``
or ``EnvironmentVariables`` (an ``Info.plist``) is not a launchd job and yields nothing.
XML entity declarations are refused before parsing: nothing is expanded.
"""

from __future__ import annotations

import plistlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from typing import Any
from xml.parsers.expat import ErrorString, ExpatError

from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    ExtractError,
    ExtractOptions,
    LineIndex,
    is_port_name,
    parse_port,
    sorted_facts,
)
from portscan.extractors.shellwords import SourceText, argv_ports
from portscan.extractors.urls import url_ports
from portscan.model import TAG_FLAG, Diagnostic, Extraction, Location, PortFact, Role

NAME = "launchd"
#: Binary plists hold their strings in a form no byte regex can sensibly look for.
PREFILTER: re.Pattern[bytes] | None = None

_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
_LAUNCHD_KEYS = ("Label", "ProgramArguments", "EnvironmentVariables")
_BINARY_MAGIC = "bplist"

#: plistlib reports malformed input through many unrelated exception types (expat errors,
#: ValueError for unexpected elements and bad base64, AttributeError for a bad <date>,
#: IndexError/TypeError/LookupError for truncated or mis-encoded data).
_PLIST_ERRORS = (
    ExpatError,
    ValueError,
    AttributeError,
    LookupError,
    TypeError,
    OverflowError,
    RecursionError,
)
_LINE_IN_MESSAGE = re.compile(r"\bat line (\d+)")


def matches(path: str) -> bool:
    return path.rsplit("/", 1)[-1].endswith(".plist")


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """The ports a launchd job sets; malformed plists become one diagnostic."""
    if not text.strip():
        return Extraction(diagnostics=(Diagnostic(path, None, "empty plist"),))
    try:
        root = _load(text)
    except ExtractError as error:
        return Extraction(diagnostics=(Diagnostic(path, error.line, error.message),))
    if not isinstance(root, dict) or not any(key in root for key in _LAUNCHD_KEYS):
        return Extraction()
    label = root.get("Label")
    job = _Job(path, _Locator.of(text), label if isinstance(label, str) else None)
    facts = [
        *job.environment(root.get("EnvironmentVariables")),
        *job.arguments(root.get("ProgramArguments")),
        *job.sockets(root.get("Sockets")),
    ]
    return Extraction(sorted_facts(facts))


def _load(text: str) -> Any:
    """The plist's root object; raises ExtractError for anything plistlib rejects."""
    entity = _ENTITY_DECLARATION.search(text)
    if entity is not None:
        line, _ = LineIndex(text).position(entity.start())
        raise ExtractError("plist declares XML entities; not expanded", line)
    error: Exception | None = None
    for data in _candidate_bytes(text):
        try:
            return plistlib.loads(data)
        except _PLIST_ERRORS as caught:
            error = error or caught
    if isinstance(error, ExpatError):
        raise ExtractError(f"invalid plist: {ErrorString(error.code)}", error.lineno)
    message = str(error) or type(error).__name__
    found = _LINE_IN_MESSAGE.search(message)
    where = int(found.group(1)) if found and not text.startswith(_BINARY_MAGIC) else None
    raise ExtractError(f"invalid plist: {message}", where)


def _candidate_bytes(text: str) -> Iterator[bytes]:
    """The file's bytes. A binary plist reaches us as text decoded either with
    ``surrogateescape`` (undone exactly) or as latin-1 (undone when every character fits)."""
    yield text.encode("utf-8", "surrogateescape")
    if text.startswith(_BINARY_MAGIC) and all(ord(char) < 256 for char in text):
        yield text.encode("latin-1")


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_VALUE = re.compile(r"<(string|integer)>(.*?)</\1>|<string\s*/>", re.DOTALL)
_STRING = re.compile(r"<string>(.*?)</string>|<string\s*/>", re.DOTALL)
_REFERENCE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);|\r\n?")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _decode(raw: str, start: int) -> SourceText:
    """XML character data as the parser sees it (references resolved, line endings
    normalized to ``\\n``), each character still mapped to its offset in the file."""
    chars: list[str] = []
    offsets: list[int] = []
    done = 0
    for match in _REFERENCE.finditer(raw):
        chars.append(raw[done : match.start()])
        offsets.extend(range(start + done, start + match.start()))
        name = match.group(1)
        if name is None:
            chars.append("\n")
        elif name.startswith("#"):
            code = int(name[2:], 16) if name.startswith("#x") else int(name[1:])
            # Past Unicode only inside CDATA, which expat leaves alone: keep it unresolved.
            chars.append(chr(code) if code <= sys.maxunicode else match.group(0))
        else:
            chars.append(_NAMED[name])
        offsets.append(start + match.start())
        done = match.end()
    chars.append(raw[done:])
    offsets.extend(range(start + done, start + len(raw)))
    return SourceText("".join(chars), tuple(offsets))


@dataclass(frozen=True, slots=True)
class _Locator:
    """Finds plistlib's values in the XML text. ``text`` has its comments blanked out
    (same length), so nothing is ever found inside ``<!-- ... -->``; it is None for a
    binary plist."""

    text: str | None
    index: LineIndex | None

    @classmethod
    def of(cls, text: str) -> _Locator:
        if text.startswith(_BINARY_MAGIC):
            return cls(None, None)
        blank = _COMMENT.sub(lambda match: " " * len(match.group(0)), text)
        return cls(blank, LineIndex(text))

    def after_key(self, key: str, start: int) -> int | None:
        """The offset just past ``<key>key</key>`` at or after ``start``."""
        if self.text is None:
            return None
        found = self.text.find(f"<key>{escape(key, quote=False)}</key>", start)
        return None if found < 0 else found + len(f"<key>{escape(key, quote=False)}</key>")

    def value(self, start: int | None, expected: str) -> SourceText:
        """The string or integer element after ``start`` if it decodes to ``expected``;
        otherwise ``expected`` pinned to ``start`` (or to the file's start)."""
        if self.text is not None and start is not None:
            match = _VALUE.search(self.text, start)
            if match is not None:
                content = match.group(2)
                decoded = (
                    SourceText("", ()) if content is None else _decode(content, match.start(2))
                )
                if decoded.text == expected:
                    return decoded
        return _pinned(expected, start)

    def strings(self, start: int | None, expected: list[str]) -> list[SourceText]:
        """The strings of the array after ``start``, when they decode to ``expected``."""
        if self.text is not None and start is not None:
            opening = self.text.find("<array>", start)
            closing = self.text.find("</array>", opening)
            if 0 <= opening < closing:
                found = [
                    _decode(match.group(1) or "", match.start(1) if match.group(1) else 0)
                    for match in _STRING.finditer(self.text, opening, closing)
                ]
                if [item.text for item in found] == expected:
                    return found
        return [_pinned(item, start) for item in expected]

    def location(self, path: str, offset: int, digits: str) -> Location:
        if self.index is None:
            return Location(path, 1, 1)
        line, col = self.index.position(offset)
        if self.text is None or self.text[offset : offset + len(digits)] != digits:
            # Pinned to its key (the value was not found as written) or spelled with
            # character references: the start is known, the span is not.
            return Location(path, line, col)
        return Location(path, line, col, line, col + len(digits))


def _pinned(text: str, start: int | None) -> SourceText:
    """A value whose place in the file is unknown: every character at ``start``."""
    return SourceText(text, (start or 0,) * len(text))


@dataclass(frozen=True, slots=True)
class _Job:
    """One launchd job being read: where facts go and what they are named."""

    path: str
    locator: _Locator
    service: str | None

    def fact(
        self,
        port: int,
        role: Role,
        offset: int,
        *,
        env: str | None = None,
        target: str | None = None,
        protocol: str = "tcp",
        tags: tuple[str, ...] = (),
    ) -> PortFact:
        return PortFact(
            port=port,
            role=role,
            location=self.locator.location(self.path, offset, str(port)),
            extractor=NAME,
            service=self.service,
            env=env,
            target=target,
            protocol=protocol,
            tags=tags,
        )

    def environment(self, variables: object) -> Iterator[PortFact]:
        """``EnvironmentVariables``: port keys are overrides, URL values references."""
        if not isinstance(variables, dict):
            return
        block = self.locator.after_key("EnvironmentVariables", 0)
        for key, value in variables.items():
            if not isinstance(key, str):
                continue  # a binary plist may hold any object as a key
            if isinstance(value, bool) or not isinstance(value, str | int):
                continue
            raw = str(value)
            source = self.locator.value(self.locator.after_key(key, block or 0), raw)
            port = parse_port(value)
            if port is not None and is_port_name(key):
                shift = len(raw) - len(raw.lstrip())
                yield self.fact(port, Role.OVERRIDE, source.offsets[shift], env=key)
            for url in url_ports(raw) if isinstance(value, str) else ():
                yield self.fact(
                    url.port, Role.REFERENCE, source.offsets[url.start], env=key, target=url.host
                )

    def arguments(self, arguments: object) -> Iterator[PortFact]:
        """``ProgramArguments``: listen flags and assignments (also inside ``sh -c``)."""
        if not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments):
            return
        argv = self.locator.strings(self.locator.after_key("ProgramArguments", 0), arguments)
        for hit in argv_ports(argv):
            tags = (TAG_FLAG,) if hit.env is None else ()
            yield self.fact(hit.port, Role.OVERRIDE, hit.offset, env=hit.env, tags=tags)
        for argument in argv:
            for url in url_ports(argument.text):
                yield self.fact(
                    url.port, Role.REFERENCE, argument.offsets[url.start], target=url.host
                )

    def sockets(self, sockets: object) -> Iterator[PortFact]:
        """``Sockets``: the listeners launchd opens for a socket-activated job."""
        if not isinstance(sockets, dict):
            return
        cursor = self.locator.after_key("Sockets", 0)
        for listeners in sockets.values():
            for listener in listeners if isinstance(listeners, list) else [listeners]:
                if not isinstance(listener, dict):
                    continue
                service = listener.get("SockServiceName")
                if isinstance(service, bool) or not isinstance(service, str | int):
                    continue
                at = self.locator.after_key("SockServiceName", cursor or 0)
                cursor = at if at is not None else cursor
                port = parse_port(service)
                if port is None:
                    continue
                raw = str(service)
                source = self.locator.value(at, raw)
                protocol = "udp" if listener.get("SockType") == "dgram" else "tcp"
                shift = len(raw) - len(raw.lstrip())
                yield self.fact(port, Role.OVERRIDE, source.offsets[shift], protocol=protocol)
