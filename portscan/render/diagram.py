"""The service/host/port graph as plain nodes and edges, for the ``graph`` formats.

Layout, shared by ``mermaid``, ``dot`` and ``json``:

- one cluster per host, holding the ports bound there: ``port:<host>:<port>/<proto>``
  for a host port, ``port:<host>:<service>:<port>/<proto>`` for a port bound inside one
  service's container (two containers may both listen on 3000);
- one cluster ``defaults`` for source defaults: ``default:<port>/<proto>``, so two
  services that default to one port point at one node;
- a node per service, outside every cluster (a service may run on several hosts);
- edges service -> port labelled by the binding's ``via`` (``override``, ``publish``,
  ``declared``) or ``default``; reference edges from the referring service (or file,
  when no service is known) to the port the reference lands on, as resolve's landings
  say; a reference to a host the repository does not describe points at a node of its
  own, outside every cluster.

``alert`` marks what is drawn red: the bindings of an ``active-collision`` finding and
their port, a dangling or misrouted reference and the port it points at. Everything is
sorted, so the same result draws the same bytes. This module reads the result only; it
judges nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from portscan.model import (
    Binding,
    Landing,
    LandingStatus,
    PortFact,
    ScanResult,
    Scope,
)
from portscan.render.table import port_label
from portscan.resolve import defaults_by_service

DEFAULTS_CLUSTER = "defaults"
COLLISION_CODE = "PS001"

KIND_SERVICE, KIND_PORT, KIND_FILE, KIND_EXTERNAL = "service", "port", "file", "external"
EDGE_BIND, EDGE_DEFAULT, EDGE_REFERENCE = "bind", "default", "reference"


@dataclass(frozen=True, slots=True)
class Cluster:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    kind: str
    label: str
    cluster: str | None = None
    alert: bool = False


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: str
    label: str
    alert: bool = False


@dataclass(frozen=True, slots=True)
class Diagram:
    clusters: tuple[Cluster, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def host_cluster(host: str) -> str:
    return f"host:{host}"


def service_node(service: str) -> str:
    return f"service:{service}"


def binding_node(binding: Binding) -> str:
    proto = f"{binding.port}/{binding.protocol}"
    if binding.scope is Scope.CONTAINER:
        return f"port:{binding.host}:{binding.service}:{proto}"
    return f"port:{binding.host}:{proto}"


def binding_label(binding: Binding) -> str:
    label = port_label(binding.port, binding.protocol)
    return f"{label} in container" if binding.scope is Scope.CONTAINER else label


class _Builder:
    """Collects nodes and edges; a node or edge seen twice merges (labels, alerts)."""

    def __init__(self) -> None:
        self.clusters: dict[str, Cluster] = {}
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str, str], tuple[set[str], bool]] = {}

    def node(self, node: Node) -> str:
        if node.cluster is not None and node.cluster.startswith("host:"):
            host = node.cluster.removeprefix("host:")
            self.clusters.setdefault(node.cluster, Cluster(node.cluster, host))
        known = self.nodes.get(node.id)
        if known is None or (node.alert and not known.alert):
            self.nodes[node.id] = node
        return node.id

    def edge(self, source: str, target: str, kind: str, label: str, alert: bool) -> None:
        labels, alerted = self.edges.get((source, target, kind), (set(), False))
        self.edges[(source, target, kind)] = (labels | {label}, alerted or alert)

    def diagram(self) -> Diagram:
        clusters = sorted(self.clusters.values(), key=lambda c: c.id)
        if any(node.cluster == DEFAULTS_CLUSTER for node in self.nodes.values()):
            clusters.append(Cluster(DEFAULTS_CLUSTER, "source defaults"))
        edges = [
            Edge(source, target, kind, ", ".join(sorted(labels)), alert)
            for (source, target, kind), (labels, alert) in self.edges.items()
        ]
        return Diagram(
            clusters=tuple(clusters),
            nodes=tuple(sorted(self.nodes.values(), key=lambda n: n.id)),
            edges=tuple(sorted(edges, key=lambda e: (e.source, e.target, e.kind, e.label))),
        )


def _collision_keys(result: ScanResult) -> set[tuple[str, str, int, tuple[str, int]]]:
    """(service, host, port, place) of every binding an active-collision names."""
    keys: set[tuple[str, str, int, tuple[str, int]]] = set()
    for finding in result.findings:
        if finding.code != COLLISION_CODE or finding.port is None:
            continue
        for service in finding.services:
            for host in finding.hosts:
                for location in finding.locations:
                    keys.add((service, host, finding.port, (location.path, location.line)))
    return keys


def _referrer(builder: _Builder, fact: PortFact) -> str:
    if fact.service is not None:
        return builder.node(Node(service_node(fact.service), KIND_SERVICE, fact.service))
    path = fact.location.path
    return builder.node(Node(f"file:{path}", KIND_FILE, path))


def _landing_target(builder: _Builder, landing: Landing) -> tuple[str, str, bool]:
    """The node a reference points at, the edge label, and whether it is an alert."""
    fact = landing.reference
    label = port_label(fact.port, fact.protocol)
    status = landing.status.value
    if landing.host is None:  # external, or a host the repository does not name
        target = fact.target or "?"
        node_id = f"{status}:{target}:{fact.port}/{fact.protocol}"
        builder.node(Node(node_id, KIND_EXTERNAL, f"{target}:{label}"))
        external = landing.status is LandingStatus.EXTERNAL
        return node_id, "reference" if external else f"reference ({status})", False
    alert = landing.status in (LandingStatus.DANGLING, LandingStatus.MISROUTE)
    if landing.binding is not None:
        node_id = binding_node(landing.binding)
        node = Node(
            node_id,
            KIND_PORT,
            binding_label(landing.binding),
            host_cluster(landing.binding.host),
            alert,
        )
    else:
        node_id = f"port:{landing.host}:{fact.port}/{fact.protocol}"
        node = Node(node_id, KIND_PORT, label, host_cluster(landing.host), alert)
    builder.node(node)
    if landing.status is LandingStatus.DANGLING:
        return node_id, "dangling reference", True
    if landing.status is LandingStatus.MISROUTE:
        return node_id, f"misroute (expects {landing.expected or '?'})", True
    if landing.status is LandingStatus.LANDS:
        return node_id, "reference", False
    return node_id, f"reference ({status})", False


def build(result: ScanResult) -> Diagram:
    graph = result.graph
    builder = _Builder()
    for service in graph.services:
        builder.node(Node(service_node(service), KIND_SERVICE, service))
    collisions = _collision_keys(result)
    for binding in graph.bindings:
        place = (binding.location.path, binding.location.line)
        alert = binding.scope is Scope.HOST and (
            (binding.service, binding.host, binding.port, place) in collisions
        )
        port = builder.node(
            Node(
                binding_node(binding),
                KIND_PORT,
                binding_label(binding),
                host_cluster(binding.host),
                alert,
            )
        )
        builder.edge(service_node(binding.service), port, EDGE_BIND, binding.via, alert)
    for service, facts in sorted(defaults_by_service(graph).items()):
        for fact in facts:
            node = Node(
                f"default:{fact.port}/{fact.protocol}",
                KIND_PORT,
                port_label(fact.port, fact.protocol),
                DEFAULTS_CLUSTER,
            )
            builder.edge(service_node(service), builder.node(node), EDGE_DEFAULT, "default", False)
    for landing in graph.landings:
        source = _referrer(builder, landing.reference)
        target, label, alert = _landing_target(builder, landing)
        builder.edge(source, target, EDGE_REFERENCE, label, alert)
    return builder.diagram()


__all__ = ["Cluster", "Diagram", "Edge", "Node", "build"]
