"""Dockerfiles (and Containerfiles): the ports an image listens on and exposes.

A small line-based reader: continuation lines are joined, comment lines (and so the
``# escape=`` / ``# syntax=`` directives) are skipped, and the bodies of ``RUN``/``COPY``
heredocs are passed over. What it reads:

- ``EXPOSE 3000 3001/udp 8000-8002``: role ``expose``, tagged ``container`` (and ``range``
  for each port of a range), with the protocol written.
- ``ENV PORT=5000``, ``ENV PORT 5000`` (legacy), ``ENV A=1 PORT="5000"``,
  ``ENV PORT=${PORT:-3000}`` and ``ARG PORT=3000``: role ``default`` tagged ``image``, for
  names :func:`is_port_name` accepts; URL values of ``ENV`` are references.
- ``CMD``/``ENTRYPOINT`` in exec form (a JSON array) or shell form: listen flags are
  role ``default`` tagged ``flag`` and ``image`` (a flag beats ``ENV`` in resolve);
  ``PORT=5000`` assignments and ``--port ${PORT:-5000}`` fallbacks are image defaults of
  that variable; URLs are references.
- ``HEALTHCHECK ... CMD curl -f http://localhost:3000/health``: a reference.

Not read: ``RUN`` (build time), ``LABEL``, ``FROM``, ``ONBUILD`` (it describes other
images), variables in ``EXPOSE $PORT``, and a custom ``# escape=`` character.
An unknown instruction is a diagnostic, as it is for ``docker build``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    ExtractError,
    ExtractOptions,
    LineIndex,
    is_port_name,
    parse_port,
    shown,
    sorted_facts,
)
from portscan.extractors.shellwords import (
    SourceText,
    argv_ports,
    command_ports,
    logical_lines,
    port_value,
)
from portscan.extractors.urls import url_ports
from portscan.model import (
    TAG_CONTAINER,
    TAG_FLAG,
    TAG_IMAGE,
    TAG_RANGE,
    Diagnostic,
    Extraction,
    Location,
    PortFact,
    Role,
)

NAME = "dockerfile"
#: Dockerfiles are small and always about a service: read them all.
PREFILTER: re.Pattern[bytes] | None = None

INSTRUCTIONS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
_HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})
#: ``EXPOSE 1-65535`` would be 65535 facts; a range this wide is a mistake, not a plan.
MAX_RANGE = 1024

_INSTRUCTION = re.compile(r"([A-Za-z]+)(?:\s+|$)")
_HEREDOC = re.compile(r"<<-?\s*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\1")
_EXPOSE = re.compile(r"(\d+)(?:-(\d+))?(?:/([A-Za-z]+))?")
_WORD = re.compile(r"(?:[^\s\"'\\]|\\.|\"(?:[^\"\\]|\\.)*\"|'[^']*')+")
_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_JSON_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


def matches(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith((".dockerignore", ".md")):
        return False
    return (
        name in ("dockerfile", "containerfile")
        or name.startswith(("dockerfile.", "containerfile."))
        or name.endswith((".dockerfile", ".containerfile"))
    )


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """The ports a Dockerfile exposes, defaults and references."""
    reader = _Reader(path, LineIndex(text))
    facts: list[PortFact] = []
    diagnostics: list[Diagnostic] = []
    heredocs: list[str] = []
    for line in logical_lines(text):
        if heredocs:
            if line.text.strip() == heredocs[0]:
                heredocs.pop(0)
            continue
        instruction = line.strip()
        if not instruction.text:
            continue  # a lone continuation backslash
        match = _INSTRUCTION.match(instruction.text)
        keyword = match.group(1).upper() if match is not None else ""
        if match is None or keyword not in INSTRUCTIONS:
            word = shown(instruction.text.split(maxsplit=1)[0])
            diagnostics.append(Diagnostic(path, reader.line(line), f"unknown instruction: {word}"))
            continue
        args = instruction.slice(match.end())
        if keyword in _HEREDOC_INSTRUCTIONS:
            heredocs.extend(found.group(2) for found in _HEREDOC.finditer(args.text))
        try:
            produced = list(reader.instruction(keyword, args))
        except ExtractError as error:  # docker rejects the whole instruction: so do we
            diagnostics.append(Diagnostic(path, error.line, error.message))
            continue
        facts.extend(produced)
    return Extraction(sorted_facts(facts), tuple(diagnostics))


@dataclass(frozen=True, slots=True)
class _Reader:
    """Turns one instruction's arguments into facts at their places in the file."""

    path: str
    index: LineIndex

    def line(self, source: SourceText) -> int | None:
        return self.index.position(source.offsets[0])[0] if source.offsets else None

    def location(self, offset: int, length: int) -> Location:
        line, col = self.index.position(offset)
        return Location(self.path, line, col, line, col + length)

    def fact(
        self,
        port: int,
        role: Role,
        offset: int,
        *,
        length: int | None = None,
        env: str | None = None,
        target: str | None = None,
        protocol: str = "tcp",
        tags: tuple[str, ...] = (),
    ) -> PortFact:
        return PortFact(
            port=port,
            role=role,
            location=self.location(offset, len(str(port)) if length is None else length),
            extractor=NAME,
            env=env,
            target=target,
            protocol=protocol,
            tags=tuple(sorted(tags)),
        )

    def instruction(self, keyword: str, args: SourceText) -> Iterator[PortFact]:
        if keyword == "EXPOSE":
            yield from self.expose(args)
        elif keyword in ("ENV", "ARG"):
            yield from self.variables(args, urls=keyword == "ENV")
        elif keyword in ("CMD", "ENTRYPOINT"):
            yield from self.command(args)
        elif keyword == "HEALTHCHECK":
            yield from self.references(args)

    def expose(self, args: SourceText) -> Iterator[PortFact]:
        """``EXPOSE 3000 3001/udp 8000-8002/tcp``."""
        for word in _WORD.finditer(args.text):
            raw = word.group(0)
            offset = args.offsets[word.start()]
            line = self.index.position(offset)[0]
            spec = _EXPOSE.fullmatch(raw)
            if spec is None:
                if "$" in raw:
                    continue  # EXPOSE $PORT: a build variable, not a literal
                raise ExtractError(f"invalid EXPOSE port: {shown(raw)}", line)
            first = parse_port(spec.group(1))
            last = first if spec.group(2) is None else parse_port(spec.group(2))
            if first is None or last is None or last < first:
                raise ExtractError(f"invalid EXPOSE port: {shown(raw)}", line)
            if last - first >= MAX_RANGE:
                raise ExtractError(f"EXPOSE range too wide: {shown(raw)}", line)
            protocol = (spec.group(3) or "tcp").lower()
            if first == last:
                yield self.fact(
                    first, Role.EXPOSE, offset, protocol=protocol, tags=(TAG_CONTAINER, TAG_IMAGE)
                )
                continue
            width = spec.end(2) - spec.start(1)
            for port in range(first, last + 1):
                yield self.fact(
                    port,
                    Role.EXPOSE,
                    offset,
                    length=width,
                    protocol=protocol,
                    tags=(TAG_CONTAINER, TAG_IMAGE, TAG_RANGE),
                )

    def variables(self, args: SourceText, urls: bool) -> Iterator[PortFact]:
        """``ENV``/``ARG`` assignments: port names are image defaults."""
        for name, value in _assignments(args):
            port = port_value(value.text)
            if port is not None and is_port_name(name):
                number, shift = port
                yield self.fact(
                    number, Role.DEFAULT, value.offsets[shift], env=name, tags=(TAG_IMAGE,)
                )
            for url in url_ports(value.text) if urls else ():
                yield self.fact(
                    url.port, Role.REFERENCE, value.offsets[url.start], env=name, target=url.host
                )

    def command(self, args: SourceText) -> Iterator[PortFact]:
        """``CMD``/``ENTRYPOINT``, exec form or shell form."""
        argv = _exec_form(args)
        hits = argv_ports(argv) if argv is not None else command_ports(args)
        for hit in hits:
            tags = (TAG_FLAG, TAG_IMAGE) if hit.env is None else (TAG_IMAGE,)
            yield self.fact(hit.port, Role.DEFAULT, hit.offset, env=hit.env, tags=tags)
        for word in argv if argv is not None else [args]:
            yield from self.references(word)

    def references(self, source: SourceText) -> Iterator[PortFact]:
        for url in url_ports(source.text):
            yield self.fact(url.port, Role.REFERENCE, source.offsets[url.start], target=url.host)


