"""The filter stage: which findings a run reports, and at what level.

In order: config ``[severity]`` sets a finding's level; inline suppression comments
silence what they name (:mod:`portscan.suppress`); the baseline hides accepted findings
(:mod:`portscan.baseline`); ``--select``/``--ignore`` keep what they name. Suppression
and the baseline see every finding, before the selection: a comment or baseline entry for
a finding that ``--select`` leaves out is still in use, not unused or stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from portscan.baseline import Baseline, compare
from portscan.model import BaselineEntry, Finding, ScanResult, Severity, UnusedSuppression

if TYPE_CHECKING:
    from portscan.suppress import Plain


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


def apply_severity(
    findings: Iterable[Finding], levels: Sequence[tuple[str, Severity]]
) -> tuple[Finding, ...]:
    """Config ``[severity]``: the level a team gives a finding code replaces its default."""
    by_code = dict(levels)
    return tuple(
        replace(finding, severity=by_code[finding.code]) if finding.code in by_code else finding
        for finding in findings
    )


@dataclass(frozen=True, slots=True)
class Filtered:
    """What the filter stage kept, and what it has to say about suppressions and the
    baseline. ``suppressed`` and ``baselined`` count the findings they hid that the
    selection would otherwise have shown."""

    findings: tuple[Finding, ...]
    suppressed: int = 0
    baselined: int = 0
    unused_suppressions: tuple[UnusedSuppression, ...] = ()
    stale_baseline: tuple[BaselineEntry, ...] = ()


def refine(
    findings: Iterable[Finding],
    *,
    select: Sequence[str],
    ignore: Sequence[str],
    levels: Sequence[tuple[str, Severity]] = (),
    comments: Mapping[str, Sequence[Plain]] | None = None,
    known: Mapping[str, str] | None = None,
    baseline: Baseline | None = None,
) -> Filtered:
    """The whole filter stage. ``comments`` maps a file to the suppression comments the
    extract stage found in it (plain tuples: :func:`portscan.suppress.to_plain`);
    without it no suppression applies. ``known`` (code -> name of every finding;
    default: the rule registry) tells misspelt suppressions apart."""
    analyzed = apply_severity(findings, levels)
    kept: tuple[Finding, ...] = analyzed
    unused: tuple[UnusedSuppression, ...] = ()
    # Most runs have no finding in a file with suppression comments: nothing to import.
    if comments and any(loc.path in comments for f in analyzed for loc in f.locations):
        from portscan.suppress import apply_suppressions, from_plain

        if known is None:
            from portscan.analyze import FINDINGS

            known = {rule.CODE: rule.NAME for rule in FINDINGS}
        found = {path: from_plain(path, plain) for path, plain in comments.items()}
        suppressed = apply_suppressions(analyzed, found, known)
        kept, unused = suppressed.kept, suppressed.unused
    new: tuple[Finding, ...] = kept
    stale: tuple[BaselineEntry, ...] = ()
    if baseline is not None:
        compared = compare(kept, baseline)
        new, stale = compared.new, compared.stale
    shown = apply_selection(new, select, ignore)
    before_baseline = len(apply_selection(kept, select, ignore))
    before_suppression = len(apply_selection(analyzed, select, ignore))
    return Filtered(
        findings=shown,
        suppressed=before_suppression - before_baseline,
        baselined=before_baseline - len(shown),
        unused_suppressions=unused,
        stale_baseline=stale,
    )


def attach(result: ScanResult, filtered: Filtered) -> ScanResult:
    """``result`` with the filter stage's notes; its findings are ``filtered.findings``."""
    return replace(
        result,
        findings=filtered.findings,
        suppressed=filtered.suppressed,
        baselined=filtered.baselined,
        unused_suppressions=filtered.unused_suppressions,
        stale_baseline=filtered.stale_baseline,
    )
