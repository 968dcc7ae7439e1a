"""The findings, one module each, listed in one literal tuple (DESIGN.md's table)."""

from __future__ import annotations

from collections.abc import Iterator

from portscan.analyze import (
    active_collision,
    dangling_reference,
    doc_drift,
    inconsistent_default,
    latent_collision,
    override_drift,
    parse_error,
    range_violation,
    reserved_port,
    undeployed_service,
)
from portscan.analyze.base import Context, Rule
from portscan.model import Finding

FINDINGS: tuple[Rule, ...] = (
    active_collision,
    latent_collision,
    override_drift,
    inconsistent_default,
    doc_drift,
    dangling_reference,
    undeployed_service,
    range_violation,
    reserved_port,
    parse_error,
)

BY_CODE: dict[str, Rule] = {rule.CODE: rule for rule in FINDINGS}
BY_NAME: dict[str, Rule] = {rule.NAME: rule for rule in FINDINGS}


def analyze(context: Context) -> Iterator[Finding]:
    """Every finding of every rule, in registry order."""
    for rule in FINDINGS:
        yield from rule.check(context)


__all__ = ["BY_CODE", "BY_NAME", "FINDINGS", "Context", "analyze"]
