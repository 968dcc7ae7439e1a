"""Where each reference lands, once services, hosts and bindings are known.

The target of a reference means a place:

- ``localhost``, ``127.0.0.1``, ``0.0.0.0``, ``::1``, ``host.docker.internal``: the host
  of the file that holds the reference. Inside a compose service (an ``environment`` URL,
  a healthcheck) ``localhost`` is that service's own container, and in a Dockerfile it is
  the image's container.
- a compose service name or ``container_name`` known on the referencing file's host: that
  service's container, where the *container* port counts;
- an entry of config ``[hosts.X] addresses``: host X;
- anything else is external and never judged.

A reference that names a service (the compose name it targets, the public name of its
route — ``calc.example.com`` names ``calc`` or ``calc-web`` —, or its variable,
``BILLING_URL`` names ``billing``) and lands on a different service is a misroute.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portscan.config import Config
from portscan.model import (
    TAG_ALIAS,
    TAG_NAME,
    TAG_TEST,
    Binding,
    Landing,
    LandingStatus,
    PortFact,
    Role,
    Scope,
    tag_values,
)

LOCAL_NAMES = frozenset(
    {"localhost", "127.0.0.1", "0.0.0.0", "::1", "::", "host.docker.internal", "[::1]"}
)
#: The roles that say a container listens on a port (see :meth:`Lander.container_ports`).
_LISTENING = frozenset({Role.EXPOSE, Role.DEFAULT})
_URL_VARIABLE = re.compile(r"^(?P<name>.+?)_(?:URL|URI|ADDR|ADDRESS|HOST|ENDPOINT|BASE_URL)$")


@dataclass(frozen=True, slots=True)
class _Place:
    """What a target means: a host, or one service's container on a host."""

    host: str
    container_of: str | None = None


