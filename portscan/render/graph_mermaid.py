"""``portscan graph --format mermaid``: a Mermaid ``flowchart`` of services, hosts, ports.

Hosts are subgraphs, ports are circles, services boxes, files (a reference with no known
service) parallelograms, external targets hexagons. Source defaults are dashed edges into
the ``source defaults`` subgraph. Red (class ``alert`` and ``linkStyle``) marks collisions
and dangling or misrouted references. Ids keep ``[A-Za-z0-9_]`` only (with a hash suffix
only where two keys would sanitize alike); labels are quoted and escaped with Mermaid entity codes.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable

from portscan.model import ScanResult
from portscan.render.base import RenderOptions
from portscan.render.diagram import (
    EDGE_DEFAULT,
    KIND_EXTERNAL,
    KIND_FILE,
    KIND_PORT,
    Node,
    build,
)

ALERT_STYLE = "stroke:#d33,stroke-width:2px,color:#d33"

_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")
_PREFIXES = {"host": "h", "service": "s", "port": "p", "default": "d", "file": "f"}


def sanitize(key: str) -> str:
    """``port:mac-mini:3015/tcp`` -> ``p_mac_mini_3015_tcp``: a short kind prefix, then
    every run of characters Mermaid ids do not allow as one ``_``."""
    kind, sep, rest = key.partition(":")
    if not sep:
        return "g_" + _UNSAFE.sub("_", key)
    return _PREFIXES.get(kind, kind[:1] or "n") + "_" + _UNSAFE.sub("_", rest)


def id_map(keys: Iterable[str]) -> dict[str, str]:
    """A Mermaid id per key. Keys that sanitize alike get a hash suffix each, so
    distinct keys stay distinct and the usual ids stay readable."""
    unique = sorted(set(keys))
    counts = Counter(sanitize(key) for key in unique)
    return {
        key: sanitize(key)
        if counts[sanitize(key)] == 1
        else f"{sanitize(key)}_{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"
        for key in unique
    }


def label(text: str) -> str:
    """A quoted label; ``"``, ``#``, ``<`` and ``>`` as Mermaid entity codes."""
    escaped = (
        text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )
    return f'"{escaped}"'


def shape(node: Node) -> str:
    text = label(node.label)
    if node.kind == KIND_PORT:
        return f"(({text}))"
    if node.kind == KIND_FILE:
        return f"[/{text}/]"
    if node.kind == KIND_EXTERNAL:
        return "{{" + text + "}}"
    return f"[{text}]"


def render(result: ScanResult, options: RenderOptions) -> str:
    diagram = build(result)
    ids = id_map([c.id for c in diagram.clusters] + [n.id for n in diagram.nodes])
    lines = ["flowchart LR"]
    for cluster in diagram.clusters:
        lines.append(f"  subgraph {ids[cluster.id]}[{label(cluster.label)}]")
        members = [node for node in diagram.nodes if node.cluster == cluster.id]
        lines += [f"    {ids[node.id]}{shape(node)}" for node in members]
        lines.append("  end")
    lines += [f"  {ids[node.id]}{shape(node)}" for node in diagram.nodes if node.cluster is None]
    for edge in diagram.edges:
        arrow = "-.->" if edge.kind == EDGE_DEFAULT else "-->"
        lines.append(f"  {ids[edge.source]} {arrow}|{label(edge.label)}| {ids[edge.target]}")
    alert_nodes = [ids[node.id] for node in diagram.nodes if node.alert]
    alert_edges = [str(index) for index, edge in enumerate(diagram.edges) if edge.alert]
    if alert_nodes:
        lines.append(f"  classDef alert {ALERT_STYLE}")
        lines.append(f"  class {','.join(alert_nodes)} alert")
    if alert_edges:
        lines.append(f"  linkStyle {','.join(alert_edges)} {ALERT_STYLE}")
    return "\n".join(lines) + "\n"
