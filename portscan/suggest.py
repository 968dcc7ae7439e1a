"""``portscan suggest``: free ports for a service, and why the ports near them are taken.

A port is free for a service when choosing it adds no finding: no other service binds it
on a host (on the service's hosts that would be an active collision, elsewhere a latent
one), no other service defaults to it in source, nothing on the service's hosts
references it, no doc claims it for another service, and config does not reserve it.
Candidates come from the range of the service's category (config ``[services.X]
category`` and ``[ranges]``); without one, from the ports just above its current one.

Pure functions over a :class:`~portscan.model.Graph` and a :class:`Config`; the
``suggest`` command renders what :func:`suggest` returns with :func:`format_suggestion`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from portscan.config import Config
from portscan.model import TAG_RANGE, TAG_TEST, Binding, Graph, PortFact, Role, Scope
from portscan.resolve import channel_of, is_claim

#: Ports below this need privileges to bind (PS009 reserved-port).
PRIVILEGED_BELOW = 1024
MAX_PORT = 65535


class UnknownServiceError(ValueError):
    """A service name that names no service of the scan; the message lists near ones."""


@dataclass(frozen=True, slots=True)
class Blocker:
    """Why one port is not free: ``kind`` is one of ``current``, ``reserved``,
    ``privileged``, ``bound``, ``default``, ``referenced``, ``documented``."""

    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """One port looked at, and what stands in its way (nothing when free)."""

    port: int
    blockers: tuple[Blocker, ...] = ()

    @property
    def free(self) -> bool:
        return not self.blockers


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What ``suggest`` found for one service.

    ``hosts`` are the hosts it runs on (every known host when it runs nowhere yet, since
    it may land on any of them); ``span`` is its category's range, or None when the
    search starts above ``current``; ``candidates`` are the ports looked at, in order,
    up to the last free one needed.
    """

    service: str
    hosts: tuple[str, ...]
    deployed: bool
    category: str | None
    span: tuple[int, int] | None
    current: int | None
    candidates: tuple[Candidate, ...]

    @property
    def free(self) -> tuple[int, ...]:
        return tuple(c.port for c in self.candidates if c.free)


# -- naming the service ------------------------------------------------------------------


def find_service(graph: Graph, config: Config, name: str) -> str:
    """The service ``name`` means: a service of the scan, a config alias, or the one
    service whose name ends (``image-gen``) or starts (``mana-image``) with it."""
    known = set(graph.services)
    if name in known:
        return name
    for service in config.services:
        if name in service.aliases:
            return service.name
    lowered = name.lower()
    for candidates in (
        sorted(s for s in known if s.lower() == lowered),
        sorted(s for s in known if s.lower().endswith("-" + lowered)),
        sorted(s for s in known if s.lower().startswith(lowered + "-")),
    ):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise UnknownServiceError(f"{name!r} is ambiguous: {', '.join(candidates)}")
    near = sorted(s for s in known if lowered in s.lower()) or sorted(known)
    raise UnknownServiceError(f"unknown service {name!r} (known: {', '.join(near) or 'none'})")


# -- what a service has now --------------------------------------------------------------


def listen_facts(graph: Graph, service: str) -> tuple[PortFact, ...]:
    """The statements of ``service``'s main listen port: its source defaults and
    deployment overrides of channel ``PORT`` (test code and port ranges left out)."""
    return tuple(
        fact
        for fact in graph.facts
        if fact.service == service
        and fact.role in (Role.DEFAULT, Role.OVERRIDE)
        and TAG_TEST not in fact.tags
        and TAG_RANGE not in fact.tags
        and channel_of(fact, service) == "PORT"
    )


def current_port(graph: Graph, service: str) -> int | None:
    """The port a service runs on now: the lowest port it binds on a host, else its
    lowest main source default, else its lowest exposed port."""
    bound = [b.port for b in graph.bindings if b.service == service and b.scope is Scope.HOST]
    if bound:
        return min(bound)
    defaults = [f.port for f in listen_facts(graph, service) if f.role is Role.DEFAULT]
    if defaults:
        return min(defaults)
    exposed = [f.port for f in graph.facts if f.service == service and f.role is Role.EXPOSE]
    return min(exposed) if exposed else None


def hosts_of(graph: Graph, service: str) -> tuple[str, ...]:
    """The hosts a service binds a port on (in any scope)."""
    return tuple(sorted({b.host for b in graph.bindings if b.service == service}))


# -- what stands in a port's way ---------------------------------------------------------


def _where(fact: PortFact) -> str:
    return f"{fact.location.path}:{fact.location.line}"


def _binding_where(binding: Binding) -> str:
    return f"{binding.via}, {binding.location.path}:{binding.location.line}"


@dataclass(frozen=True, slots=True)
class Occupancy:
    """Every port's blockers for one service, indexed once for a whole search."""

    blockers: dict[int, tuple[Blocker, ...]]

    def of(self, port: int) -> tuple[Blocker, ...]:
        return self.blockers.get(port, ())