@dataclass(frozen=True, slots=True)
class Lander:
    """Resolves references against the facts and bindings of one scan.

    The facts and bindings are indexed once, by service and by host and port: asked of
    every reference by scanning them all, the questions below made resolve quadratic
    (a third of a second of a warm scan of 50,000 files)."""

    addresses: dict[str, str]  # address or host name -> host
    compose_names: dict[str, dict[str, str]]  # host -> {compose name: service}
    services: frozenset[str]
    hosts_of: dict[str, frozenset[str]]  # service -> the hosts it has bindings on
    container_bound: dict[str, frozenset[int]]  # service -> its container-scope ports
    listening: dict[str, tuple[PortFact, ...]]  # service -> its exposes and defaults, in order
    host_bindings: dict[tuple[str, int, str], tuple[Binding, ...]]  # (host, port, protocol)
    by_suffix: dict[str, frozenset[str]]  # "web" and "logs-web" -> {"acme-logs-web", ...}
    by_prefix: dict[str, frozenset[str]]  # "acme" and "acme-logs" -> {"acme-logs-web", ...}

    @classmethod
    def build(
        cls,
        facts: Sequence[PortFact],
        raw_hints: Sequence[str | None],
        bindings: Sequence[Binding],
        config: Config,
    ) -> Lander:
        """``raw_hints[i]`` is the service hint ``facts[i]`` had before naming."""
        addresses = {
            address.lower(): host.name for host in config.hosts for address in host.addresses
        }
        compose_names: dict[str, dict[str, str]] = defaultdict(dict)
        for fact, hint in zip(facts, raw_hints, strict=True):
            if fact.extractor != "compose" or fact.host is None or fact.service is None:
                continue
            names = compose_names[fact.host]
            for name in (hint, fact.service, *tag_values(fact.tags, TAG_ALIAS)):
                if name:
                    names.setdefault(name.lower(), fact.service)
        services = frozenset(f.service for f in facts if f.service) | {b.service for b in bindings}
        hosts_of: dict[str, set[str]] = defaultdict(set)
        container_bound: dict[str, set[int]] = defaultdict(set)
        host_bindings: dict[tuple[str, int, str], list[Binding]] = defaultdict(list)
        for binding in bindings:
            hosts_of[binding.service].add(binding.host)
            if binding.scope is Scope.CONTAINER:
                container_bound[binding.service].add(binding.port)
            else:
                key = (binding.host, binding.port, binding.protocol)
                host_bindings[key].append(binding)
        listening: dict[str, list[PortFact]] = defaultdict(list)
        for fact in facts:
            if fact.service is not None and fact.role in _LISTENING and TAG_TEST not in fact.tags:
                listening[fact.service].append(fact)
        by_suffix: dict[str, set[str]] = defaultdict(set)
        by_prefix: dict[str, set[str]] = defaultdict(set)
        for service in services:
            for at, char in enumerate(service):
                if char == "-":
                    by_suffix[service[at + 1 :]].add(service)
                    by_prefix[service[:at]].add(service)
        return cls(
            addresses,
            dict(compose_names),
            services,
            {service: frozenset(hosts) for service, hosts in hosts_of.items()},
            {service: frozenset(ports) for service, ports in container_bound.items()},
            {service: tuple(found) for service, found in listening.items()},
            {key: tuple(found) for key, found in host_bindings.items()},
            {token: frozenset(found) for token, found in by_suffix.items()},
            {token: frozenset(found) for token, found in by_prefix.items()},
        )

    # -- where a reference points ------------------------------------------------------
    def place(self, fact: PortFact) -> _Place | str | None:
        """The place a reference's target means; ``"external"`` when outside the repo,
        None when the repository does not say which host the reference is on."""
        target = (fact.target or "").lower()
        if target in LOCAL_NAMES:
            if fact.extractor == "compose" and fact.service is not None and fact.host:
                return _Place(fact.host, container_of=fact.service)
            if fact.extractor == "dockerfile" and fact.service is not None:
                return _Place("(image)", container_of=fact.service)
            host = fact.host or self._only_host_of(fact.service)
            return _Place(host) if host else None
        if target in self.addresses:
            return _Place(self.addresses[target])
        host = fact.host or self._only_host_of(fact.service)
        if host is not None and target in self.compose_names.get(host, {}):
            return _Place(host, container_of=self.compose_names[host][target])
        return "external"

    def _only_host_of(self, service: str | None) -> str | None:
        hosts = self.hosts_of.get(service, frozenset()) if service is not None else frozenset()
        return next(iter(hosts)) if len(hosts) == 1 else None

    # -- what listens there --------------------------------------------------------------
    def container_ports(self, service: str) -> set[int]:
        """The ports a service's container listens on: its container-scope bindings,
        its exposed ports, and (when nothing overrides them) its source defaults."""
        ports = set(self.container_bound.get(service, ()))
        for fact in self.listening.get(service, ()):
            if fact.role is Role.EXPOSE or (fact.role is Role.DEFAULT and not ports):
                ports.add(fact.port)
        return ports

    def expected_service(self, fact: PortFact, place: _Place) -> str | None:
        """The service a reference names, when it names one we know."""
        if place.container_of is not None and (fact.target or "").lower() not in LOCAL_NAMES:
            return place.container_of
        for name in tag_values(fact.tags, TAG_NAME):
            label = name.split(".")[0].lower()
            found = self._match(label)
            if found is not None:
                return found
        if fact.env:
            match = _URL_VARIABLE.match(fact.env.upper())
            if match:
                return self._match(match.group("name").lower().replace("_", "-"))
        return None

    def _match(self, token: str) -> str | None:
        """A known service for a name token: exact, ``*-token``, or ``token-*``; unique."""
        if not token or token in LOCAL_NAMES:
            return None
        if token in self.services:
            return token
        # The services ending in "-token", then those starting with "token-".
        for candidates in (self.by_suffix.get(token, ()), self.by_prefix.get(token, ())):
            if len(candidates) == 1:
                return next(iter(candidates))
        return None

    def land(self, fact: PortFact) -> Landing:
        place = self.place(fact)
        if place == "external":
            return Landing(fact, LandingStatus.EXTERNAL, None)
        if not isinstance(place, _Place):
            return Landing(fact, LandingStatus.UNKNOWN, None)
        expected = self.expected_service(fact, place)
        if place.container_of is not None:
            ports = self.container_ports(place.container_of)
            if not ports:
                return Landing(fact, LandingStatus.UNKNOWN, place.host, None, expected)
            if fact.port not in ports:
                return Landing(fact, LandingStatus.DANGLING, place.host, None, expected)
            binding = Binding(
                service=place.container_of,
                host=place.host,
                port=fact.port,
                protocol=fact.protocol,
                via="container",
                location=fact.location,
                scope=Scope.CONTAINER,
            )
            return Landing(fact, LandingStatus.LANDS, place.host, binding, expected)
        there = self.host_bindings.get((place.host, fact.port, fact.protocol), ())
        if not there:
            return Landing(fact, LandingStatus.DANGLING, place.host, None, expected)
        if expected is not None:
            for binding in there:
                if binding.service == expected:
                    return Landing(fact, LandingStatus.LANDS, place.host, binding, expected)
            return Landing(fact, LandingStatus.MISROUTE, place.host, there[0], expected)
        return Landing(fact, LandingStatus.LANDS, place.host, there[0], expected)


def land_references(
    facts: Sequence[PortFact],
    raw_hints: Sequence[str | None],
    bindings: Sequence[Binding],
    config: Config,
) -> tuple[Landing, ...]:
    """A landing for every reference fact outside test code, in fact order."""
    lander = Lander.build(facts, raw_hints, bindings, config)
    return tuple(lander.land(fact) for fact in _references(facts))


def _references(facts: Iterable[PortFact]) -> Iterable[PortFact]:
    return (f for f in facts if f.role is Role.REFERENCE and TAG_TEST not in f.tags)
