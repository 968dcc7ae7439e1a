"""PS001 active-collision: two services bind one port and protocol on one host."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from portscan.analyze.base import Context, listing, where
from portscan.model import Binding, Finding, Scope, Severity, make_finding

CODE = "PS001"
NAME = "active-collision"
SEVERITY = Severity.ERROR
SUMMARY = "two different services bind the same port and protocol on the same host"


def check(context: Context) -> Iterator[Finding]:
    groups: dict[tuple[str, int, str], list[Binding]] = defaultdict(list)
    for binding in context.graph.bindings:
        if binding.scope is Scope.HOST:
            groups[(binding.host, binding.port, binding.protocol)].append(binding)
    for (host, port, protocol), bindings in sorted(groups.items()):
        services = sorted({b.service for b in bindings})
        if len(services) < 2:
            continue
        # One statement per service, in file order; the last one is what broke it.
        chosen: dict[str, Binding] = {}
        for binding in sorted(bindings, key=lambda b: b.location):
            chosen.setdefault(binding.service, binding)
        ordered = sorted(chosen.values(), key=lambda b: b.location)
        who = listing(f"{b.service} ({b.via}, {where(b.location)})" for b in ordered)
        yield make_finding(
            CODE,
            NAME,
            SEVERITY,
            f"port {port}/{protocol} is bound twice on host {host}: {who}",
            port=port,
            services=tuple(services),
            hosts=(host,),
            locations=(ordered[-1].location, *(b.location for b in ordered[:-1])),
        )
