"""PS008 range-violation: a service's port lies outside the range its category declares
in config (``[services.X] category`` and ``[ranges]``)."""

from __future__ import annotations

from collections.abc import Iterator

from portscan.analyze.base import Context
from portscan.model import TAG_TEST, Finding, Location, Role, Scope, Severity, make_finding

CODE = "PS008"
NAME = "range-violation"
SEVERITY = Severity.WARNING
SUMMARY = "a port lies outside the range its service's category declares in config"


def check(context: Context) -> Iterator[Finding]:
    ranges = {name: (low, high) for name, low, high in context.config.ranges}
    categories = {
        service.name: service.category
        for service in context.config.services
        if service.category in ranges
    }
    seen: set[tuple[str, int]] = set()
    places: list[tuple[str, int, Location, str | None]] = []
    for fact in context.graph.facts:
        if fact.service in categories and fact.role is Role.DEFAULT and TAG_TEST not in fact.tags:
            places.append((fact.service, fact.port, fact.location, None))
    for binding in context.graph.bindings:
        if binding.service in categories and binding.scope is Scope.HOST:
            places.append((binding.service, binding.port, binding.location, binding.host))
    for service, port, location, host in sorted(places, key=lambda p: (p[0], p[1], p[2])):
        category = categories[service]
        assert category is not None
        low, high = ranges[category]
        if low <= port <= high or (service, port) in seen:
            continue
        seen.add((service, port))
        where = f" on {host}" if host else ""
        yield make_finding(
            CODE,
            NAME,
            SEVERITY,
            f"{service} uses port {port}{where}, outside its category {category!r} ({low}-{high})",
            port=port,
            services=(service,),
            hosts=(host,) if host else (),
            locations=(location,),
        )
