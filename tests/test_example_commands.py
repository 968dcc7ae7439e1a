"""The bundled example monorepo through every view command and the CI formats: exact
goldens in ``tests/golden/`` (``pytest --update-golden`` rewrites them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from portscan.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "fixtures" / "example-monorepo")
GOLDEN = Path(__file__).resolve().parent / "golden"

CASES = [
    pytest.param("example.sarif", 1, ["scan", EXAMPLE, "--format", "sarif"], id="sarif"),
    pytest.param("example.github.txt", 1, ["scan", EXAMPLE, "--format", "github"], id="github"),
    pytest.param("example-graph.mmd", 0, ["graph", EXAMPLE], id="graph-mermaid"),
    pytest.param("example-graph.dot", 0, ["graph", EXAMPLE, "--format", "dot"], id="graph-dot"),
    pytest.param("example-graph.json", 0, ["graph", EXAMPLE, "--format", "json"], id="graph-json"),
    pytest.param("example-ports.txt", 0, ["ports", EXAMPLE], id="ports-text"),
    pytest.param("example-ports.json", 0, ["ports", EXAMPLE, "--format", "json"], id="ports-json"),
    pytest.param(
        "example-ports.md", 0, ["ports", EXAMPLE, "--format", "markdown"], id="ports-markdown"
    ),
    pytest.param("example-who-3015.txt", 0, ["who", "3015", EXAMPLE], id="who-3015"),
    pytest.param("example-who-3025.txt", 0, ["who", "3025", EXAMPLE], id="who-3025"),
    pytest.param(
        "example-who-3050.json", 0, ["who", "3050", EXAMPLE, "--format", "json"], id="who-json"
    ),
    pytest.param("example-who-4242.txt", 0, ["who", "4242", EXAMPLE], id="who-unused"),
]


@pytest.mark.parametrize(("name", "expected_code", "args"), CASES)
def test_example_golden(
    capsys: pytest.CaptureFixture[str],
    update_golden: bool,
    name: str,
    expected_code: int,
    args: list[str],
) -> None:
    code = main(args)
    captured = capsys.readouterr()
    assert (code, captured.err) == (expected_code, "")
    golden = GOLDEN / name
    if update_golden:
        golden.write_text(captured.out, encoding="utf-8")
    assert captured.out == golden.read_text(encoding="utf-8")
