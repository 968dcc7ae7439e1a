"""``--format text``: one block per finding, grouped by file, and a one-line summary.

    services/flux/main.py:1:30: PS003 override-drift [warning] flux defaults to 5126 ...
        also: deploy/box/com.acme.flux.plist:8:13

Colour only when asked (the CLI asks when stdout is a terminal).
"""

from __future__ import annotations

from collections import Counter

from portscan.model import ScanResult, Severity
from portscan.render import notes
from portscan.render.base import RenderOptions

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary(result: ScanResult) -> str:
    counts = Counter(finding.severity for finding in result.findings)
    scanned = f"{_plural(result.stats.files, 'file')} scanned"
    hidden = f"; {notes.hidden(result)}" if notes.hidden(result) else ""
    if not result.findings:
        return f"No findings; {scanned}{hidden}."
    parts = [
        f"{counts[severity]} {severity.value}"
        if severity is Severity.INFO
        else _plural(counts[severity], severity.value)
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if counts[severity]
    ]
    return f"{_plural(len(result.findings), 'finding')} ({', '.join(parts)}); {scanned}{hidden}."


def render(result: ScanResult, options: RenderOptions) -> str:
    def paint(style: str, value: str) -> str:
        return f"{style}{value}{_RESET}" if options.color else value

    lines: list[str] = []
    current_path: str | None = None
    for finding in result.findings:
        primary = finding.locations[0]
        if current_path is not None and primary.path != current_path:
            lines.append("")
        current_path = primary.path
        label = paint(_COLORS[finding.severity], f"[{finding.severity.value}]")
        lines.append(
            f"{paint(_BOLD, str(primary))}: {finding.code} {finding.name} {label} {finding.message}"
        )
        for related in finding.locations[1:]:
            lines.append(paint(_DIM, f"    also: {related}"))
    if lines:
        lines.append("")
    remarks = notes.text_lines(result)
    if remarks:
        lines += [*remarks, ""]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"
