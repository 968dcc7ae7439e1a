"""``--format json``, version 1 (DESIGN.md): sorted, and the same bytes for the same tree."""

from __future__ import annotations

import json
from typing import Any

from portscan.model import (
    Binding,
    Diagnostic,
    Finding,
    Landing,
    Location,
    PortFact,
    ScanResult,
)
from portscan.render import notes
from portscan.render.base import RenderOptions

VERSION = 1


def landing_dict(landing: Landing | None) -> dict[str, Any] | None:
    """Where a reference landed: ``status`` is lands, dangling, misroute, external or
    unknown; ``service`` is what binds there; ``expected`` the service it names."""
    if landing is None:
        return None
    binding = landing.binding
    return {
        "status": landing.status.value,
        "host": landing.host,
        "service": binding.service if binding else None,
        "expected": landing.expected,
        "path": binding.location.path if binding and binding.via != "container" else None,
        "line": binding.location.line if binding and binding.via != "container" else None,
    }


def fact_dict(fact: PortFact, landing: Landing | None = None) -> dict[str, Any]:
    return {
        "port": fact.port,
        "protocol": fact.protocol,
        "role": fact.role.value,
        "service": fact.service,
        "host": fact.host,
        "env": fact.env,
        "target": fact.target,
        "extractor": fact.extractor,
        "path": fact.location.path,
        "line": fact.location.line,
        "col": fact.location.col,
        "tags": list(fact.tags),
        "lands_on": landing_dict(landing),
    }


def binding_dict(binding: Binding) -> dict[str, Any]:
    return {
        "service": binding.service,
        "host": binding.host,
        "port": binding.port,
        "protocol": binding.protocol,
        "via": binding.via,
        "scope": binding.scope.value,
        "path": binding.location.path,
        "line": binding.location.line,
    }


def location_dict(location: Location) -> dict[str, Any]:
    return {"path": location.path, "line": location.line, "col": location.col}


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "port": finding.port,
        "services": list(finding.services),
        "hosts": list(finding.hosts),
        "message": finding.message,
        "fingerprint": finding.fingerprint,
        "locations": [location_dict(loc) for loc in finding.locations],
    }


def error_dict(error: Diagnostic) -> dict[str, Any]:
    return {"path": error.path, "line": error.line, "message": error.message}


def document(result: ScanResult) -> dict[str, Any]:
    landings = {landing.reference: landing for landing in result.graph.landings}
    return {
        "version": VERSION,
        "root": result.root,
        "facts": [
            fact_dict(f, landings.get(f)) for f in sorted(result.graph.facts, key=PortFact.sort_key)
        ],
        "bindings": [binding_dict(b) for b in sorted(result.graph.bindings, key=Binding.sort_key)],
        "findings": [finding_dict(f) for f in result.findings],
        "errors": [error_dict(e) for e in result.errors],
        **notes.json_fields(result),
        "stats": {
            "files": result.stats.files,
            "facts": result.stats.facts,
            "findings": result.stats.findings,
            **notes.json_stats(result),
        },
    }


def render(result: ScanResult, options: RenderOptions) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
