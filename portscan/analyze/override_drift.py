"""PS003 override-drift: a deployment overrides a service's listen port to a value its
source default does not have. The override is load-bearing: a redeploy without that
artifact lands on the default, and every client that followed production breaks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from portscan.analyze.base import Context, where
from portscan.model import Finding, PortFact, Severity, make_finding
from portscan.resolve import channel_of, defaults_by_service

CODE = "PS003"
NAME = "override-drift"
SEVERITY = Severity.WARNING
SUMMARY = "a deployment override differs from the service's source default"


def check(context: Context) -> Iterator[Finding]:
    defaults = defaults_by_service(context.graph)
    for binding in context.graph.bindings:
        if binding.via != "override" or binding.service not in defaults:
            continue
        by_channel: dict[str, list[PortFact]] = defaultdict(list)
        for fact in defaults[binding.service]:
            by_channel[channel_of(fact, binding.service)].append(fact)
        sources = by_channel.get(binding.channel)
        if not sources or any(fact.port == binding.port for fact in sources):
            continue
        source = min(sources, key=PortFact.sort_key)
        yield make_finding(
            CODE,
            NAME,
            SEVERITY,
            f"{binding.service} defaults to {source.port} ({where(source.location)}) but "
            f"{binding.host} runs it on {binding.port} ({where(binding.location)}): the "
            f"override is load-bearing; a deployment without it listens on {source.port}",
            port=source.port,
            services=(binding.service,),
            hosts=(binding.host,),
            locations=(source.location, binding.location),
        )