def occupancy(graph: Graph, config: Config, service: str, hosts: Iterable[str]) -> Occupancy:
    """What makes each port unfit for ``service`` on ``hosts``, one reason per source.

    Ports it already uses are ``current``; other services' host bindings anywhere are
    ``bound`` (an active collision on ``hosts``, a latent one elsewhere); their source
    defaults are ``default``; references that land on ``hosts`` at a port ``service``
    does not bind are ``referenced``; doc claims for other services are ``documented``;
    config ``[reserved]`` ports are ``reserved`` (unless the reservation names the
    service)."""
    on = set(hosts)
    found: dict[int, list[Blocker]] = defaultdict(list)

    def add(port: int, kind: str, reason: str) -> None:
        blocker = Blocker(kind, reason)
        if blocker not in found[port]:
            found[port].append(blocker)

    for port, owner in config.reserved:
        if owner.lower() not in service.lower():
            add(port, "reserved", f"reserved for {owner} in config")
    own_bound = set()
    for binding in sorted(graph.bindings, key=Binding.sort_key):
        if binding.service == service:
            if binding.scope is Scope.HOST:
                own_bound.add((binding.host, binding.port))
                add(binding.port, "current", f"{service} binds it on {binding.host}")
            continue
        if binding.scope is not Scope.HOST:
            continue
        if binding.host in on:
            why = f"bound by {binding.service} on {binding.host} ({_binding_where(binding)})"
        else:
            why = (
                f"bound by {binding.service} on {binding.host}, another host: a latent"
                f" collision ({_binding_where(binding)})"
            )
        add(binding.port, "bound", why)
    for fact in graph.facts:
        if not is_claim(fact):
            continue
        if fact.service == service:
            channel = channel_of(fact, service)
            kind = "source default" if channel == "PORT" else f"{channel} default"
            add(fact.port, "current", f"{service}'s own {kind} ({_where(fact)})")
            continue
        owner = fact.service or "an unnamed program"
        add(fact.port, "default", f"source default of {owner} ({_where(fact)})")
    for landing in graph.landings:
        fact = landing.reference
        if landing.host not in on or (landing.host, fact.port) in own_bound:
            continue
        if landing.binding is not None and landing.binding.scope is not Scope.HOST:
            continue  # a port inside one container: no host port is taken
        target = f"{fact.target}:{fact.port}" if fact.target else str(fact.port)
        add(fact.port, "referenced", f"referenced on {landing.host} by {_where(fact)} ({target})")
    for fact in graph.facts:
        if fact.role is Role.DOC and fact.service != service:
            owner = f" for {fact.service}" if fact.service else ""
            add(fact.port, "documented", f"documented{owner} in {_where(fact)}")
    return Occupancy({port: tuple(items) for port, items in found.items()})


def blockers_of(port: int, occupied: Occupancy) -> tuple[Blocker, ...]:
    """A port's blockers, with the privileged-port rule on top of the indexed ones."""
    extra: tuple[Blocker, ...] = ()
    if port < PRIVILEGED_BELOW:
        extra = (Blocker("privileged", f"a privileged port (below {PRIVILEGED_BELOW})"),)
    return (*occupied.of(port), *extra)


# -- the search --------------------------------------------------------------------------


def category_range(config: Config, service: str) -> tuple[str | None, tuple[int, int] | None]:
    """A service's category and that category's range, when config declares both."""
    category = next((s.category for s in config.services if s.name == service), None)
    spans = {name: (low, high) for name, low, high in config.ranges}
    return category, spans.get(category) if category is not None else None


def suggest(graph: Graph, config: Config, service: str, count: int = 3) -> Suggestion:
    """Up to ``count`` free ports for ``service`` (a canonical name, see
    :func:`find_service`), lowest first, with every port looked at on the way."""
    hosts = hosts_of(graph, service)
    deployed = bool(hosts)
    if not deployed:
        hosts = graph.hosts
    category, span = category_range(config, service)
    current = current_port(graph, service)
    if span is not None:
        ports: Iterable[int] = range(span[0], span[1] + 1)
    elif current is not None:
        ports = range(current + 1, MAX_PORT + 1)
    else:
        raise UnknownServiceError(
            f"{service} has no port yet and no category range in config: nothing to start"
            " from (give it a [services.X] category with a [ranges] entry)"
        )
    occupied = occupancy(graph, config, service, hosts)
    candidates: list[Candidate] = []
    free = 0
    for port in ports:
        if free >= count:
            break
        candidate = Candidate(port, blockers_of(port, occupied))
        candidates.append(candidate)
        free += candidate.free
    return Suggestion(service, hosts, deployed, category, span, current, tuple(candidates))


# -- text --------------------------------------------------------------------------------


def format_suggestion(suggestion: Suggestion, verbose: bool = False) -> str:
    """The free ports, one a line; ``verbose`` adds a header and one line per port
    looked at, saying why each taken one was skipped."""
    if not verbose:
        return "".join(f"{port}\n" for port in suggestion.free)
    where = ", ".join(suggestion.hosts) or "no known host"
    runs = f"runs on {where}" if suggestion.deployed else f"not deployed yet; checked {where}"
    if suggestion.span is not None:
        low, high = suggestion.span
        scope = f"category {suggestion.category} ({low}-{high})"
    else:
        scope = f"no category range; ports above its current {suggestion.current}"
    lines = [f"{suggestion.service}: {scope}; {runs}"]
    width = max((len(str(c.port)) for c in suggestion.candidates), default=0)
    for candidate in suggestion.candidates:
        port = str(candidate.port).ljust(width)
        if candidate.free:
            lines.append(f"{port}  free")
        else:
            lines.append(f"{port}  skipped: {_reasons(candidate.blockers)}")
    return "\n".join(lines) + "\n"


#: How many reasons a verbose line gives before it only counts the rest.
_SHOWN_REASONS = 3


def _reasons(blockers: tuple[Blocker, ...]) -> str:
    shown = "; ".join(b.reason for b in blockers[:_SHOWN_REASONS])
    rest = len(blockers) - _SHOWN_REASONS
    return f"{shown}; and {rest} more" if rest > 0 else shown


__all__ = [
    "Blocker",
    "Candidate",
    "Occupancy",
    "Suggestion",
    "UnknownServiceError",
    "blockers_of",
    "category_range",
    "current_port",
    "find_service",
    "format_suggestion",
    "hosts_of",
    "listen_facts",
    "occupancy",
    "suggest",
]
