"""Rule fixtures: tiny monorepos with the exact findings each rule must report.

Every folder ``fixtures/rules/<CODE>-<name>/<case>/`` is a small tree (services, compose
files, plists, start scripts, a ``portscan.toml`` where hosts matter) beside an
``expected.txt`` with the findings of that one rule, scanned with ``select=[CODE]``; an
empty ``expected.txt`` is a negative case. ``fixtures/rules/worked-example/`` is the tree
of DESIGN.md's "A worked example of the semantics", scanned with every rule.

``expected.txt`` always holds what DESIGN.md asks for. A case that the code gets wrong
today also holds an ``xfail.txt`` naming the bug: the case runs as a strict xfail, so the
fix turns it into a failure until ``xfail.txt`` is deleted.

``pytest --update-golden`` rewrites the expectations from the current output (never those
of an xfail case); review the diff like any other change of behaviour.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from portscan.analyze import BY_CODE
from portscan.api import scan
from portscan.config import load_config
from portscan.model import Finding, Location

RULES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
WORKED_EXAMPLE = RULES / "worked-example"
EXPECTED = "expected.txt"
XFAIL = "xfail.txt"


def case_folders() -> list[Path]:
    """Every case folder: ``<CODE>-<name>/<case>`` plus the worked example."""
    cases = [
        case
        for rule in sorted(RULES.iterdir())
        if rule.is_dir() and rule != WORKED_EXAMPLE
        for case in sorted(rule.iterdir())
        if case.is_dir()
    ]
    return [*cases, WORKED_EXAMPLE]


def code_of(case: Path) -> str | None:
    """The rule a case folder is about (``PS001-active-collision`` -> ``PS001``); None
    for the worked example, which is scanned with every rule."""
    if case == WORKED_EXAMPLE:
        return None
    return case.parent.name.split("-", 1)[0]


def known_bug(case: Path) -> str | None:
    """The diagnosis of a bug that makes this case fail today, or None."""
    marker = case / XFAIL
    return marker.read_text(encoding="utf-8").strip() if marker.is_file() else None


def case_param(case: Path) -> object:
    marks: list[pytest.MarkDecorator] = []
    reason = known_bug(case)
    if reason is not None:
        marks.append(pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(case, id=case.relative_to(RULES).as_posix(), marks=marks)


def where(location: Location) -> str:
    return f"{location.path}:{location.line}"


def render(findings: tuple[Finding, ...]) -> str:
    """One block per finding, blank lines between blocks; the empty string for none."""
    blocks = []
    for finding in findings:
        port = "-" if finding.port is None else str(finding.port)
        services = ",".join(finding.services) or "-"
        hosts = ",".join(finding.hosts) or "-"
        blocks.append(
            f"{finding.code} {finding.name} port={port} services={services} hosts={hosts}\n"
            f"  at: {' '.join(where(location) for location in finding.locations)}\n"
            f"  message: {finding.message}\n"
        )
    return "\n".join(blocks)


def findings_of(case: Path) -> tuple[Finding, ...]:
    code = code_of(case)
    return scan(case, load_config(case), select=None if code is None else [code]).findings


def test_every_rule_has_positive_and_negative_cases() -> None:
    """Each rule folder names a registered rule and holds at least two cases that must
    fire and two that must stay silent (known-bug cases not counted)."""
    for rule in sorted(RULES.iterdir()):
        if not rule.is_dir() or rule == WORKED_EXAMPLE:
            continue
        code, _, name = rule.name.partition("-")
        assert code in BY_CODE, rule.name
        assert name == BY_CODE[code].NAME, rule.name
        texts = [
            (case / EXPECTED).read_text(encoding="utf-8")
            for case in rule.iterdir()
            if known_bug(case) is None
        ]
        assert sum(1 for text in texts if text) >= 2, f"{rule.name}: fewer than 2 positive cases"
        assert sum(1 for text in texts if not text) >= 2, (
            f"{rule.name}: fewer than 2 negative cases"
        )


@pytest.mark.parametrize("case", [case_param(case) for case in case_folders()])
def test_rule_case(case: Path, update_golden: bool) -> None:
    actual = render(findings_of(case))
    expected = case / EXPECTED
    if update_golden and known_bug(case) is None:
        expected.write_text(actual, encoding="utf-8")
    assert actual == expected.read_text(encoding="utf-8")


def test_render_format() -> None:
    """The expectation format itself: header, locations, message; ``-`` for nothing."""
    from portscan.model import Severity, make_finding

    findings = (
        make_finding(
            "PS001",
            "active-collision",
            Severity.ERROR,
            "port 3015/tcp is bound twice",
            port=3015,
            services=("mana-media", "mana-landing-builder"),
            hosts=("mac-mini",),
            locations=(Location("docker-compose.yml", 20, 10), Location("docker-compose.yml", 15)),
        ),
        make_finding(
            "PS900",
            "parse-error",
            Severity.INFO,
            "x.py: invalid",
            port=None,
            services=(),
            hosts=(),
            locations=(Location("x.py", 1),),
        ),
    )
    assert render(findings) == (
        "PS001 active-collision port=3015 services=mana-landing-builder,mana-media hosts=mac-mini\n"
        "  at: docker-compose.yml:20 docker-compose.yml:15\n"
        "  message: port 3015/tcp is bound twice\n"
        "\n"
        "PS900 parse-error port=- services=- hosts=-\n"
        "  at: x.py:1\n"
        "  message: x.py: invalid\n"
    )
    assert render(()) == ""


#: DESIGN.md's list of findings for the worked example, as (code, port, services, primary
#: path). The golden ``worked-example/expected.txt`` holds the exact output; this table
#: ties it to the document, including the findings of rules that do not exist yet.
DESIGN_FINDINGS = [
    pytest.param(("PS001", 5011, ("sync", "web"), "deploy/box/compose.yml"), id="PS001-5011"),
    pytest.param(("PS003", 5126, ("flux",), "services/flux/main.py"), id="PS003-flux"),
    pytest.param(("PS002", 5125, ("chat", "flux"), "services/chat/config.py"), id="PS002-5125"),
    pytest.param(("PS002", 5150, ("sync", "voice"), "services/voice/main.py"), id="PS002-5150"),
    pytest.param(("PS007", 5150, ("voice",), "services/voice/main.py"), id="PS007-voice"),
    pytest.param(("PS006", 5140, ("flux",), "deploy/box/cloudflared.yml"), id="PS006-5140"),
    pytest.param(("PS005", 5126, ("flux",), "services/flux/README.md"), id="PS005-flux"),
    # Not in DESIGN.md's list, but its definition of override-drift covers it: the
    # compose file sets PORT=5011 for sync, whose source default is 5150.
    pytest.param(("PS003", 5150, ("sync",), "services/sync/main.py"), id="PS003-sync"),
]


@pytest.mark.parametrize("wanted", DESIGN_FINDINGS)
def test_worked_example_reports_what_design_lists(
    wanted: tuple[str, int, tuple[str, ...], str],
) -> None:
    found = {(f.code, f.port, f.services, f.locations[0].path) for f in findings_of(WORKED_EXAMPLE)}
    assert wanted in found


def test_worked_example_reports_nothing_else() -> None:
    """Every finding of the worked example is one DESIGN.md's list accounts for."""
    listed = {param.values[0] for param in DESIGN_FINDINGS}
    found = {(f.code, f.port, f.services, f.locations[0].path) for f in findings_of(WORKED_EXAMPLE)}
    assert found <= listed
