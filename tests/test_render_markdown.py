"""``--format markdown`` for scan, and the Markdown building blocks the report uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from portscan.cli import main
from portscan.model import Location, Severity, make_finding
from portscan.render.markdown import finding_item, link, text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "fixtures" / "example-monorepo"
GOLDEN = Path(__file__).resolve().parent / "golden"


def test_example_markdown_golden(capsys: pytest.CaptureFixture[str], update_golden: bool) -> None:
    code = main(["scan", str(EXAMPLE), "--format", "markdown"])
    captured = capsys.readouterr()
    assert (code, captured.err) == (1, "")
    golden = GOLDEN / "example.md"
    if update_golden:
        golden.write_text(captured.out, encoding="utf-8")
    assert captured.out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("plain words", "plain words", id="plain"),
        pytest.param("mana_llm *x* `y`", "mana\\_llm \\*x\\* \\`y\\`", id="emphasis-code"),
        pytest.param("<script> [a](b) | c", "\\<script\\> \\[a\\](b) \\| c", id="html-link-pipe"),
        pytest.param("C:\\dir", "C:\\\\dir", id="backslash"),
    ],
)
def test_text_escapes_markdown(value: str, expected: str) -> None:
    assert text(value) == expected


@pytest.mark.parametrize(
    ("location", "prefix", "expected"),
    [
        pytest.param(Location("a.yml", 7), "", "[a.yml:7](a.yml#L7)", id="plain"),
        pytest.param(Location("a.yml", 7), "infra/", "[a.yml:7](infra/a.yml#L7)", id="prefix"),
        pytest.param(
            Location("my docs/x_(1).md", 2),
            "",
            "[my docs/x\\_(1).md:2](my%20docs/x_%281%29.md#L2)",
            id="quoted-target",
        ),
    ],
)
def test_link(location: Location, prefix: str, expected: str) -> None:
    assert link(location, prefix) == expected


def test_finding_item_without_links_for_the_base_tree() -> None:
    finding = make_finding(
        "PS001",
        "active-collision",
        Severity.ERROR,
        "port 80 is bound twice",
        port=80,
        services=("a", "b"),
        hosts=("box",),
        locations=(Location("c.yml", 7, 9), Location("c.yml", 4, 9)),
    )
    assert finding_item(finding, links=False) == (
        "- **PS001 active-collision** (error) at `c.yml:7`: port 80 is bound twice"
        " (also: `c.yml:4`)"
    )
    assert finding_item(finding, "x/") == (
        "- **PS001 active-collision** (error) at [c.yml:7](x/c.yml#L7): port 80 is bound twice"
        " (also: [c.yml:4](x/c.yml#L4))"
    )
