"""``portscan ports --format json``: the port table as data (version 1).

``host`` is null for a source default; ``scope`` is ``host``, ``container`` or ``source``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from portscan.audit import PortRow
from portscan.render.json import location_dict

VERSION = 1


def row_dict(row: PortRow) -> dict[str, Any]:
    return {
        "port": row.port,
        "protocol": row.protocol,
        "host": row.host,
        "service": row.service,
        "via": row.via,
        "scope": row.scope,
        "locations": [location_dict(location) for location in row.locations],
    }


def render(rows: Sequence[PortRow]) -> str:
    document = {"version": VERSION, "ports": [row_dict(row) for row in rows]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
