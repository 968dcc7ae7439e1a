"""``--format json``, version 1 (DESIGN.md): sorted, and the same bytes for the same tree."""

from __future__ import annotations

import json
from typing import Any

from portscan.model import Binding, Diagnostic, Finding, Location, PortFact, ScanResult
from portscan.render.base import RenderOptions

VERSION = 1


def fact_dict(fact: PortFact) -> dict[str, Any]:
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
    return {
        "version": VERSION,
        "root": result.root,
        "facts": [fact_dict(f) for f in sorted(result.graph.facts, key=PortFact.sort_key)],
        "bindings": [binding_dict(b) for b in sorted(result.graph.bindings, key=Binding.sort_key)],
        "findings": [finding_dict(f) for f in result.findings],
        "errors": [error_dict(e) for e in result.errors],
        "stats": {
            "files": result.stats.files,
            "facts": result.stats.facts,
            "findings": result.stats.findings,
        },
    }


def render(result: ScanResult, options: RenderOptions) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
