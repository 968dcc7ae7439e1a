"""The bundled example monorepo: exact output of every format, and determinism."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_trees import run

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "fixtures" / "example-monorepo"
GOLDEN = Path(__file__).resolve().parent / "golden"


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
        ("PS006", 3021, [], "cloudflared-config.yml", 12),
        ("PS006", 3061, ["mana-credits", "mana-sync"], "cloudflared-config.yml", 14),
        ("PS001", 3015, ["mana-landing-builder", "mana-media"], "docker-compose.macmini.yml", 20),
        ("PS006", 3016, ["mana-media"], "docker/prometheus/prometheus.yml", 13),
        ("PS005", 3023, ["mana-image-gen"], "docs/PORTS.md", 8),
        ("PS005", 3026, ["mana-image-gen"], "services/mana-image-gen/CLAUDE.md", 3),
        ("PS005", 3026, ["mana-image-gen"], "services/mana-image-gen/README.md", 6),
        ("PS005", 3026, ["mana-image-gen"], "services/mana-image-gen/README.md", 9),
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


def test_every_reference_of_the_example_says_where_it_lands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    _, out, _ = run(capsys, "scan", str(EXAMPLE), "--format", "json")
    landed = [
        (
            f["path"],
            f["line"],
            f["target"],
            f["port"],
            f["lands_on"]["status"],
            f["lands_on"]["host"],
            f["lands_on"]["service"],
        )
        for f in json.loads(out)["facts"]
        if f["role"] == "reference"
    ]
    assert landed == [
        ("cloudflared-config.yml", 6, "localhost", 3001, "lands", "mac-mini", "mana-auth"),
        ("cloudflared-config.yml", 8, "localhost", 3025, "lands", "mac-mini", "mana-image-gen"),
        ("cloudflared-config.yml", 10, "localhost", 3020, "lands", "mac-mini", "mana-stt"),
        ("cloudflared-config.yml", 12, "localhost", 3021, "dangling", "mac-mini", None),
        ("cloudflared-config.yml", 14, "localhost", 3061, "misroute", "mac-mini", "mana-credits"),
        (
            "docker/prometheus/prometheus.yml",
            7,
            "mana-sync",
            3050,
            "lands",
            "mac-mini",
            "mana-sync",
        ),
        (
            "docker/prometheus/prometheus.yml",
            10,
            "mana-auth",
            3001,
            "lands",
            "mac-mini",
            "mana-auth",
        ),
        ("docker/prometheus/prometheus.yml", 13, "mana-media", 3016, "dangling", "mac-mini", None),
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
