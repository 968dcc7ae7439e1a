"""PS006 dangling-reference: a route, proxy, scrape target, healthcheck or client URL
points at a host:port where nothing binds, or where a different service binds than the
one it names (a misroute)."""

from __future__ import annotations

from collections.abc import Iterator

from portscan.analyze.base import Context, where
from portscan.model import (
    TAG_NAME,
    Finding,
    Landing,
    LandingStatus,
    Severity,
    make_finding,
    tag_values,
)

CODE = "PS006"
NAME = "dangling-reference"
SEVERITY = Severity.ERROR
SUMMARY = "a reference points at a host:port where nothing binds, or where another service binds"


def check(context: Context) -> Iterator[Finding]:
    for landing in context.graph.landings:
        if landing.status is LandingStatus.DANGLING:
            yield _dangling(landing)
        elif landing.status is LandingStatus.MISROUTE:
            yield _misroute(landing)


def _source(landing: Landing) -> str:
    """``route flux.acme.dev to localhost:5140 (path:line)``, ``web's reference (API_URL)
    to api:3000 (path:line)``."""
    fact = landing.reference
    names = tag_values(fact.tags, TAG_NAME)
    if names:
        what = f"route {names[0]}"
    else:
        holder = f"{fact.service}'s " if fact.service else ""
        variable = f" ({fact.env})" if fact.env else ""
        what = f"{holder}reference{variable}"
    return f"{what} to {fact.target}:{fact.port} ({where(fact.location)})"


def _dangling(landing: Landing) -> Finding:
    fact = landing.reference
    host = landing.host or "its host"
    if landing.expected is not None:
        services: tuple[str, ...] = (landing.expected,)
        nothing = f"{landing.expected} does not listen on {fact.port} on {host}"
    else:
        services = ()
        nothing = f"nothing binds {fact.port} on {host}"
    return make_finding(
        CODE,
        NAME,
        SEVERITY,
        f"{_source(landing)} lands on nothing: {nothing}",
        port=fact.port,
        services=tuple(s for s in (fact.service, *services) if s),
        hosts=(landing.host,) if landing.host else (),
        locations=(fact.location,),
    )


def _misroute(landing: Landing) -> Finding:
    fact = landing.reference
    binding = landing.binding
    assert binding is not None
    assert landing.expected is not None
    return make_finding(
        CODE,
        NAME,
        SEVERITY,
        f"{_source(landing)} means {landing.expected}, but {fact.port} on {binding.host} is "
        f"bound by {binding.service} ({where(binding.location)})",
        port=fact.port,
        services=tuple(s for s in (fact.service, landing.expected, binding.service) if s),
        hosts=(binding.host,),
        locations=(fact.location, binding.location),
    )
