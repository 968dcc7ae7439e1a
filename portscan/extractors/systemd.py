"""systemd unit files (``*.service``, ``*.socket``): the ports a Linux deployment sets.

An INI-like reader: ``[Section]`` headers, ``Key=Value`` lines, ``#``/``;`` comments and
backslash continuation lines (joined with a space, as systemd does). Values are split
with systemd's quoting: ``Environment="PORT=8080" "HOST=0.0.0.0"``. What it reads, all
role ``override`` (a deployment sets the listen port):

- ``[Service] Environment=PORT=8080`` (several assignments per line, quoted or not):
  port names :func:`is_port_name` accepts, ``env`` the name; URL values are references.
- ``[Service] ExecStart=``: listen flags (``--port 8000``, ``--bind 0.0.0.0:8000``, also
  inside ``sh -c '...'``) tagged ``flag``, and ``env PORT=8000 ...`` assignments. The
  ``-``, ``@``, ``+``, ``!`` and ``:`` prefixes are allowed (after ``@`` the second word
  is only argv[0]). URLs in any ``Exec*`` command (a health probe in ``ExecStartPost=``)
  are references.
- ``[Socket] ListenStream=8080``, ``ListenStream=0.0.0.0:8080``, ``ListenStream=[::]:8080``
  and ``ListenDatagram=`` (udp): the ports systemd binds for a socket-activated service.
  Unix socket paths and ``vsock:`` addresses are not ports.

The service hint is the unit's name without its type (``mana-llm.service`` ->
``mana-llm``; ``worker@.service`` -> ``worker``); a socket names the unit given by its
``Service=`` key, else its own name. ``EnvironmentFile=`` is not followed (the file it
names is read by the dotenv extractor if it is in the repository), and drop-in
``*.d/*.conf`` files are not read. A line that is neither a section header nor a
``Key=Value`` assignment is a diagnostic; the other lines are still read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    ExtractOptions,
    LineIndex,
    is_port_name,
    parse_port,
    sorted_facts,
)
from portscan.extractors.shellwords import (
    SourceText,
    argv_ports,
    logical_lines,
    port_value,
    shell_words,
)
from portscan.extractors.urls import url_ports
from portscan.model import TAG_FLAG, Diagnostic, Extraction, Location, PortFact, Role

NAME = "systemd"
#: Unit files are few, small and always about a deployment: read them all.
PREFILTER: re.Pattern[bytes] | None = None

_UNIT_TYPES = (".service", ".socket")
_EXEC_PREFIXES = "-@:+!"
_LISTEN = re.compile(r"(?:(\[[^\]]*\]|[^:/\s\[\]]+):)?(\d{1,5})")
_LISTEN_PROTOCOLS = {"ListenStream": "tcp", "ListenDatagram": "udp"}


def matches(path: str) -> bool:
    return path.rsplit("/", 1)[-1].endswith(_UNIT_TYPES)


def unit_name(path: str) -> str:
    """``deploy/mana-llm.service`` -> ``mana-llm``; a template ``worker@.service`` or an
    instance ``worker@2.service`` -> ``worker``."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem.split("@", 1)[0] or stem


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """Environment, ExecStart and socket ports of one unit file."""
    unit = _Unit(path, LineIndex(text), unit_name(path))
    facts: list[PortFact] = []
    diagnostics: list[Diagnostic] = []
    section = ""
    socket_service: str | None = None
    for line in logical_lines(text, comments=("#", ";"), joiner=" "):
        entry = line.strip()
        if not entry.text:
            continue  # a lone continuation backslash
        if entry.text.startswith("[") and entry.text.endswith("]"):
            section = entry.text[1:-1].strip()
            continue
        key, equals, _ = entry.text.partition("=")
        key = key.strip()
        if not equals or not key or entry.text.startswith("["):
            message = "invalid unit file line: expected [Section] or Key=Value"
            diagnostics.append(Diagnostic(path, unit.line(entry), message))
            continue
        value = entry.slice(entry.text.index("=") + 1).strip()
        if section == "Socket" and key == "Service" and value.text:
            socket_service = unit_name(value.text)
        facts.extend(unit.entry(section, key, value))
    if socket_service is not None:
        facts = [replace(fact, service=socket_service) for fact in facts]
    return Extraction(sorted_facts(facts), tuple(diagnostics))


@dataclass(frozen=True, slots=True)
class _Unit:
    """Turns one unit file's entries into facts at their places in the file."""

    path: str
    index: LineIndex
    service: str

    def line(self, source: SourceText) -> int | None:
        return self.index.position(source.offsets[0])[0] if source.offsets else None

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
        line, col = self.index.position(offset)
        return PortFact(
            port=port,
            role=role,
            location=Location(self.path, line, col, line, col + len(str(port))),
            extractor=NAME,
            service=self.service,
            env=env,
            target=target,
            protocol=protocol,
            tags=tags,
        )

    def entry(self, section: str, key: str, value: SourceText) -> Iterator[PortFact]:
        if section == "Service" and key == "Environment":
            yield from self.environment(value)
        elif section == "Service" and key.startswith("Exec"):
            yield from self.command(value, listens=key == "ExecStart")
        elif section == "Socket" and key in _LISTEN_PROTOCOLS:
            yield from self.listen(value, _LISTEN_PROTOCOLS[key])

    def environment(self, value: SourceText) -> Iterator[PortFact]:
        """``Environment=PORT=8080 "HOST=0.0.0.0"``."""
        for word in shell_words(value, operators=False):
            name, equals, assigned = word.text.partition("=")
            if not equals:
                continue
            shift = len(name) + 1
            found = port_value(assigned) if is_port_name(name) else None
            if found is not None:
                port, at = found
                yield self.fact(port, Role.OVERRIDE, word.offsets[shift + at], env=name)
            for url in url_ports(assigned):
                yield self.fact(
                    url.port,
                    Role.REFERENCE,
                    word.offsets[shift + url.start],
                    env=name,
                    target=url.host,
                )

    def command(self, value: SourceText, listens: bool) -> Iterator[PortFact]:
        """An ``Exec*=`` command line: listen ports (``ExecStart`` only) and URLs."""
        prefixes = value.text[: len(value.text) - len(value.text.lstrip(_EXEC_PREFIXES))]
        command = value.slice(len(prefixes))
        argv = shell_words(command, operators=False)
        if "@" in prefixes:
            del argv[1:2]  # "@/bin/bash name -c ...": the second word is only argv[0]
        for hit in argv_ports(argv) if listens else ():
            tags = (TAG_FLAG,) if hit.env is None else ()
            yield self.fact(hit.port, Role.OVERRIDE, hit.offset, env=hit.env, tags=tags)
        for url in url_ports(command.text):
            yield self.fact(url.port, Role.REFERENCE, command.offsets[url.start], target=url.host)

    def listen(self, value: SourceText, protocol: str) -> Iterator[PortFact]:
        """``ListenStream=8080`` / ``0.0.0.0:8080`` / ``[::]:8080``; paths are skipped."""
        address = _LISTEN.fullmatch(value.text)
        port = None if address is None else parse_port(address.group(2))
        if address is not None and port is not None:
            yield self.fact(port, Role.OVERRIDE, value.offsets[address.start(2)], protocol=protocol)
