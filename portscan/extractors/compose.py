"""Compose files: the ports a ``docker compose`` project publishes, exposes and sets.

The file is read with PyYAML's node API, never ``safe_load``: YAML 1.1 reads an unquoted
``22:22`` as the sexagesimal integer 1342, while a node keeps the raw scalar text and its
marks, so every fact points at its digits as written (behind quotes, in block scalars,
inside ``${VAR:-8080}``). For each service under ``services:`` (its key is the service
hint of every fact it yields):

- ``ports:``, short syntax (``"8080:80"``, ``"127.0.0.1:8080:80"``, ``"[::1]:8080:80"``,
  ``"3000"``, ``"3000-3005:3000-3005"``, ``"53:53/udp"``) and long syntax (``target``,
  ``published``, ``protocol``): the host side is a ``publish``, the container side an
  ``expose`` tagged ``container``. A container-only entry only exposes. A range yields one
  fact per port, tagged ``range``; a range of more than 1024 ports, or host and container
  ranges of different sizes, is a diagnostic. A host range for one container port
  (``"8000-8010:80"``, Docker picks one free port of it) yields every port of the range.
- ``expose:``: ``expose``, tagged ``container``.
- ``environment:`` (map or list): ``PORT`` and ``<SERVICE>_PORT`` (the service key or its
  ``container_name`` in upper snake case) are listen ports: ``override`` tagged
  ``container``. Other ``*_PORT`` variables (``REDIS_PORT: 6379`` in an app) mostly name the
  port of *another* service; without its host beside it we cannot tell which, so they yield
  nothing in this version. URL values (``LLM_URL: http://mana-llm:3025``) are a
  ``reference`` with the URL's host as target and the variable as ``env``.
- ``entrypoint:`` + ``command:`` (what Docker runs, strings or lists, the script of
  ``sh -c "..."`` read too): listen flags (``--port 3000``) are an ``override`` tagged
  ``container`` and ``flag``; ``PORT=3000`` assignments an ``override`` tagged
  ``container``; URLs in arguments a ``reference``.
- ``healthcheck: test:`` URLs: ``reference``.
- ``container_name: x`` tags every fact of the service ``alias=x``; ``profiles: [a, b]``
  tags them ``profile=a`` and ``profile=b``.

Host networking (``network_mode: host``): the container shares the host's network
namespace and Docker ignores the port mappings, so what the container binds, it binds on
the host. The container side of each ``ports:`` entry is then a ``publish`` (no host side,
no ``expose``), and overrides and ``expose:`` lose the ``container`` tag.

References carry no ``container`` tag: they name a host (a compose service resolves inside
the project's network), and resolve decides where that is.

Compose interpolation is applied to every value, as ``docker compose`` does before it reads
the file: ``${VAR:-8080}`` and ``${VAR-8080}`` read as their default, and the variable
becomes the fact's ``env`` (a flag's too); ``$$`` is a literal ``$``; a variable without a
default (``${VAR}``, ``$VAR``, ``${VAR:?msg}``) is unknown and yields no fact.

YAML merge keys (``<<: *base``, ``<<: [*a, *b]``) and aliases are followed: a service's own
keys win over merged ones, and each merged mapping is read once per mapping. Aliases are
never expanded into a copy, and all the work is bounded by a budget proportional to the
file size, so an alias bomb ends in a diagnostic, not in a hang.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    ExtractError,
    ExtractOptions,
    parse_port,
    shown,
    sorted_facts,
)
from portscan.extractors.shellwords import SourceText, argv_ports, shell_words
from portscan.extractors.urls import url_ports
from portscan.extractors.yamlnodes import (
    NULL_TAG,
    YamlSource,
    as_mapping,
    as_scalar,
    as_sequence,
    compose_documents,
    entries,
)
from portscan.model import (
    TAG_ALIAS,
    TAG_CONTAINER,
    TAG_FLAG,
    TAG_PROFILE,
    TAG_RANGE,
    Diagnostic,
    Extraction,
    Location,
    PortFact,
    Role,
)

if TYPE_CHECKING:
    from yaml.nodes import MappingNode, Node, ScalarNode

NAME = "compose"
#: Compose files are few, small and always relevant: parse them all.
PREFILTER: re.Pattern[bytes] | None = None

#: A range wider than this is almost surely a typo; expanding it would flood the report.
MAX_RANGE = 1024

_FILE_NAME = re.compile(r"(?:docker-)?compose[^/]*\.ya?ml")
#: Stands for the value of a variable we cannot know (``${VAR}``): never a digit, never in
#: a host name, and never in YAML text (the YAML reader refuses NUL).
_UNKNOWN = "\x00"
#: The work a file may ask for, in characters read plus ``_FACT_COST`` per fact: a real
#: compose file spends about twice its size (more when many services merge one anchor);
#: an alias bomb asks for far more and is cut off with a diagnostic.
_BUDGET_FLOOR = 200_000
_BUDGET_PER_CHAR = 8
_FACT_COST = 8
_MAX_INTERPOLATION_DEPTH = 8
_BRACED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PORT_RANGE = re.compile(r"(\d{1,5})(?:-(\d{1,5}))?")
_NOT_NAME = re.compile(r"[^A-Za-z0-9]+")


def matches(path: str) -> bool:
    """``docker-compose*.yml``, ``compose*.yaml`` ... in any directory."""
    return _FILE_NAME.fullmatch(path.rpartition("/")[2]) is not None


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """The facts of every service of every document of a compose file."""
    if not text.strip():
        return Extraction(diagnostics=(Diagnostic(path, None, "empty compose file"),))
    try:
        documents = compose_documents(text)
    except ExtractError as error:
        return Extraction(diagnostics=(Diagnostic(path, error.line, error.message),))
    reader = _Reader(path, text)
    try:
        for document in documents:
            reader.document(document)
    except _BudgetError:
        reader.diagnostics.append(
            Diagnostic(path, None, "compose file expands too far through aliases; read in part")
        )
    return reader.extraction()


# --- scalars that remember where their characters are ------------------------------------


@dataclass(frozen=True, slots=True)
class _Piece:
    """Text taken from one scalar, and where each of its characters is written.

    ``origins[i]`` is the file offset of ``text[i]``; ``envs[i]`` the variable whose
    default supplied it, if any. Interpolation and word splitting make new pieces from old
    ones without losing either.
    """

    text: str
    origins: tuple[int, ...]
    envs: tuple[str | None, ...]

    def slice(self, start: int, end: int) -> _Piece:
        return _Piece(self.text[start:end], self.origins[start:end], self.envs[start:end])

    def pick(self, indices: Sequence[int]) -> _Piece:
        """The characters at ``indices``, in that order."""
        return _Piece(
            "".join(self.text[i] for i in indices),
            tuple(self.origins[i] for i in indices),
            tuple(self.envs[i] for i in indices),
        )

    def strip(self) -> _Piece:
        left = len(self.text) - len(self.text.lstrip())
        return self.slice(left, max(left, len(self.text.rstrip())))


class _PieceBuilder:
    """Accumulates the characters of a new piece (local to one interpolation)."""

    __slots__ = ("chars", "envs", "origins")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.origins: list[int] = []
        self.envs: list[str | None] = []

    def add(self, piece: _Piece, index: int, env: str | None) -> None:
        self.chars.append(piece.text[index])
        self.origins.append(piece.origins[index])
        self.envs.append(env if env is not None else piece.envs[index])

    def unknown(self, piece: _Piece, index: int) -> None:
        self.chars.append(_UNKNOWN)
        self.origins.append(piece.origins[index])
        self.envs.append(None)

    def extend(self, other: _PieceBuilder) -> None:
        self.chars.extend(other.chars)
        self.origins.extend(other.origins)
        self.envs.extend(other.envs)

    def build(self) -> _Piece:
        return _Piece("".join(self.chars), tuple(self.origins), tuple(self.envs))


def _interpolate(piece: _Piece) -> _Piece:
    """Compose interpolation: defaults in, unknown variables as ``_UNKNOWN``."""
    if "$" not in piece.text:
        return piece
    out = _PieceBuilder()
    _expand(piece, 0, out, None, nested=False, depth=0)
    return out.build()


def _expand(
    piece: _Piece, index: int, out: _PieceBuilder, env: str | None, *, nested: bool, depth: int
) -> int:
    """Expand ``piece.text`` from ``index`` into ``out``; inside a ``${VAR:-...}`` default
    (``nested``) stop at its closing brace. Return where it stopped."""
    text = piece.text
    while index < len(text):
        char = text[index]
        if nested and char == "}":
            return index
        following = text[index + 1 : index + 2]
        if char != "$" or not following:
            out.add(piece, index, env)
            index += 1
        elif following == "$":  # "$$" is a literal "$"
            out.add(piece, index, env)
            index += 2
        elif following == "{":
            index = _expand_braced(piece, index, out, env, depth=depth)
        elif (name := _VARIABLE.match(text, index + 1)) is not None:
            out.unknown(piece, index)
            index = name.end()
        else:
            out.add(piece, index, env)
            index += 1
    return index


def _expand_braced(
    piece: _Piece, index: int, out: _PieceBuilder, env: str | None, *, depth: int
) -> int:
    """Expand the ``${...}`` at ``index``; return the index just after it."""
    text = piece.text
    match = _BRACED.match(text, index + 2)
    if match is None or depth >= _MAX_INTERPOLATION_DEPTH:
        out.add(piece, index, env)
        return index + 1
    name, operator = match.group(1), match.group(2)
    if operator is None:
        if text.startswith("}", match.end()):
            out.unknown(piece, index)
            return match.end() + 1
        out.add(piece, index, env)
        return index + 1
    word = _PieceBuilder()
    end = _expand(piece, match.end(), word, env or name, nested=True, depth=depth + 1)
    if end >= len(text):  # never closed: compose refuses it; keep the rest as it stands
        for rest in range(index, len(text)):
            out.add(piece, rest, env)
        return len(text)
    if operator in (":-", "-"):
        out.extend(word)
    else:  # ":?"/"?" fail without a value, ":+"/"+" need one: we know neither
        out.unknown(piece, index)
    return end + 1


def _split_words(piece: _Piece) -> list[_Piece]:
    """Shell words of a piece (quotes removed), each still knowing its origins."""
    source = SourceText(piece.text, tuple(range(len(piece.text))))
    return [piece.pick(word.offsets) for word in shell_words(source)]


# --- ports --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Part:
    """One side of a port mapping, a port or a range: ``piece.text[start:end]``."""

    piece: _Piece
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.piece.text[self.start : self.end]

    @classmethod
    def whole(cls, piece: _Piece) -> _Part:
        piece = piece.strip()
        return cls(piece, 0, len(piece.text))


@dataclass(frozen=True, slots=True)
class _PortMapping:
    """A ``ports:`` entry, from either syntax, or an ``expose:`` entry (no host side)."""

    container: _Part | None
    host: _Part | None
    protocol: str
    origin: int  # where the entry starts, for diagnostics


def _short_mapping(piece: _Piece) -> _PortMapping:
    """``[[IP:](HOST|RANGE):](PORT|RANGE)[/PROTOCOL]``; IPv6 as ``[::1]`` or bare."""
    piece = piece.strip()
    text = piece.text
    end, protocol = len(text), "tcp"
    slash = text.rfind("/")
    if slash >= 0:
        end, protocol = slash, text[slash + 1 :].strip().lower()
    last = text.rfind(":", 0, end)
    container = _Part(piece, last + 1, end)
    host = None
    if last >= 0:
        host = _Part(piece, text.rfind(":", 0, last) + 1, last)
    origin = piece.origins[0] if piece.origins else 0
    return _PortMapping(container, host, protocol, origin)


def _port_range(text: str) -> tuple[int, int] | None:
    """``3000`` -> (3000, 3000); ``3000-3005`` -> (3000, 3005); anything else None."""
    match = _PORT_RANGE.fullmatch(text)
    if match is None:
        return None
    low = parse_port(match.group(1))
    high = low if match.group(2) is None else parse_port(match.group(2))
    if low is None or high is None or high < low:
        return None
    return low, high


# --- the reader ---------------------------------------------------------------------------


class _BudgetError(Exception):
    """Raised when a file asks for far more work than its size can justify (alias bombs)."""


@dataclass(frozen=True, slots=True)
class _Service:
    """What every fact of one service shares."""

    name: str
    host_network: bool
    tags: tuple[str, ...]  # alias=..., profile=...
    listen: frozenset[str]  # the variables that carry its own listen port

    @property
    def inside(self) -> tuple[str, ...]:
        """The tag of a port bound in the container's own network namespace, if it has one."""
        return () if self.host_network else (TAG_CONTAINER,)


