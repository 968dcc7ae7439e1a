"""Which findings a run reports: ``--select``/``--ignore`` by code prefix or name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from portscan.model import Finding


def selected(finding: Finding, selectors: Sequence[str]) -> bool:
    """True when a selector names the finding (``latent-collision``) or prefixes its
    code (``PS0``, ``PS002``); codes compare case-insensitively."""
    code = finding.code.upper()
    return any(code.startswith(s.upper()) or finding.name == s for s in selectors)


def apply_selection(
    findings: Iterable[Finding], select: Sequence[str], ignore: Sequence[str]
) -> tuple[Finding, ...]:
    """Keep what ``select`` names (everything when empty), minus what ``ignore`` names;
    sorted by primary location, then code."""
    kept = [
        finding
        for finding in findings
        if (not select or selected(finding, select)) and not selected(finding, ignore)
    ]
    return tuple(sorted(kept, key=Finding.sort_key))
