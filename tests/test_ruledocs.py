"""Every finding has its doc, and ``portscan explain`` prints it."""

from __future__ import annotations

from pathlib import Path

import pytest

from portscan import ruledocs
from portscan.analyze import FINDINGS
from portscan.analyze.base import Rule
from portscan.cli import main

BY_CODE = [pytest.param(rule, id=rule.CODE) for rule in FINDINGS]


@pytest.mark.parametrize("rule", BY_CODE)
def test_every_finding_has_a_doc_with_every_section(rule: Rule) -> None:
    text = ruledocs.read_doc(rule.CODE)
    assert text is not None, f"no {ruledocs.doc_path(rule.CODE)}"
    assert ruledocs.title(text) == f"{rule.CODE} {rule.NAME} ({rule.SEVERITY.value})"
    found = ruledocs.sections(text)
    assert [heading for heading in found if heading in ruledocs.SECTIONS] == list(ruledocs.SECTIONS)
    for heading in ruledocs.SECTIONS:
        assert found[heading], f"{rule.CODE}: empty section {heading!r}"


@pytest.mark.parametrize("rule", BY_CODE)
def test_explain_prints_the_doc(rule: Rule, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", rule.CODE]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (ruledocs.doc_path(rule.CODE).read_text("utf-8"), "")


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("PS002", id="code"),
        pytest.param("ps002", id="lower-case-code"),
        pytest.param("latent-collision", id="name"),
        pytest.param(" latent-collision ", id="spaces"),
    ],
)
def test_lookup(query: str) -> None:
    rule = ruledocs.lookup(query)
    assert rule is not None
    assert rule.CODE == "PS002"


@pytest.mark.parametrize("query", ["PS123", "PS00", "latent", "", "Latent-Collision-X"])
def test_explain_unknown_exits_2_with_the_known_list(
    query: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ruledocs.lookup(query) is None
    assert main(["explain", query]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"portscan: unknown finding {query!r} (known: {ruledocs.known_findings()})\n"
    )
    assert "PS001 active-collision, PS002 latent-collision" in captured.err


def test_explain_without_an_argument_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain"]) == 2
    assert "Missing argument 'CODE|NAME'" in capsys.readouterr().err


DOC = """\
# PS777 sample (warning)

## What it finds
First line of the first
paragraph.

A second paragraph.

## Example
```yaml
# a comment, not a heading
## nor this
```

## How to fix
Do it.
"""


def test_sections_ignore_headings_inside_code_fences() -> None:
    assert ruledocs.title(DOC) == "PS777 sample (warning)"
    assert ruledocs.sections(DOC) == {
        "What it finds": "First line of the first\nparagraph.\n\nA second paragraph.",
        "Example": "```yaml\n# a comment, not a heading\n## nor this\n```",
        "How to fix": "Do it.",
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("a\nb\n\nc", "a b", id="two-paragraphs"),
        pytest.param("\n\n  a  \n", "a", id="leading-blank-lines"),
        pytest.param("", "", id="empty"),
    ],
)
def test_first_paragraph(body: str, expected: str) -> None:
    assert ruledocs.first_paragraph(body) == expected


def test_description_falls_back_to_the_summary(tmp_path: Path) -> None:
    rule = FINDINGS[0]
    assert ruledocs.description(rule, tmp_path) == rule.SUMMARY[0].upper() + rule.SUMMARY[1:] + "."
    (tmp_path / f"{rule.CODE}.md").write_text(DOC, encoding="utf-8")
    assert ruledocs.description(rule, tmp_path) == "First line of the first paragraph."
