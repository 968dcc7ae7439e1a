"""The bundled example monorepo: exact output of every format, and determinism."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portscan.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "fixtures" / "example-monorepo"
GOLDEN = Path(__file__).resolve().parent / "golden"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("name", "args"),
    [
        pytest.param("example.txt", ["scan", str(EXAMPLE), "--no-color"], id="text"),
        pytest.param("example.json", ["scan", str(EXAMPLE), "--format", "json"], id="json"),
    ],
)
def test_example_golden(
    capsys: pytest.CaptureFixture[str], update_golden: bool, name: str, args: list[str]
) -> None:
    code, out, err = run(capsys, *args)
    assert (code, err) == (1, "")
    golden = GOLDEN / name
    if update_golden:
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_example_findings_are_the_story(capsys: pytest.CaptureFixture[str]) -> None:
    """The acceptance of the foundation issue, stated as codes, ports and services."""
    import json

    _, out, _ = run(capsys, "scan", str(EXAMPLE), "--format", "json")
    findings = [
        (f["code"], f["port"], f["services"], f["locations"][0]["path"], f["locations"][0]["line"])
        for f in json.loads(out)["findings"]
    ]
    assert findings == [
        ("PS004", 5010, ["mana-web"], "apps/mana-web/package.json", 5),
        ("PS007", 5010, ["mana-web"], "apps/mana-web/package.json", 5),
        ("PS001", 3015, ["mana-landing-builder", "mana-media"], "docker-compose.macmini.yml", 20),
        (
            "PS002",
            3026,
            ["mana-image-gen", "mana-video-gen"],
            "services/mana-image-gen/app/main.py",
            11,
        ),
        ("PS003", 3026, ["mana-image-gen"], "services/mana-image-gen/app/main.py", 11),
        ("PS002", 3025, ["mana-image-gen", "mana-llm"], "services/mana-llm/src/config.py", 8),
        ("PS002", 3050, ["mana-sync", "mana-voice-bot"], "services/mana-voice-bot/main.py", 10),
        ("PS007", 3050, ["mana-voice-bot"], "services/mana-voice-bot/main.py", 10),
    ]


def test_json_is_byte_identical_across_runs_and_hash_seeds() -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "portscan", "scan", str(EXAMPLE), "--format", "json"],
            capture_output=True,
            env=env,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
