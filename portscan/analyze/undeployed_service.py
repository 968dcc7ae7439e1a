"""PS007 undeployed-service: a service has source defaults but runs on no known host."""

from __future__ import annotations

from collections.abc import Iterator

from portscan.analyze.base import Context
from portscan.model import Finding, PortFact, Severity, make_finding
from portscan.resolve import defaults_by_service

CODE = "PS007"
NAME = "undeployed-service"
SEVERITY = Severity.INFO
SUMMARY = "a service has source defaults but no deployment on any known host"


def check(context: Context) -> Iterator[Finding]:
    deployed = {binding.service for binding in context.graph.bindings}
    for service, facts in sorted(defaults_by_service(context.graph).items()):
        if service in deployed:
            continue
        first = min(facts, key=PortFact.sort_key)
        yield make_finding(
            CODE,
            NAME,
            SEVERITY,
            f"{service} defaults to {first.port} but is not deployed on any known host "
            "(no compose service, launchd job, unit or declared deployment sets its port)",
            port=first.port,
            services=(service,),
            hosts=(),
            locations=(first.location,),
        )
