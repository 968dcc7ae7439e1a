"""PS009 reserved-port: a service binds a port reserved in config (``[reserved]``, such
as 5432 for postgres) or a privileged port (below 1024) on a host.

The owner of a reservation may bind it: a service whose name contains the reserved
label (``postgres`` binds 5432). Reverse proxies (nginx, caddy, traefik, haproxy,
envoy) may bind privileged ports; that is their job.
"""

from __future__ import annotations

from collections.abc import Iterator

from portscan.analyze.base import Context, where
from portscan.model import Binding, Finding, Scope, Severity, make_finding

CODE = "PS009"
NAME = "reserved-port"
SEVERITY = Severity.WARNING
SUMMARY = "a service binds a port reserved in config, or a privileged port"

PRIVILEGED_BELOW = 1024
PROXIES = ("nginx", "caddy", "traefik", "haproxy", "envoy")


def check(context: Context) -> Iterator[Finding]:
    reserved = dict(context.config.reserved)
    for binding in context.graph.bindings:
        if binding.scope is not Scope.HOST:
            continue
        owner = reserved.get(binding.port)
        if owner is not None:
            if owner.lower() in binding.service.lower():
                continue
            why = f"reserved for {owner} in config"
        elif binding.port < PRIVILEGED_BELOW:
            if any(proxy in binding.service.lower() for proxy in PROXIES):
                continue
            why = f"a privileged port (below {PRIVILEGED_BELOW})"
        else:
            continue
        yield _finding(binding, why)


def _finding(binding: Binding, why: str) -> Finding:
    return make_finding(
        CODE,
        NAME,
        SEVERITY,
        f"{binding.service} binds {binding.port} on {binding.host} ({binding.via}, "
        f"{where(binding.location)}): {why}",
        port=binding.port,
        services=(binding.service,),
        hosts=(binding.host,),
        locations=(binding.location,),
    )
