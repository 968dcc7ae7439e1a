"""What the filter stage has to say beside the findings, in the words every format uses.

- an *unused suppression*: a ``portscan: ignore[...]`` comment that silenced nothing (or
  names no finding, or has no brackets);
- a *stale baseline entry*: an accepted finding that no longer occurs, so the baseline
  can shrink (``portscan baseline`` rewrites it);
- how many findings suppression comments and the baseline hid.

None of these changes the exit code.
"""

from __future__ import annotations

from typing import Any

from portscan.baseline import entry_document
from portscan.model import BaselineEntry, ScanResult, UnusedSuppression


def unused_line(note: UnusedSuppression) -> str:
    """``a.py:3: unused suppression: portscan: ignore[PS002] silences nothing here``"""
    return f"{note.path}:{note.line}: unused suppression: {note.message}"


def stale_line(entry: BaselineEntry) -> str:
    """``stale baseline entry: PS002 latent-collision port 3026 (a, b) no longer occurs``"""
    port = "" if entry.port is None else f" port {entry.port}"
    services = f" ({', '.join(entry.services)})" if entry.services else ""
    return (
        f"stale baseline entry: {entry.code} {entry.name}{port}{services} no longer occurs;"
        " 'portscan baseline' drops it"
    )


def text_lines(result: ScanResult) -> list[str]:
    """One line per unused suppression, then one per stale baseline entry."""
    return [
        *(unused_line(note) for note in result.unused_suppressions),
        *(stale_line(entry) for entry in result.stale_baseline),
    ]


def hidden(result: ScanResult) -> str:
    """``1 suppressed, 2 baselined`` (the parts that are not zero), or ``""``."""
    parts = []
    if result.suppressed:
        parts.append(f"{result.suppressed} suppressed")
    if result.baselined:
        parts.append(f"{result.baselined} baselined")
    return ", ".join(parts)


def unused_dict(note: UnusedSuppression) -> dict[str, Any]:
    return {
        "path": note.path,
        "line": note.line,
        "codes": list(note.codes),
        "message": note.message,
    }


def json_fields(result: ScanResult) -> dict[str, Any]:
    """The JSON document's ``unused_suppressions`` and ``stale_baseline`` lists."""
    return {
        "unused_suppressions": [unused_dict(note) for note in result.unused_suppressions],
        "stale_baseline": [entry_document(entry) for entry in result.stale_baseline],
    }


def json_stats(result: ScanResult) -> dict[str, int]:
    """The JSON ``stats`` counts of hidden findings."""
    return {"suppressed": result.suppressed, "baselined": result.baselined}
