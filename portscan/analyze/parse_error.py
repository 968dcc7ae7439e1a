"""PS900 parse-error: a file could not be read or parsed. The scan went on without it."""

from __future__ import annotations

from collections.abc import Iterator

from portscan.analyze.base import Context
from portscan.model import Finding, Location, Severity, make_finding

CODE = "PS900"
NAME = "parse-error"
SEVERITY = Severity.INFO
SUMMARY = "a file could not be read or parsed; the scan goes on"


def check(context: Context) -> Iterator[Finding]:
    for error in context.errors:
        yield make_finding(
            CODE,
            NAME,
            SEVERITY,
            f"{error.path}: {error.message}",
            port=None,
            services=(),
            hosts=(),
            locations=(Location(error.path, error.line or 1, 1),),
        )