def _assignments(args: SourceText) -> Iterator[tuple[str, SourceText]]:
    """``NAME=value ...`` pairs, or the legacy ``NAME value`` of ``ENV``."""
    found = list(_WORD.finditer(args.text))
    if not found:
        return
    if "=" not in found[0].group(0):
        value = args.slice(found[0].end()).strip()
        if value.text:
            yield found[0].group(0), _unquote(value)
        return
    for word in (args.slice(match.start(), match.end()) for match in found):
        name, eq, _ = word.text.partition("=")
        if eq and name:
            yield name, _unquote(word.slice(len(name) + 1))


def _unquote(value: SourceText) -> SourceText:
    """A value without the quotes around it: ``"5000"`` -> ``5000``."""
    text = value.text
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return value.slice(1, len(text) - 1)
    return value


def _exec_form(args: SourceText) -> list[SourceText] | None:
    """The words of a JSON-array instruction, each mapped to the file; None for the
    shell form (Docker too runs anything that is not a JSON string array in a shell)."""
    try:
        value = json.loads(args.text)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's limit
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    words = [_json_string(args, found) for found in _JSON_STRING.finditer(args.text)]
    if [word.text for word in words] == value:
        return words
    anchor = args.offsets[0] if args.offsets else 0
    return [SourceText(item, (anchor,) * len(item)) for item in value]


def _json_string(args: SourceText, found: re.Match[str]) -> SourceText:
    """A JSON string literal decoded, each character mapped to the file."""
    raw, start = found.group(1), found.start(1)
    chars: list[str] = []
    offsets: list[int] = []
    i = 0
    while i < len(raw):
        at = args.offsets[start + i]
        if raw[i] == "\\" and raw[i + 1 : i + 2] == "u":
            chars.append(chr(int(raw[i + 2 : i + 6], 16)))
            i += 6
        elif raw[i] == "\\":
            chars.append(_JSON_ESCAPES.get(raw[i + 1 : i + 2], raw[i + 1 : i + 2]))
            i += 2
        else:
            chars.append(raw[i])
            i += 1
        offsets.append(at)
    return SourceText("".join(chars), tuple(offsets))
