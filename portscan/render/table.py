"""Small helpers the table-shaped outputs share (``ports``, ``who``): columns, labels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from portscan.model import Location


def align(rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    """Rows padded into left-aligned columns two spaces apart; no trailing blanks."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        padded = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append((indent + "  ".join(padded)).rstrip())
    return lines


def port_label(port: int, protocol: str) -> str:
    """``3025`` for TCP, ``53/udp`` otherwise."""
    return str(port) if protocol == "tcp" else f"{port}/{protocol}"


def places(locations: Iterable[Location]) -> str:
    """``a.py:3, b.sh:9``: where something is set, by line."""
    return ", ".join(f"{location.path}:{location.line}" for location in locations)


def markdown_cell(value: str) -> str:
    """A value safe inside a Markdown table cell."""
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A GitHub-flavoured Markdown table; cells are escaped here."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(markdown_cell(cell) for cell in row) + " |" for row in rows]
    return lines
