"""PS002 latent-collision: services that share a port but never bind it together.

A port is *claimed* by a service that defaults to it in source or binds it on a host.
When two services claim one port and no host has both binding it, nothing breaks
today; the message says why (different hosts, or a service that is not deployed), so
a reader knows what would make it bite.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations

from portscan.analyze.base import Context, listing
from portscan.model import Binding, Finding, Location, PortFact, Scope, Severity, make_finding
from portscan.resolve import is_claim

CODE = "PS002"
NAME = "latent-collision"
SEVERITY = Severity.WARNING
SUMMARY = "two services share a port but never bind it together on one host"


def check(context: Context) -> Iterator[Finding]:
    graph = context.graph
    defaults: dict[tuple[int, str], dict[str, list[PortFact]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for fact in graph.facts:
        if fact.service is not None and is_claim(fact):
            defaults[(fact.port, fact.protocol)][fact.service].append(fact)
    host_bindings = [b for b in graph.bindings if b.scope is Scope.HOST]
    binds: dict[tuple[int, str], dict[str, list[Binding]]] = defaultdict(lambda: defaultdict(list))
    deployed: dict[str, list[Binding]] = defaultdict(list)
    for binding in graph.bindings:
        deployed[binding.service].append(binding)
    for binding in host_bindings:
        binds[(binding.port, binding.protocol)][binding.service].append(binding)

    for key in sorted(set(defaults) | set(binds)):
        port = key[0]
        claimants = sorted(set(defaults[key]) | set(binds[key]))
        if len(claimants) < 2:
            continue
        if all(
            _bound_together(binds[key][a], binds[key][b]) for a, b in combinations(claimants, 2)
        ):
            continue  # every pair collides on a host today: active-collision reports it
        reasons = [
            _why(service, port, defaults[key], binds[key], deployed) for service in claimants
        ]
        hosts = sorted({b.host for s in claimants for b in deployed.get(s, [])})
        spread = sorted({b.host for s in claimants for b in binds[key][s]})
        if len(spread) >= 2 and all(len({b.host for b in binds[key][s]}) <= 1 for s in claimants):
            tail = "different hosts: harmless until they share one"
        else:
            tail = "it does not bite today, but will once they run on one host"
        yield make_finding(
            CODE,
            NAME,
            SEVERITY,
            f"port {port} is shared: {listing(reasons)}; {tail}",
            port=port,
            services=tuple(claimants),
            hosts=tuple(hosts),
            locations=_locations(claimants, defaults[key], binds[key], deployed),
        )


def _bound_together(left: list[Binding], right: list[Binding]) -> bool:
    return any(a.host == b.host and a.protocol == b.protocol for a in left for b in right)


def _why(
    service: str,
    port: int,
    defaults: dict[str, list[PortFact]],
    binds: dict[str, list[Binding]],
    deployed: dict[str, list[Binding]],
) -> str:
    here = sorted({b.host for b in binds.get(service, [])})
    if here:
        return f"{service} binds {port} on {listing(here)}"
    elsewhere = sorted(
        {(b.port, b.host) for b in deployed.get(service, []) if b.scope is Scope.HOST}
    )
    if elsewhere:
        runs = listing(f"{p} on {h}" for p, h in elsewhere)
        return f"{service} defaults to {port} but runs on {runs}"
    contained = sorted({b.host for b in deployed.get(service, [])})
    if contained:
        return (
            f"{service} defaults to {port} but runs only inside a container on {listing(contained)}"
        )
    assert service in defaults
    return f"{service} defaults to {port} and is not deployed"


def _locations(
    claimants: list[str],
    defaults: dict[str, list[PortFact]],
    binds: dict[str, list[Binding]],
    deployed: dict[str, list[Binding]],
) -> tuple[Location, ...]:
    """Primary: the source default of a service that is not deployed (the one to move
    first), else the first source default, else the first binding."""
    undeployed = [s for s in claimants if s in defaults and not deployed.get(s)]
    ordered_defaults = sorted(
        min(defaults[s], key=PortFact.sort_key).location for s in claimants if s in defaults
    )
    if undeployed:
        first = min(defaults[undeployed[0]], key=PortFact.sort_key).location
        ordered_defaults.remove(first)
        ordered_defaults.insert(0, first)
    bound = sorted(
        {min(binds[s], key=lambda b: b.location).location for s in claimants if binds.get(s)}
    )
    locations: list[Location] = []
    for location in [*ordered_defaults, *bound]:
        if location not in locations:
            locations.append(location)
    return tuple(locations)
