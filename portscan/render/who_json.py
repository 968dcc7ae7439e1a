"""``portscan who PORT --format json``: the same statements as data (version 1)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from portscan.audit import Use

VERSION = 1


def use_dict(use: Use) -> dict[str, Any]:
    return {
        "group": use.group,
        "role": use.role,
        "service": use.service,
        "protocol": use.protocol,
        "path": use.location.path,
        "line": use.location.line,
        "col": use.location.col,
        "env": use.env,
        "target": use.target,
        "tags": list(use.tags),
        "binds": use.binds,
        "landing": use.landing,
    }


def render(port: int, uses: Sequence[Use]) -> str:
    document = {"version": VERSION, "port": port, "uses": [use_dict(use) for use in uses]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
