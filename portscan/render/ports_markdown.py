"""``portscan ports --format markdown``: the port table as a GitHub-flavoured table."""

from __future__ import annotations

from collections.abc import Sequence

from portscan.audit import PortRow
from portscan.render.ports_text import HEADER, cells
from portscan.render.table import markdown_table


def render(rows: Sequence[PortRow]) -> str:
    if not rows:
        return "No ports found.\n"
    header = tuple(title.lower() for title in HEADER)
    return "\n".join(markdown_table(header, [cells(row) for row in rows])) + "\n"
