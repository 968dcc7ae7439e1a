"""``portscan who PORT``: every statement about one port, grouped by host.

    mac-mini
      docker-compose.macmini.yml:15:10  publish   mana-media  binds
    (source)
      services/mana-media/main.py:5:31  default   mana-media  env=PORT

``binds`` marks the statement that decides a service's effective binding; a reference
shows where it lands (``lands``, ``dangling``, ``misroute``, ``external``).
"""

from __future__ import annotations

from collections.abc import Sequence

from portscan.audit import Use
from portscan.render.table import align


def details(use: Use) -> str:
    parts: list[str] = []
    if use.protocol != "tcp":
        parts.append(use.protocol)
    if use.env:
        parts.append(f"env={use.env}")
    if use.target:
        parts.append(f"target={use.target}")
    parts += use.tags
    if use.binds:
        parts.append("binds")
    if use.landing:
        parts.append(use.landing)
    return ", ".join(parts)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def render(port: int, uses: Sequence[Use]) -> str:
    if not uses:
        return f"Nothing uses port {port}.\n"
    rows = align(
        [[str(u.location), u.role, u.service or "-", details(u)] for u in uses], indent="  "
    )
    lines: list[str] = []
    current: str | None = None
    for use, row in zip(uses, rows, strict=True):
        if use.group != current:
            if current is not None:
                lines.append("")
            lines.append(use.group)
            current = use.group
        lines.append(row)
    lines += ["", f"{_plural(len(uses), 'statement')} about port {port}."]
    return "\n".join(lines) + "\n"
