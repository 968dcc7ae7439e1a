"""The core types every pipeline stage speaks.

Each stage talks to the next only through these frozen records:
discover yields paths, extract yields :class:`PortFact` and :class:`Diagnostic`,
resolve yields a :class:`Graph`, analyze yields :class:`Finding`, and the renderers
turn a :class:`ScanResult` into text. Positions are 1-based everywhere.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field


class Role(str, enum.Enum):
    """What a fact says about a port (DESIGN.md, "Core types")."""

    DEFAULT = "default"
    OVERRIDE = "override"
    PUBLISH = "publish"
    EXPOSE = "expose"
    REFERENCE = "reference"
    DOC = "doc"


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe; used by ``fail-on`` and sorting."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}


# Tags a fact may carry. They refine a role without multiplying roles.
TAG_FLAG = "flag"  # the port comes from a command-line flag (beats an env override)
TAG_CONTAINER = "container"  # the port is bound inside a container's own network namespace
TAG_TEST = "test"  # test code: kept as a fact, never a binding or a claim
TAG_RANGE = "range"  # one port of a published/exposed range such as 3000-3005
TAG_IMAGE = "image"  # a container image default (Dockerfile ENV/ARG)
TAG_EXAMPLE = "example"  # an example file (.env.example): a default, never a deployment
TAG_ALIAS = "alias="  # prefix: another name of the service (compose container_name)
TAG_NAME = "name="  # prefix: the public name a route serves (cloudflared/Caddy/nginx host)
TAG_PROFILE = "profile="  # prefix: the compose profile a service belongs to


def tag_values(tags: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    """The values of the ``prefix``-tags of a fact: ``alias=api`` -> ``api``."""
    return tuple(tag[len(prefix) :] for tag in tags if tag.startswith(prefix))


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a file. ``path`` is POSIX and relative to the scan root."""

    path: str
    line: int
    col: int = 1
    end_line: int | None = None
    end_col: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class PortFact:
    """One place where a port is written down.

    ``service`` is a hint from the extractor (a compose key, a launchd Label) or None;
    resolve turns it into the canonical service name. ``host`` is None at extraction and
    for source defaults. ``env`` is the variable that carries the port, ``target`` the
    host name a reference points at.
    """

    port: int
    role: Role
    location: Location
    extractor: str
    service: str | None = None
    host: str | None = None
    env: str | None = None
    target: str | None = None
    protocol: str = "tcp"
    tags: tuple[str, ...] = ()

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.col, self.port, self.role.value, self.service or "")


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """A file that could not be read or parsed. The scan goes on without it."""

    path: str
    line: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one extractor found in one file."""

    facts: tuple[PortFact, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


class Scope(str, enum.Enum):
    """Where a binding holds: on the host itself, or inside one container."""

    HOST = "host"
    CONTAINER = "container"


@dataclass(frozen=True, slots=True)
class Binding:
    """A service's effective port on one host, and the statement that decides it."""

    service: str
    host: str
    port: int
    protocol: str
    via: str  # "override", "publish", "default", "declared"
    location: Location
    scope: Scope = Scope.HOST
    channel: str = "PORT"  # which listen port: PORT for the main one, else the env name

    def sort_key(self) -> tuple[str, str, int, str, str, str, int]:
        return (
            self.host,
            self.service,
            self.port,
            self.protocol,
            self.scope.value,
            self.location.path,
            self.location.line,
        )


class LandingStatus(str, enum.Enum):
    """Where a reference ends up."""

    LANDS = "lands"  # on a binding of the service it names (or of any service, if unnamed)
    DANGLING = "dangling"  # nothing binds that host:port
    MISROUTE = "misroute"  # a different service binds there than the one it names
    EXTERNAL = "external"  # a host outside what the repository describes: never judged
    UNKNOWN = "unknown"  # the repository does not say which host, or what listens there


@dataclass(frozen=True, slots=True)
class Landing:
    """What a ``reference`` fact points at once hosts and bindings are known."""

    reference: PortFact
    status: LandingStatus
    host: str | None  # the host the target means; None when external
    binding: Binding | None = None  # what binds there, if anything
    expected: str | None = None  # the service the reference names, if it names one


@dataclass(frozen=True, slots=True)
class Graph:
    """The resolved view: named facts, effective bindings and the hosts they live on."""

    facts: tuple[PortFact, ...]
    bindings: tuple[Binding, ...]
    hosts: tuple[str, ...]
    services: tuple[str, ...]
    landings: tuple[Landing, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a rule reports, with the places that show it (``locations[0]`` is
    the one to fix) and a fingerprint that survives unrelated line moves."""

    code: str
    name: str
    severity: Severity
    message: str
    port: int | None
    services: tuple[str, ...]
    hosts: tuple[str, ...]
    locations: tuple[Location, ...]
    fingerprint: str = field(default="")

    def sort_key(self) -> tuple[str, int, str, int, str, tuple[str, ...]]:
        primary = self.locations[0] if self.locations else Location("", 0)
        return (primary.path, primary.line, self.code, self.port or 0, self.message, self.services)


def fingerprint(
    code: str,
    port: int | None,
    services: tuple[str, ...],
    hosts: tuple[str, ...],
    locations: tuple[Location, ...],
) -> str:
    """A finding's identity that survives unrelated lines moving: no line numbers."""
    paths = sorted({loc.path for loc in locations})
    material = "\x1f".join(
        [
            code,
            "" if port is None else str(port),
            ",".join(sorted(services)),
            ",".join(sorted(hosts)),
            ",".join(paths),
        ]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def make_finding(
    code: str,
    name: str,
    severity: Severity,
    message: str,
    *,
    port: int | None,
    services: tuple[str, ...],
    hosts: tuple[str, ...],
    locations: tuple[Location, ...],
) -> Finding:
    """Build a finding with sorted services/hosts and its line-free fingerprint."""
    services = tuple(sorted(set(services)))
    hosts = tuple(sorted(set(hosts)))
    return Finding(
        code=code,
        name=name,
        severity=severity,
        message=message,
        port=port,
        services=services,
        hosts=hosts,
        locations=locations,
        fingerprint=fingerprint(code, port, services, hosts, locations),
    )


@dataclass(frozen=True, slots=True)
class ScanStats:
    """How much a scan looked at: files claimed, parsed, facts, findings."""

    files: int
    parsed: int
    facts: int
    findings: int


@dataclass(frozen=True, slots=True, order=True)
class UnusedSuppression:
    """A suppression comment (or the part of one) that silenced nothing, and why."""

    path: str
    line: int
    codes: tuple[str, ...]
    message: str


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """One accepted finding. Only ``fingerprint`` matches; the rest is for reading."""

    fingerprint: str
    code: str
    name: str
    port: int | None
    services: tuple[str, ...]
    message: str

    def sort_key(self) -> tuple[str, int, tuple[str, ...], str]:
        return (self.code, self.port or 0, self.services, self.fingerprint)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan found, and what the filter stage has to say about what it hid:
    ``suppressed``/``baselined`` count the findings hidden by comments and the baseline."""

    root: str
    graph: Graph
    findings: tuple[Finding, ...]
    errors: tuple[Diagnostic, ...]
    stats: ScanStats
    suppressed: int = 0
    baselined: int = 0
    unused_suppressions: tuple[UnusedSuppression, ...] = ()
    stale_baseline: tuple[BaselineEntry, ...] = ()
