"""Questions a person asks of a scanned graph: the port table, and who uses one port.

Pure functions over a :class:`~portscan.model.Graph`; the ``ports`` and ``who`` commands
render what they return. Nothing here parses, prints or judges (that is analyze's job).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from portscan.model import (
    TAG_EXAMPLE,
    TAG_IMAGE,
    Binding,
    Graph,
    Landing,
    LandingStatus,
    Location,
    PortFact,
)
from portscan.resolve import defaults_by_service

#: The ``host`` of a port-table row for a source default (in text and Markdown).
DEFAULT_HOST = "(default)"
#: The group of ``who`` uses that belong to no host (source code, docs).
SOURCE_GROUP = "(source)"
#: The group of ``who`` references that point outside what the repository describes.
EXTERNAL_GROUP = "(external)"

SCOPE_SOURCE = "source"


@dataclass(frozen=True, slots=True)
class PortRow:
    """One line of the port table: a service's port on a host, or its source default.

    ``host`` is None for a source default. ``via`` is the binding's (``override``,
    ``publish``, ``declared``) or, for a default, ``default``/``image``/``example``.
    ``scope`` is ``host``, ``container`` or ``source``.
    """

    port: int
    protocol: str
    host: str | None
    service: str
    via: str
    scope: str
    locations: tuple[Location, ...]

    def sort_key(self) -> tuple[int, str, bool, str, str, str, str]:
        return (
            self.port,
            self.protocol,
            self.host is None,
            self.host or "",
            self.service,
            self.via,
            self.scope,
        )


def _position(location: Location) -> tuple[str, int, int]:
    return (location.path, location.line, location.col)


def _default_via(fact: PortFact) -> str:
    if TAG_IMAGE in fact.tags:
        return "image"
    if TAG_EXAMPLE in fact.tags:
        return "example"
    return "default"


def port_table(graph: Graph) -> tuple[PortRow, ...]:
    """Every effective binding, and each service's source defaults, sorted by port.

    Defaults that say the same thing (service, port, kind) share one row with all their
    locations.
    """
    rows = [
        PortRow(
            port=binding.port,
            protocol=binding.protocol,
            host=binding.host,
            service=binding.service,
            via=binding.via,
            scope=binding.scope.value,
            locations=(binding.location,),
        )
        for binding in graph.bindings
    ]
    grouped: dict[tuple[str, int, str, str], list[Location]] = defaultdict(list)
    for service, facts in defaults_by_service(graph).items():
        for fact in facts:
            grouped[(service, fact.port, fact.protocol, _default_via(fact))].append(fact.location)
    for (service, port, protocol, via), places in grouped.items():
        ordered = tuple(sorted(places, key=_position))
        rows.append(PortRow(port, protocol, None, service, via, SCOPE_SOURCE, ordered))
    return tuple(sorted(rows, key=PortRow.sort_key))


@dataclass(frozen=True, slots=True)
class Use:
    """One statement about a port, for ``portscan who``.

    ``group`` is the host it holds on (for a reference: the host it lands on),
    :data:`SOURCE_GROUP` or :data:`EXTERNAL_GROUP`. ``role`` is a fact's role or
    ``declared`` for a deployment declared in config. ``binds`` marks the statement that
    decides a service's effective binding; ``landing`` is a reference's landing status.
    """

    group: str
    role: str
    service: str | None
    protocol: str
    location: Location
    env: str | None = None
    target: str | None = None
    tags: tuple[str, ...] = ()
    binds: bool = False
    landing: str | None = None

    def sort_key(self) -> tuple[int, str, tuple[str, int, int], str, str]:
        group_rank = {EXTERNAL_GROUP: 1, SOURCE_GROUP: 2}.get(self.group, 0)
        return (group_rank, self.group, _position(self.location), self.role, self.service or "")


def _binding_key(binding: Binding) -> tuple[str, str, int, Location]:
    return (binding.service, binding.host, binding.port, binding.location)


def _group(fact: PortFact, landing: Landing | None) -> str:
    """A reference belongs to the host it lands on; anything else to its own host."""
    if landing is not None and landing.status is LandingStatus.EXTERNAL:
        return EXTERNAL_GROUP
    if landing is not None and landing.host is not None:
        return landing.host
    return fact.host or SOURCE_GROUP


def who_uses(graph: Graph, port: int) -> tuple[Use, ...]:
    """Everything that binds, publishes, exposes, references, documents or declares
    ``port``, grouped by host (hosts sorted, then external, then source), in file order."""
    binding_keys = {_binding_key(b) for b in graph.bindings}
    landings = {landing.reference: landing for landing in graph.landings}
    uses: list[Use] = []
    for fact in graph.facts:
        if fact.port != port:
            continue
        landing = landings.get(fact)
        binds = (
            fact.service is not None
            and fact.host is not None
            and (fact.service, fact.host, fact.port, fact.location) in binding_keys
        )
        uses.append(
            Use(
                group=_group(fact, landing),
                role=fact.role.value,
                service=fact.service,
                protocol=fact.protocol,
                location=fact.location,
                env=fact.env,
                target=fact.target,
                tags=fact.tags,
                binds=binds,
                landing=landing.status.value if landing is not None else None,
            )
        )
    uses += [
        Use(
            group=binding.host,
            role="declared",
            service=binding.service,
            protocol=binding.protocol,
            location=binding.location,
            binds=True,
        )
        for binding in graph.bindings
        if binding.port == port and binding.via == "declared"
    ]
    return tuple(sorted(uses, key=Use.sort_key))


__all__ = [
    "DEFAULT_HOST",
    "EXTERNAL_GROUP",
    "SOURCE_GROUP",
    "PortRow",
    "Use",
    "port_table",
    "who_uses",
]
