"""The filter stage: [severity], suppression, baseline and selection, in that order."""

from __future__ import annotations

from pathlib import Path

import pytest

from portscan.baseline import dumps, parse
from portscan.cli import main
from portscan.filter import Filtered, apply_severity, refine
from portscan.model import Finding, Location, Severity, UnusedSuppression, make_finding
from portscan.suppress import find_in_text, to_plain

KNOWN = {"PS001": "active-collision", "PS002": "latent-collision"}


def finding(code: str, line: int) -> Finding:
    return make_finding(
        code,
        KNOWN[code],
        Severity.ERROR if code == "PS001" else Severity.WARNING,
        f"{code} here",
        port=3000 + line,
        services=("a", "b"),
        hosts=(),
        locations=(Location("f.py", line, 1),),
    )


def test_apply_severity_changes_only_the_named_codes() -> None:
    a, b = finding("PS001", 1), finding("PS002", 2)
    changed = apply_severity([a, b], [("PS002", Severity.ERROR)])
    assert [f.severity for f in changed] == [Severity.ERROR, Severity.ERROR]
    assert changed[0] is a
    assert changed[1].fingerprint == b.fingerprint


def test_refine_order() -> None:
    """Suppression and baseline see everything; the selection comes last, and the counts
    are of what the selection would have shown."""
    collision, latent, other = finding("PS001", 2), finding("PS002", 5), finding("PS002", 9)
    lines = ["", "x  # portscan: ignore[PS001]", "", "", "", "", "", "# portscan: ignore[PS001]"]
    baseline = parse(dumps([latent, finding("PS002", 40)]), "b.json")
    filtered = refine(
        [collision, latent, other],
        select=("PS002",),
        ignore=(),
        levels=(("PS002", Severity.INFO),),
        comments={"f.py": to_plain(find_in_text("f.py", "\n".join(lines)))},
        known=KNOWN,
        baseline=baseline,
    )
    assert filtered.findings == (apply_severity([other], (("PS002", Severity.INFO),))[0],)
    assert (filtered.suppressed, filtered.baselined) == (0, 1)
    assert filtered.unused_suppressions == (
        UnusedSuppression("f.py", 8, ("PS001",), "portscan: ignore[PS001] silences nothing here"),
    )
    assert [entry.port for entry in filtered.stale_baseline] == [3040]


def test_refine_without_reader_or_baseline_is_the_selection() -> None:
    a, b = finding("PS002", 9), finding("PS001", 2)
    assert refine([a, b], select=(), ignore=("PS002",)) == Filtered((b,))


LATENT = {
    "services/voice/main.py": 'import os\nPORT = int(os.getenv("PORT", "3050"))\n',
    "services/sync/main.py": 'import os\nPORT = int(os.getenv("PORT", "3050"))\n',
    "docker-compose.yml": 'services:\n  sync:\n    ports:\n      - "3050:3050"\n',
}


@pytest.mark.parametrize(
    ("config", "code", "level"),
    [
        pytest.param("", 0, "warning", id="warning-passes"),
        pytest.param('[severity]\nlatent-collision = "error"\n', 1, "error", id="raised-to-error"),
        pytest.param('fail-on = "warning"\n[severity]\nPS002 = "info"\n', 0, "info", id="lowered"),
    ],
)
def test_severity_table_sets_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, code: int, level: str
) -> None:
    for rel, text in {**LATENT, "portscan.toml": config}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert main(["scan", str(tmp_path)]) == code
    out = capsys.readouterr().out
    assert f"PS002 latent-collision [{level}] port 3050" in out


def test_refine_judges_comments_against_every_finding_by_default() -> None:
    """Without ``known``, the registry says which names exist: a comment naming another
    real finding is unused, not misspelt."""
    latent = finding("PS002", 2)
    text = "x\n# portscan: ignore[latent-collision, dangling-reference]\n"
    filtered = refine(
        [latent], select=(), ignore=(), comments={"f.py": to_plain(find_in_text("f.py", text))}
    )
    assert (filtered.findings, filtered.suppressed) == ((), 1)
    assert filtered.unused_suppressions == (
        UnusedSuppression(
            "f.py",
            2,
            ("dangling-reference",),
            "portscan: ignore[dangling-reference] silences nothing here",
        ),
    )
