"""PS004 inconsistent-default: one service's own files disagree on its default port."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from portscan.analyze.base import Context, listing, where
from portscan.model import Finding, PortFact, Severity, make_finding
from portscan.resolve import channel_of, defaults_by_service

CODE = "PS004"
NAME = "inconsistent-default"
SEVERITY = Severity.WARNING
SUMMARY = "one service's own files disagree on its default port"


def check(context: Context) -> Iterator[Finding]:
    for service, facts in sorted(defaults_by_service(context.graph).items()):
        channels: dict[str, list[PortFact]] = defaultdict(list)
        for fact in facts:
            channels[channel_of(fact, service)].append(fact)
        for channel, group in sorted(channels.items()):
            counts = Counter(fact.port for fact in group)
            if len(counts) < 2:
                continue
            # The most common port is taken as intended; the first odd one is the place to fix.
            majority = min(counts, key=lambda port: (-counts[port], port))
            ordered = sorted(group, key=PortFact.sort_key)
            odd = next(fact for fact in ordered if fact.port != majority)
            firsts: dict[int, PortFact] = {}
            for fact in ordered:
                firsts.setdefault(fact.port, fact)
            said = listing(
                f"{fact.port} ({where(fact.location)})"
                for fact in sorted(firsts.values(), key=PortFact.sort_key)
            )
            what = "its default port" if channel == "PORT" else f"its default {channel}"
            yield make_finding(
                CODE,
                NAME,
                SEVERITY,
                f"{service}'s own files disagree on {what}: {said}",
                port=odd.port,
                services=(service,),
                hosts=(),
                locations=(
                    odd.location,
                    *(f.location for f in ordered if f.location != odd.location),
                ),
            )
