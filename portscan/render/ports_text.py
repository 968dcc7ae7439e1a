"""``portscan ports --format text``: the port table as aligned columns.

PORT  HOST       SERVICE     VIA       WHERE
3015  mac-mini   mana-media  publish   docker-compose.macmini.yml:15
3015  (default)  mana-media  default   services/mana-media/main.py:5
"""

from __future__ import annotations

from collections.abc import Sequence

from portscan.audit import DEFAULT_HOST, PortRow
from portscan.render.table import align, places, port_label

HEADER = ("PORT", "HOST", "SERVICE", "VIA", "WHERE")


def via_label(row: PortRow) -> str:
    """The binding's kind; a port bound inside a container says so."""
    return f"{row.via} (container)" if row.scope == "container" else row.via


def cells(row: PortRow) -> tuple[str, str, str, str, str]:
    return (
        port_label(row.port, row.protocol),
        row.host or DEFAULT_HOST,
        row.service,
        via_label(row),
        places(row.locations),
    )


def render(rows: Sequence[PortRow]) -> str:
    if not rows:
        return "No ports found.\n"
    return "\n".join(align([HEADER, *(cells(row) for row in rows)])) + "\n"
