"""``--format sarif``: SARIF 2.1.0 for code-scanning services (GitHub, GitLab, IDEs).

One run. ``tool.driver.rules`` declares every finding of ``FINDINGS`` (whether or not it
fired), with its summary, the first paragraph of its doc as full description and the
whole doc as ``help``. Each finding is a result: its first location is the primary one,
the others are ``relatedLocations``; ``partialFingerprints["portscan/v1"]`` is the
line-free fingerprint, so code scanning tracks a finding across commits. Paths are
relative to ``%SRCROOT%`` (the scan root), regions are 1-based, and ``endColumn`` is
exclusive, as in SARIF and in :class:`~portscan.model.Location`.

Files that could not be read are also ``toolExecutionNotifications`` of the invocation,
so they reach the log even when ``parse-error`` is ignored.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from portscan import __version__
from portscan.analyze import FINDINGS
from portscan.model import Diagnostic, Finding, Location, ScanResult, Severity
from portscan.render.base import RenderOptions
from portscan.ruledocs import description, read_doc

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "portscan/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(path: str) -> str:
    """A relative POSIX path as a URI reference (spaces and ``%`` percent-encoded)."""
    return quote(path, safe="/")


def region(location: Location) -> dict[str, int]:
    result = {"startLine": location.line, "startColumn": location.col}
    if location.end_line is not None:
        result["endLine"] = location.end_line
    if location.end_col is not None:
        result["endColumn"] = location.end_col
    return result


def physical_location(location: Location) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(location.path), "uriBaseId": SRCROOT},
            "region": region(location),
        }
    }


def rule_descriptor(index: int, options: RenderOptions) -> dict[str, Any]:
    rule = FINDINGS[index]
    descriptor: dict[str, Any] = {
        "id": rule.CODE,
        "name": rule.NAME,
        "shortDescription": {"text": rule.SUMMARY},
        "fullDescription": {"text": description(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.SEVERITY]},
    }
    if options.docs_url:
        descriptor["helpUri"] = f"{options.docs_url}{rule.CODE}.md"
    doc = read_doc(rule.CODE)
    if doc is not None:
        descriptor["help"] = {"text": doc, "markdown": doc}
    descriptor["properties"] = {"tags": ["ports"]}
    return descriptor


def result_object(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": finding.code}
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    result["level"] = LEVELS[finding.severity]
    result["message"] = {"text": finding.message}
    if finding.locations:
        result["locations"] = [physical_location(finding.locations[0])]
    related = [
        {"id": number, **physical_location(location)}
        for number, location in enumerate(finding.locations[1:], start=1)
    ]
    if related:
        result["relatedLocations"] = related
    result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    properties: dict[str, Any] = {"services": list(finding.services), "hosts": list(finding.hosts)}
    if finding.port is not None:
        properties["port"] = finding.port
    result["properties"] = properties
    return result


def notification(error: Diagnostic) -> dict[str, Any]:
    note: dict[str, Any] = {
        "level": "warning",
        "message": {"text": f"{error.path}: {error.message}"},
        "locations": [physical_location(Location(error.path, error.line or 1))],
    }
    return note


def document(result: ScanResult, options: RenderOptions) -> dict[str, Any]:
    rule_index = {rule.CODE: index for index, rule in enumerate(FINDINGS)}
    return {
        "$schema": SCHEMA,
        "version": VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "portscan",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [rule_descriptor(i, options) for i in range(len(FINDINGS))],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [notification(e) for e in result.errors],
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": [result_object(f, rule_index) for f in result.findings],
            }
        ],
    }


def render(result: ScanResult, options: RenderOptions) -> str:
    return json.dumps(document(result, options), indent=2, ensure_ascii=False) + "\n"
