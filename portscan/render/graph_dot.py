"""``portscan graph --format dot``: a Graphviz ``digraph`` of services, hosts and ports.

Hosts are ``cluster_`` subgraphs, ports circles, services boxes. Every id is a quoted
DOT string (``"port:mac-mini:3015/tcp"``) with ``\\`` and ``"`` escaped, so any service or
host name is valid. Source defaults are dashed; collisions and dangling or misrouted
references are red. Render with ``dot -Tsvg``.
"""

from __future__ import annotations

from portscan.model import ScanResult
from portscan.render.base import RenderOptions
from portscan.render.diagram import EDGE_DEFAULT, KIND_EXTERNAL, KIND_FILE, KIND_PORT, Node, build

ALERT_COLOR = "#dd3333"

_SHAPES = {KIND_PORT: "circle", KIND_FILE: "note", KIND_EXTERNAL: "hexagon"}


def quote(text: str) -> str:
    """A DOT quoted string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def attributes(pairs: list[tuple[str, str]]) -> str:
    return "[" + ", ".join(f"{key}={value}" for key, value in pairs) + "]"


def node_line(node: Node) -> str:
    pairs = [("label", quote(node.label)), ("shape", _SHAPES.get(node.kind, "box"))]
    if node.alert:
        pairs += [("color", quote(ALERT_COLOR)), ("fontcolor", quote(ALERT_COLOR))]
    return f"{quote(node.id)} {attributes(pairs)};"


def render(result: ScanResult, options: RenderOptions) -> str:
    diagram = build(result)
    lines = [
        "digraph portscan {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for cluster in diagram.clusters:
        lines.append(f"  subgraph {quote('cluster_' + cluster.id)} {{")
        lines.append(f"    label={quote(cluster.label)};")
        lines += [f"    {node_line(n)}" for n in diagram.nodes if n.cluster == cluster.id]
        lines.append("  }")
    lines += [f"  {node_line(n)}" for n in diagram.nodes if n.cluster is None]
    for edge in diagram.edges:
        pairs = [("label", quote(edge.label))]
        if edge.kind == EDGE_DEFAULT:
            pairs.append(("style", "dashed"))
        if edge.alert:
            pairs += [("color", quote(ALERT_COLOR)), ("fontcolor", quote(ALERT_COLOR))]
        lines.append(f"  {quote(edge.source)} -> {quote(edge.target)} {attributes(pairs)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
