"""``--format sarif``: valid SARIF 2.1.0, every finding declared, results that point home."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_trees import COLLIDING_COMPOSE

from portscan.analyze import FINDINGS
from portscan.cli import main
from portscan.model import (
    Diagnostic,
    Finding,
    Graph,
    Location,
    ScanResult,
    ScanStats,
    Severity,
    make_finding,
)
from portscan.render import RENDERERS, RenderOptions, sarif
from portscan.ruledocs import description

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
EXAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "example-monorepo"


def validate(document: dict[str, Any]) -> None:
    errors = sorted(jsonschema.Draft7Validator(SCHEMA).iter_errors(document), key=str)
    assert [error.message for error in errors] == []


def result_of(findings: tuple[Finding, ...], errors: tuple[Diagnostic, ...] = ()) -> ScanResult:
    graph = Graph(facts=(), bindings=(), hosts=(), services=())
    return ScanResult(".", graph, findings, errors, ScanStats(1, 1, 0, len(findings)))


def render(result: ScanResult, options: RenderOptions | None = None) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(sarif.render(result, options or RenderOptions()))
    return document


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_registered_as_a_scan_format() -> None:
    assert RENDERERS["sarif"] is sarif


def test_example_is_valid_sarif(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_cli(capsys, "scan", str(EXAMPLE), "--format", "sarif")
    assert code == 1
    validate(json.loads(out))


def test_empty_tree_is_valid_sarif_with_no_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(capsys, "scan", str(tmp_path), "--format", "sarif")
    document = json.loads(out)
    validate(document)
    assert code == 0
    assert document["runs"][0]["results"] == []
    assert document["runs"][0]["invocations"] == [
        {"executionSuccessful": True, "toolExecutionNotifications": []}
    ]


def test_every_finding_is_declared_as_a_rule() -> None:
    rules = render(result_of(()))["runs"][0]["tool"]["driver"]["rules"]
    assert [(r["id"], r["name"]) for r in rules] == [(f.CODE, f.NAME) for f in FINDINGS]
    for rule, finding in zip(rules, FINDINGS, strict=True):
        assert rule["shortDescription"] == {"text": finding.SUMMARY}
        assert rule["fullDescription"] == {"text": description(finding)}
        assert rule["defaultConfiguration"] == {"level": sarif.LEVELS[finding.SEVERITY]}
        assert rule["help"]["markdown"].startswith(f"# {finding.CODE} {finding.NAME} (")
        assert "helpUri" not in rule


def test_full_description_is_the_first_paragraph_of_what_it_finds() -> None:
    rules = render(result_of(()))["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["fullDescription"]["text"] == (
        "Two different services effectively bind the same port and protocol on the same host."
        " This includes two compose services that publish one host port, and a launchd job"
        " whose environment override lands on a port a container already publishes."
    )


def test_help_uri_joins_the_docs_url() -> None:
    options = RenderOptions(docs_url="https://example.org/portscan/blob/v1/rules/")
    rules = render(result_of(()), options)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["helpUri"] for r in rules] == [
        f"https://example.org/portscan/blob/v1/rules/{f.CODE}.md" for f in FINDINGS
    ]


def test_docs_url_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = "https://example.org/rules/"
    _, out = run_cli(capsys, "scan", str(tmp_path), "--format", "sarif", "--docs-url", base)
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["helpUri"] == "https://example.org/rules/PS001.md"


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        pytest.param(Severity.ERROR, "error", id="error"),
        pytest.param(Severity.WARNING, "warning", id="warning"),
        pytest.param(Severity.INFO, "note", id="info-is-note"),
    ],
)
def test_levels(severity: Severity, level: str) -> None:
    finding = make_finding(
        "PS002",
        "latent-collision",
        severity,
        "m",
        port=1,
        services=(),
        hosts=(),
        locations=(Location("a.py", 1, 1),),
    )
    assert render(result_of((finding,)))["runs"][0]["results"][0]["level"] == level


def test_a_collision_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docker-compose.yml").write_text(COLLIDING_COMPOSE)
    _, out = run_cli(capsys, "scan", str(tmp_path), "--format", "sarif")
    document = json.loads(out)
    validate(document)
    [result] = document["runs"][0]["results"]
    place = {"uri": "docker-compose.yml", "uriBaseId": "%SRCROOT%"}
    assert result == {
        "ruleId": "PS001",
        "ruleIndex": 0,
        "level": "error",
        "message": {
            "text": "port 8080/tcp is bound twice on host docker-compose.yml: web (publish,"
            " docker-compose.yml:4) and api (publish, docker-compose.yml:7)"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": place,
                    "region": {"startLine": 7, "startColumn": 10, "endLine": 7, "endColumn": 14},
                }
            }
        ],
        "relatedLocations": [
            {
                "id": 1,
                "physicalLocation": {
                    "artifactLocation": place,
                    "region": {"startLine": 4, "startColumn": 10, "endLine": 4, "endColumn": 14},
                },
            }
        ],
        "partialFingerprints": {"portscan/v1": result["partialFingerprints"]["portscan/v1"]},
        "properties": {"services": ["api", "web"], "hosts": ["docker-compose.yml"], "port": 8080},
    }
    assert len(result["partialFingerprints"]["portscan/v1"]) == 32


def test_parse_errors_are_results_and_notifications(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "docker-compose.yml").write_text("services:\n  web: [\n")
    _, out = run_cli(capsys, "scan", str(tmp_path), "--format", "sarif")
    document = json.loads(out)
    validate(document)
    run = document["runs"][0]
    [result] = run["results"]
    assert (result["ruleId"], result["level"]) == ("PS900", "note")
    assert result["ruleIndex"] == [f.CODE for f in FINDINGS].index("PS900")
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning"
    assert note["message"]["text"].startswith("docker-compose.yml: ")
    uri = note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "docker-compose.yml"


def test_notifications_stay_when_parse_errors_are_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "docker-compose.yml").write_text("services:\n  web: [\n")
    _, out = run_cli(capsys, "scan", str(tmp_path), "--format", "sarif", "--ignore", "PS900")
    run = json.loads(out)["runs"][0]
    assert run["results"] == []
    assert len(run["invocations"][0]["toolExecutionNotifications"]) == 1


@pytest.mark.parametrize(
    ("location", "uri", "region"),
    [
        pytest.param(
            Location("a b/c%d.py", 3, 5, 3, 9),
            "a%20b/c%25d.py",
            {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 9},
            id="percent-encoded",
        ),
        pytest.param(
            Location("x.py", 2), "x.py", {"startLine": 2, "startColumn": 1}, id="no-end-known"
        ),
        pytest.param(
            Location("dienste/grüße.py", 1, 1, 2, 4),
            "dienste/gr%C3%BC%C3%9Fe.py",
            {"startLine": 1, "startColumn": 1, "endLine": 2, "endColumn": 4},
            id="non-ascii",
        ),
    ],
)
def test_locations(location: Location, uri: str, region: dict[str, int]) -> None:
    physical = sarif.physical_location(location)["physicalLocation"]
    assert physical == {
        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
        "region": region,
    }


def test_an_unregistered_code_has_no_rule_index() -> None:
    finding = make_finding(
        "PS999",
        "future",
        Severity.WARNING,
        "m",
        port=None,
        services=(),
        hosts=(),
        locations=(Location("a.py", 1, 1),),
    )
    document = render(result_of((finding,)))
    validate(document)
    [result] = document["runs"][0]["results"]
    assert "ruleIndex" not in result
    assert result["properties"] == {"services": [], "hosts": []}
