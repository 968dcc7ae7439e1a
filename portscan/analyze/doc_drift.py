"""PS005 doc-drift: a doc claims a port for a service that its code or deployment does
not use. A claim that matches the source default but not production says so."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from portscan.analyze.base import Context, listing, where
from portscan.model import Binding, Finding, PortFact, Role, Severity, make_finding
from portscan.resolve import defaults_by_service

CODE = "PS005"
NAME = "doc-drift"
SEVERITY = Severity.WARNING
SUMMARY = "a doc claims a port for a service that its code or deployment does not use"


def check(context: Context) -> Iterator[Finding]:
    graph = context.graph
    defaults = defaults_by_service(graph)
    bindings: dict[str, list[Binding]] = defaultdict(list)
    for binding in graph.bindings:
        bindings[binding.service].append(binding)
    for fact in graph.facts:
        if fact.role is not Role.DOC or fact.service is None:
            continue
        service = fact.service
        default_ports = sorted({f.port for f in defaults.get(service, [])})
        bound = bindings.get(service, [])
        if not default_ports and not bound:
            continue  # nothing known about the service: the doc cannot be judged
        if any(b.port == fact.port for b in bound):
            continue
        if fact.port in default_ports and not bound:
            continue  # documents the default of a service that runs nowhere we know
        yield _finding(fact, default_ports, bound, defaults.get(service, []))


def _finding(
    fact: PortFact, default_ports: list[int], bound: list[Binding], defaults: list[PortFact]
) -> Finding:
    runs = listing(
        f"{b.host} binds {b.port}" for b in sorted(bound, key=lambda b: (b.host, b.port))
    )
    if fact.port in default_ports:
        reality = f"documents the default; production differs: {runs}"
    else:
        parts = []
        if defaults:
            first = min(defaults, key=PortFact.sort_key)
            ports = listing(str(p) for p in default_ports)
            parts.append(f"its code defaults to {ports} ({where(first.location)})")
        if bound:
            parts.append(runs)
        reality = "; ".join(parts)
    related = [b.location for b in sorted(bound, key=lambda b: (b.host, b.port))]
    if defaults:
        related.insert(0, min(defaults, key=PortFact.sort_key).location)
    return make_finding(
        CODE,
        NAME,
        SEVERITY,
        f"{fact.location.path} says {fact.service} uses port {fact.port}, but {reality}",
        port=fact.port,
        services=(fact.service,) if fact.service else (),
        hosts=tuple(b.host for b in bound),
        locations=(fact.location, *related),
    )
