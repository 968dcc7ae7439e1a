"""``portscan graph --format json``: the drawn graph as data (version 1).

``clusters`` (hosts, then ``defaults``), ``nodes`` (``id``, ``kind``: service | port |
file | external, ``label``, ``cluster``, ``alert``) and ``edges`` (``source``,
``target``, ``kind``: bind | default | reference, ``label``, ``alert``), all sorted.
"""

from __future__ import annotations

import json

from portscan.model import ScanResult
from portscan.render.base import RenderOptions
from portscan.render.diagram import build

VERSION = 1


def render(result: ScanResult, options: RenderOptions) -> str:
    diagram = build(result)
    document = {
        "version": VERSION,
        "clusters": [{"id": c.id, "label": c.label} for c in diagram.clusters],
        "nodes": [
            {"id": n.id, "kind": n.kind, "label": n.label, "cluster": n.cluster, "alert": n.alert}
            for n in diagram.nodes
        ],
        "edges": [
            {
                "source": e.source,
                "target": e.target,
                "kind": e.kind,
                "label": e.label,
                "alert": e.alert,
            }
            for e in diagram.edges
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