def _upper_snake(name: str) -> str:
    """``mana-llm`` -> ``MANA_LLM``."""
    return _NOT_NAME.sub("_", name).strip("_").upper()


class _Reader:
    """Reads the services of one file's documents into facts and diagnostics.

    One instance lives for one :func:`extract` call; its caches and budget are local state.
    """

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.source = YamlSource(text)
        self.index = self.source.index
        self.facts: list[PortFact] = []
        self.diagnostics: list[Diagnostic] = []
        self._values: dict[int, tuple[ScalarNode, _Piece]] = {}
        self._budget = _BUDGET_FLOOR + _BUDGET_PER_CHAR * len(text)

    # -- plumbing --

    def extraction(self) -> Extraction:
        facts = sorted_facts(list(dict.fromkeys(self.facts)))
        diagnostics = sorted(
            dict.fromkeys(self.diagnostics), key=lambda d: (d.line or 0, d.message)
        )
        return Extraction(facts, tuple(diagnostics))

    def _spend(self, cost: int) -> None:
        self._budget -= cost
        if self._budget < 0:
            raise _BudgetError

    def _line(self, offset: int) -> int:
        return self.index.position(offset)[0]

    def _diagnose(self, offset: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.path, self._line(offset), message))

    def _fact(
        self,
        service: _Service,
        port: int,
        role: Role,
        origin: int,
        length: int,
        *,
        env: str | None = None,
        target: str | None = None,
        protocol: str = "tcp",
        tags: tuple[str, ...] = (),
    ) -> None:
        self._spend(_FACT_COST)
        line, col = self.index.position(origin)
        self.facts.append(
            PortFact(
                port=port,
                role=role,
                location=Location(self.path, line, col, line, col + length),
                extractor=NAME,
                service=service.name,
                env=env,
                target=target,
                protocol=protocol,
                tags=tuple(sorted({*service.tags, *tags})),
            )
        )

    # -- nodes --

    def _value(self, node: ScalarNode) -> _Piece:
        """A scalar's value after interpolation, each character mapped to the file."""
        self._spend(1 + len(node.value))
        cached = self._values.get(id(node))
        if cached is not None:
            return cached[1]
        scalar = self.source.scalar(node)
        raw = _Piece(scalar.text, scalar.offsets, (None,) * len(scalar.text))
        piece = _interpolate(raw)
        self._values[id(node)] = (node, piece)
        return piece

    def _text(self, node: Node | None) -> str | None:
        """A scalar's interpolated text, or None when it is not a known scalar."""
        scalar = as_scalar(node)
        if scalar is None or scalar.tag == NULL_TAG:
            return None
        text = self._value(scalar).text.strip()
        return None if _UNKNOWN in text else text

    def _scalars(self, node: Node | None) -> list[ScalarNode]:
        """The distinct scalar items of a sequence (an alias repeated is read once)."""
        sequence = as_sequence(node)
        if sequence is None:
            return []
        self._spend(len(sequence))
        unique = {id(item): item for item in sequence}
        return [scalar for item in unique.values() if (scalar := as_scalar(item)) is not None]

    def _items(self, node: Node | None) -> dict[str, Node]:
        """A mapping's entries by key, YAML merge keys applied (:func:`entries`), its
        work charged to this file's budget."""
        return entries(node, self._spend)

    # -- services --

    def document(self, root: Node) -> None:
        for name, node in self._items(self._items(root).get("services")).items():
            if as_mapping(node) is not None:
                self._service(name, node)

    def _service(self, name: str, node: Node) -> None:
        items = self._items(node)
        alias = self._text(items.get("container_name"))
        tags = {f"{TAG_ALIAS}{alias}"} if alias else set()
        for profile in self._scalars(items.get("profiles")):
            if (text := self._text(profile)) is not None:
                tags.add(f"{TAG_PROFILE}{text}")
        listen = {"PORT", f"{_upper_snake(name)}_PORT"}
        if alias:
            listen.add(f"{_upper_snake(alias)}_PORT")
        service = _Service(
            name=name,
            host_network=self._text(items.get("network_mode")) == "host",
            tags=tuple(sorted(tags)),
            listen=frozenset(listen),
        )
        self._ports(service, items.get("ports"))
        self._expose(service, items.get("expose"))
        self._environment(service, items.get("environment"))
        self._command(service, items.get("entrypoint"), items.get("command"))
        self._healthcheck(service, items.get("healthcheck"))

    def _ports(self, service: _Service, node: Node | None) -> None:
        sequence = as_sequence(node)
        if sequence is None:
            return
        for item in {id(item): item for item in sequence}.values():
            self._spend(1)
            if (scalar := as_scalar(item)) is not None:
                self._mapping(service, _short_mapping(self._value(scalar)), expose_only=False)
            elif (mapping := as_mapping(item)) is not None:
                self._long_mapping(service, mapping)

    def _long_mapping(self, service: _Service, node: MappingNode) -> None:
        """``{target: 80, published: "8080", host_ip: ..., protocol: udp}``."""
        items = self._items(node)
        target, published = as_scalar(items.get("target")), as_scalar(items.get("published"))
        origin = self.source.offset(node.start_mark)
        if target is None:
            self._diagnose(origin, "port mapping without target")
            return
        host = None
        if published is not None and published.tag != NULL_TAG:
            host = _Part.whole(self._value(published))
        protocol = (self._text(items.get("protocol")) or "tcp").lower()
        container = _Part.whole(self._value(target))
        self._mapping(service, _PortMapping(container, host, protocol, origin), expose_only=False)

    def _expose(self, service: _Service, node: Node | None) -> None:
        for scalar in self._scalars(node):
            mapping = _short_mapping(self._value(scalar))
            if mapping.host is not None:
                quoted = shown(mapping.host.piece.text)
                self._diagnose(mapping.origin, f"invalid exposed port {quoted!r}")
                continue
            self._mapping(service, mapping, expose_only=True)

    def _mapping(self, service: _Service, mapping: _PortMapping, *, expose_only: bool) -> None:
        """Facts of one port mapping; unknown sides are skipped, invalid ones diagnosed."""
        container, host = mapping.container, mapping.host
        if container is None or _UNKNOWN in container.text:
            return
        inner = _port_range(container.text)
        if inner is None:
            self._diagnose(mapping.origin, f"invalid container port {shown(container.text)!r}")
            return
        outer = None
        if host is not None and host.text and _UNKNOWN not in host.text:
            outer = _port_range(host.text)
            if outer is None:
                self._diagnose(mapping.origin, f"invalid host port {shown(host.text)!r}")
                return
        sizes = [inner[1] - inner[0] + 1] + ([outer[1] - outer[0] + 1] if outer else [])
        if max(sizes) > MAX_RANGE:
            self._diagnose(
                mapping.origin, f"port range of {max(sizes)} ports (more than {MAX_RANGE})"
            )
            return
        if len(sizes) == 2 and sizes[0] > 1 and sizes[0] != sizes[1]:
            self._diagnose(mapping.origin, "host and container port ranges differ in size")
            return
        protocol = mapping.protocol
        if expose_only:
            self._range(service, Role.EXPOSE, container, inner, protocol, service.inside)
        elif service.host_network:
            self._range(service, Role.PUBLISH, container, inner, protocol, ())
        else:
            self._range(service, Role.EXPOSE, container, inner, protocol, (TAG_CONTAINER,))
            if host is not None and outer is not None:
                self._range(service, Role.PUBLISH, host, outer, protocol, ())

    def _range(
        self,
        service: _Service,
        role: Role,
        part: _Part,
        ports: tuple[int, int],
        protocol: str,
        tags: tuple[str, ...],
    ) -> None:
        low, high = ports
        if high > low:
            tags = (*tags, TAG_RANGE)
        for port in range(low, high + 1):
            self._fact(
                service,
                port,
                role,
                part.piece.origins[part.start],
                part.end - part.start,
                env=part.piece.envs[part.start],
                protocol=protocol,
                tags=tags,
            )

    def _environment(self, service: _Service, node: Node | None) -> None:
        if as_mapping(node) is not None:
            for key, entry in self._items(node).items():
                scalar = as_scalar(entry)
                if scalar is not None and scalar.tag != NULL_TAG:
                    self._variable(service, key.strip(), self._value(scalar))
        for item in self._scalars(node):
            piece = self._value(item)
            key, equals, _ = piece.text.partition("=")
            if equals:
                self._variable(service, key.strip(), piece.slice(len(key) + 1, len(piece.text)))

    def _variable(self, service: _Service, key: str, value: _Piece) -> None:
        """``KEY=value`` of a service's environment: a listen port, or URLs."""
        if key in service.listen:
            port_text = value.strip()
            port = parse_port(port_text.text)
            if port is not None:
                self._fact(
                    service,
                    port,
                    Role.OVERRIDE,
                    port_text.origins[0],
                    len(port_text.text),
                    env=key,
                    tags=service.inside,
                )
            return
        self._references(service, value, env=key)

    def _references(self, service: _Service, piece: _Piece, *, env: str | None) -> None:
        self._spend(len(piece.text))
        for found in url_ports(piece.text):
            self._fact(
                service,
                found.port,
                Role.REFERENCE,
                piece.origins[found.start],
                found.end - found.start,
                env=env,
                target=found.host,
            )

    def _argv(self, node: Node | None) -> list[_Piece]:
        """The argument vector of an ``entrypoint:``/``command:``, string or list form."""
        scalar = as_scalar(node)
        if scalar is not None:
            return [] if scalar.tag == NULL_TAG else _split_words(self._value(scalar))
        sequence = as_sequence(node)
        if sequence is None:
            return []
        return [self._value(scalar) for item in sequence if (scalar := as_scalar(item)) is not None]

    def _command(self, service: _Service, entrypoint: Node | None, command: Node | None) -> None:
        """What Docker runs: the entrypoint followed by the command."""
        argv = self._argv(entrypoint) + self._argv(command)
        if not argv:
            return
        joined = _Piece(
            "".join(word.text for word in argv),
            tuple(origin for word in argv for origin in word.origins),
            tuple(env for word in argv for env in word.envs),
        )
        words, base = [], 0
        for word in argv:  # offsets into ``joined``, so every hit maps back to the file
            words.append(SourceText(word.text, tuple(range(base, base + len(word.text)))))
            base += len(word.text)
        self._spend(len(joined.text))
        for hit in argv_ports(words):
            if hit.flag is None and hit.env not in service.listen:
                continue  # REDIS_PORT=6379 names another service's port (see the docstring)
            self._fact(
                service,
                hit.port,
                Role.OVERRIDE,
                joined.origins[hit.offset],
                len(str(hit.port)),
                env=hit.env if hit.env is not None else joined.envs[hit.offset],
                tags=(*service.inside, *((TAG_FLAG,) if hit.flag else ())),
            )
        for word in argv:
            self._references(service, word, env=None)

    def _healthcheck(self, service: _Service, node: Node | None) -> None:
        test = self._items(node).get("test")
        scalar = as_scalar(test)
        for item in [scalar] if scalar is not None else self._scalars(test):
            self._references(service, self._value(item), env=None)
