"""``--format github``: workflow commands GitHub turns into annotations."""

from __future__ import annotations

from pathlib import Path

import pytest

from portscan.cli import main
from portscan.model import (
    Finding,
    Graph,
    Location,
    ScanResult,
    ScanStats,
    Severity,
    make_finding,
)
from portscan.render import RENDERERS, RenderOptions, github


def finding(
    code: str, path: str, severity: Severity = Severity.WARNING, *more: Location, message: str = "m"
) -> Finding:
    return make_finding(
        code,
        "latent-collision",
        severity,
        message,
        port=3025,
        services=("a",),
        hosts=(),
        locations=(Location(path, 3, 5, 3, 9), *more),
    )


def result_of(*findings: Finding) -> ScanResult:
    graph = Graph(facts=(), bindings=(), hosts=(), services=())
    return ScanResult(".", graph, tuple(findings), (), ScanStats(2, 2, 0, len(findings)))


def codes(out: str) -> list[str]:
    return [line.split("title=")[1][:5] for line in out.splitlines() if line.startswith("::")]


@pytest.mark.parametrize(
    ("value", "data", "prop"),
    [
        pytest.param("plain text", "plain text", "plain text", id="plain"),
        pytest.param("100%", "100%25", "100%25", id="percent"),
        pytest.param("a\nb", "a%0Ab", "a%0Ab", id="newline"),
        pytest.param("a\r\nb", "a%0D%0Ab", "a%0D%0Ab", id="crlf"),
        pytest.param("a:b,c", "a:b,c", "a%3Ab%2Cc", id="colon-comma"),
        pytest.param("%0A", "%250A", "%250A", id="already-escaped-looking"),
        pytest.param("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax", id="injection"),
        pytest.param("", "", "", id="empty"),
    ],
)
def test_escaping(value: str, data: str, prop: str) -> None:
    assert github.escape_data(value) == data
    assert github.escape_property(value) == prop


@pytest.mark.parametrize(
    ("severity", "command"),
    [
        pytest.param(Severity.ERROR, "error", id="error"),
        pytest.param(Severity.WARNING, "warning", id="warning"),
        pytest.param(Severity.INFO, "notice", id="info-is-notice"),
    ],
)
def test_levels(severity: Severity, command: str) -> None:
    line = github.command(finding("PS002", "a.py", severity))
    assert line == (
        f"::{command} file=a.py,line=3,col=5,endColumn=8,title=PS002 latent-collision::m"
    )


def test_properties_and_message_are_escaped_and_related_places_follow() -> None:
    item = finding(
        "PS002",
        "dir,1/a:b.py",
        Severity.WARNING,
        Location("b.py", 7, 2),
        message="50% of a\nsecond line",
    )
    assert github.command(item) == (
        "::warning file=dir%2C1/a%3Ab.py,line=3,col=5,endColumn=8,title=PS002 latent-collision"
        "::50%25 of a%0Asecond line%0Aalso: b.py:7:2"
    )


@pytest.mark.parametrize(
    ("location", "props"),
    [
        pytest.param(Location("a.py", 4), "file=a.py,line=4,col=1", id="no-end"),
        pytest.param(
            Location("a.py", 4, 2, 4, 3), "file=a.py,line=4,col=2,endColumn=2", id="one-char"
        ),
        pytest.param(Location("a.py", 4, 2, 6, 3), "file=a.py,line=4,endLine=6", id="multi-line"),
    ],
)
def test_regions(location: Location, props: str) -> None:
    item = make_finding(
        "PS900",
        "parse-error",
        Severity.INFO,
        "m",
        port=None,
        services=(),
        hosts=(),
        locations=(location,),
    )
    assert github.command(item) == f"::notice {props},title=PS900 parse-error::m"


def test_changed_paths_come_first_and_the_rest_keep_their_order() -> None:
    findings = (
        finding("PS001", "a.py"),
        finding("PS002", "b.py"),
        finding("PS003", "c.py", Severity.WARNING, Location("d.py", 1)),
        finding("PS004", "e.py"),
    )
    out = github.render(result_of(*findings), RenderOptions(changed=frozenset({"d.py", "b.py"})))
    assert codes(out) == ["PS002", "PS003", "PS001", "PS004"]


def test_no_changed_paths_keeps_the_scan_order() -> None:
    findings = (finding("PS004", "z.py"), finding("PS001", "a.py"))
    out = github.render(result_of(*findings), RenderOptions())
    assert codes(out) == ["PS004", "PS001"]
    assert out.splitlines()[-1] == "2 findings (2 warnings); 2 files scanned."


def test_empty_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert RENDERERS["github"] is github
    assert main(["scan", str(tmp_path), "--format", "github"]) == 0
    assert capsys.readouterr().out == "No findings; 0 files scanned.\n"
