"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

    ::error file=compose.yml,line=7,col=10,endColumn=13,title=PS001 active-collision::port ...

Severity error/warning/info maps to ``::error``/``::warning``/``::notice``. Escaping
follows the runner: in the message ``%``, CR and LF become ``%25``, ``%0D``, ``%0A``; in
property values ``:`` and ``,`` also become ``%3A`` and ``%2C``. GitHub's ``endColumn``
is inclusive and columns may only be given for a one-line region. Related locations
follow the message as ``also:`` lines. Findings that touch ``RenderOptions.changed``
come first, the rest keep the scan's order; the summary line closes the log.
"""

from __future__ import annotations

from portscan.model import Finding, ScanResult, Severity
from portscan.render.base import RenderOptions
from portscan.render.text import summary

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(value: str) -> str:
    """A command's message: ``%``, CR and LF escaped."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A property value: the data escapes plus ``:`` and ``,``."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def properties(finding: Finding) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if finding.locations:
        primary = finding.locations[0]
        pairs += [("file", primary.path), ("line", str(primary.line))]
        end_line = primary.end_line or primary.line
        if end_line != primary.line:
            pairs.append(("endLine", str(end_line)))
        else:
            pairs.append(("col", str(primary.col)))
            if primary.end_col is not None and primary.end_col > primary.col:
                pairs.append(("endColumn", str(primary.end_col - 1)))
    pairs.append(("title", f"{finding.code} {finding.name}"))
    return pairs


def command(finding: Finding) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties(finding))
    message = "\n".join(
        [finding.message, *(f"also: {location}" for location in finding.locations[1:])]
    )
    return f"::{COMMANDS[finding.severity]} {props}::{escape_data(message)}"


def touches(finding: Finding, changed: frozenset[str]) -> bool:
    return any(location.path in changed for location in finding.locations)


def ordered(findings: tuple[Finding, ...], changed: frozenset[str]) -> list[Finding]:
    """Findings that touch a changed path first; otherwise the given order (stable)."""
    return sorted(findings, key=lambda finding: not touches(finding, changed))


def render(result: ScanResult, options: RenderOptions) -> str:
    lines = [command(finding) for finding in ordered(result.findings, options.changed)]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"
