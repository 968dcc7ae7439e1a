"""``portscan report --format json``: the pull-request comparison as one JSON document.

    {"version": 1, "base": "main", "verdict": "fail", "new": [finding...],
     "fixed": [finding...], "unchanged": 6, "changed": ["docker-compose.yml"],
     "services": [port-table row...]}

Findings have the shape of ``scan --format json``; ``verdict`` is ``fail`` when a new
finding is at or above ``fail-on``, else ``pass``. Sorted, no time: same tree, same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from portscan.audit import PortRow
from portscan.render.json import finding_dict, location_dict
from portscan.report import PullRequestReport

VERSION = 1


def row_dict(row: PortRow) -> dict[str, Any]:
    return {
        "service": row.service,
        "host": row.host,
        "port": row.port,
        "protocol": row.protocol,
        "via": row.via,
        "scope": row.scope,
        "locations": [location_dict(location) for location in row.locations],
    }


def document(report: PullRequestReport) -> dict[str, Any]:
    return {
        "version": VERSION,
        "base": report.base,
        "verdict": "fail" if report.failing else "pass",
        "new": [finding_dict(finding) for finding in report.new],
        "fixed": [finding_dict(finding) for finding in report.fixed],
        "unchanged": report.unchanged,
        "changed": sorted(report.changed),
        "services": [row_dict(row) for row in report.rows],
    }


def render_report(report: PullRequestReport) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
