"""The baseline: stable file, hiding by line-free fingerprint, stale entries, options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_trees import COLLIDING_COMPOSE, VOICE, make_repo, run

from portscan.baseline import (
    Baseline,
    BaselineEntry,
    BaselineError,
    compare,
    dumps,
    pair_up,
    parse,
)
from portscan.model import Finding, Location, Severity, make_finding

GOLDEN = Path(__file__).resolve().parent / "golden"

FIXED = COLLIDING_COMPOSE.replace('"8080:3000"', '"8081:3000"')


def finding(code: str, port: int, services: tuple[str, ...], line: int = 1) -> Finding:
    return make_finding(
        code,
        {"PS001": "active-collision", "PS007": "undeployed-service"}[code],
        Severity.ERROR if code == "PS001" else Severity.INFO,
        f"message about {port}",
        port=port,
        services=services,
        hosts=(),
        locations=(Location("a.yml", line, 3),),
    )


def test_dumps_is_sorted_and_the_same_bytes_for_any_order() -> None:
    a, b = finding("PS007", 3050, ("voice",)), finding("PS001", 8080, ("api", "web"), line=7)
    text = dumps([a, b])
    assert text == dumps([b, a])
    assert text == (
        "{\n"
        '  "version": 1,\n'
        '  "findings": [\n'
        "    {\n"
        f'      "fingerprint": "{b.fingerprint}",\n'
        '      "code": "PS001",\n'
        '      "name": "active-collision",\n'
        '      "port": 8080,\n'
        '      "services": [\n'
        '        "api",\n'
        '        "web"\n'
        "      ],\n"
        '      "message": "message about 8080"\n'
        "    },\n"
        "    {\n"
        f'      "fingerprint": "{a.fingerprint}",\n'
        '      "code": "PS007",\n'
        '      "name": "undeployed-service",\n'
        '      "port": 3050,\n'
        '      "services": [\n'
        '        "voice"\n'
        "      ],\n"
        '      "message": "message about 3050"\n'
        "    }\n"
        "  ]\n"
        "}\n"
    )


def test_parse_reads_what_dumps_writes() -> None:
    a = finding("PS007", 3050, ("voice",))
    assert parse(dumps([a]), "b.json") == Baseline(
        "b.json",
        (BaselineEntry(a.fingerprint, "PS007", "undeployed-service", 3050, ("voice",), a.message),),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("{\n  oops", "b.json:2: invalid baseline: Expecting property name", id="json"),
        pytest.param(
            '{"version": 2, "findings": []}', 'expected {"version": 1, ...}', id="version"
        ),
        pytest.param("[]", 'expected {"version": 1, ...}', id="not-object"),
        pytest.param('{"version": 1}', "'findings' must be a list", id="no-findings"),
        pytest.param(
            '{"version": 1, "findings": [{"code": "PS001"}]}',
            "findings[0] needs a string 'fingerprint'",
            id="no-fingerprint",
        ),
    ],
)
def test_parse_errors_are_one_line(text: str, message: str) -> None:
    with pytest.raises(BaselineError) as caught:
        parse(text, "b.json")
    assert message in str(caught.value)
    assert str(caught.value).startswith("b.json")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        pytest.param([], [], ([], [], []), id="empty"),
        pytest.param(["a"], ["a"], ([], ["a"], []), id="same"),
        pytest.param(["a", "b"], ["b", "c"], (["a"], ["b"], ["c"]), id="new-and-gone"),
        pytest.param(["a", "a"], ["a"], (["a"], ["a"], []), id="one-more-now"),
        pytest.param(["a"], ["a", "a"], ([], ["a"], ["a"]), id="one-fewer-now"),
    ],
)
def test_pair_up_counts_duplicates(
    current: list[str], previous: list[str], expected: tuple[list[str], ...]
) -> None:
    assert pair_up(current, previous, str, str) == expected


def test_compare_hides_and_reports_stale() -> None:
    kept, gone = finding("PS001", 8080, ("api", "web")), finding("PS007", 3050, ("voice",))
    fresh = finding("PS007", 3051, ("sync",))
    baseline = parse(dumps([kept, gone]), "b.json")
    compared = compare([kept, fresh], baseline)
    assert (compared.new, compared.hidden) == ((fresh,), 1)
    assert [entry.fingerprint for entry in compared.stale] == [gone.fingerprint]


def test_baseline_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], update_golden: bool
) -> None:
    """Write, scan hides, lines move (still hidden), the cause goes: stale is reported."""
    root = make_repo(
        tmp_path, {"docker-compose.yml": COLLIDING_COMPOSE, "services/voice/main.py": VOICE}
    )
    assert run(capsys, "baseline", str(root)) == (
        0,
        f"Wrote 2 findings to {root / '.portscan-baseline.json'}.\n",
        "",
    )
    written = (root / ".portscan-baseline.json").read_text()
    golden = GOLDEN / "baseline.json"
    if update_golden:
        golden.write_text(written)
    assert written == golden.read_text()

    assert run(capsys, "scan", str(root), "--fail-on", "info") == (
        0,
        "No findings; 2 files scanned; 2 baselined.\n",
        "",
    )
    (root / "docker-compose.yml").write_text("# moved down\n\n" + COLLIDING_COMPOSE)
    assert run(capsys, "scan", str(root), "--fail-on", "info")[0] == 0

    (root / "docker-compose.yml").write_text(FIXED)
    code, out, err = run(capsys, "scan", str(root), "--fail-on", "info")
    assert (code, err) == (0, "")
    assert out == (
        "stale baseline entry: PS001 active-collision port 8080 (api, web) no longer occurs;"
        " 'portscan baseline' drops it\n"
        "\n"
        "No findings; 2 files scanned; 1 baselined.\n"
    )
    code, out, _ = run(capsys, "scan", str(root), "--format", "json")
    stale = json.loads(out)["stale_baseline"]
    assert [(e["code"], e["port"], e["services"]) for e in stale] == [
        ("PS001", 8080, ["api", "web"])
    ]

    assert run(capsys, "baseline", str(root))[0] == 0
    assert run(capsys, "scan", str(root), "--fail-on", "info")[1] == (
        "No findings; 2 files scanned; 1 baselined.\n"
    )


def test_a_new_finding_is_not_hidden(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path, {"services/voice/main.py": VOICE})
    assert run(capsys, "baseline", str(root))[0] == 0
    (root / "docker-compose.yml").write_text(COLLIDING_COMPOSE)
    code, out, _ = run(capsys, "scan", str(root))
    assert code == 1
    assert out.endswith("1 finding (1 error); 2 files scanned; 1 baselined.\n")


@pytest.mark.parametrize(
    ("config", "args", "expected"),
    [
        pytest.param("", [], (0, "No findings; 1 file scanned; 1 baselined.\n", ""), id="default"),
        pytest.param("", ["--no-baseline"], (1,), id="no-baseline"),
        pytest.param(
            'baseline = "ci/accepted.json"\n',
            [],
            (
                2,
                "",
                "portscan: ci/accepted.json: baseline file not found (write it with"
                " 'portscan baseline')\n",
            ),
            id="config-names-a-missing-file",
        ),
        pytest.param(
            "",
            ["--baseline", "{root}/other.json"],
            (
                2,
                "",
                "portscan: other.json: baseline file not found (write it with"
                " 'portscan baseline')\n",
            ),
            id="option-names-a-missing-file",
        ),
        pytest.param(
            "",
            ["--baseline", "{root}/.portscan-baseline.json", "--no-baseline"],
            (2, "", "portscan: --baseline and --no-baseline exclude each other\n"),
            id="both-options",
        ),
    ],
)
def test_which_baseline_a_scan_reads(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    config: str,
    args: list[str],
    expected: tuple[object, ...],
) -> None:
    root = make_repo(tmp_path, {"docker-compose.yml": COLLIDING_COMPOSE})
    assert run(capsys, "baseline", str(root))[0] == 0
    if config:
        (root / "portscan.toml").write_text(config)
    result = run(capsys, "scan", str(root), *(a.format(root=root) for a in args))
    assert result[: len(expected)] == expected


def test_config_baseline_is_written_and_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        tmp_path,
        {
            "docker-compose.yml": COLLIDING_COMPOSE,
            "portscan.toml": 'baseline = "ci/accepted.json"\n',
        },
    )
    (root / "ci").mkdir()
    assert run(capsys, "baseline", str(root))[0] == 0
    assert (root / "ci" / "accepted.json").is_file()
    assert not (root / ".portscan-baseline.json").exists()
    assert run(capsys, "scan", str(root))[0] == 0


def test_broken_baseline_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path, {".portscan-baseline.json": "{not json\n"})
    assert run(capsys, "scan", str(root)) == (
        2,
        "",
        "portscan: .portscan-baseline.json:1: invalid baseline: Expecting property name"
        " enclosed in double quotes\n",
    )


def test_unwritable_baseline_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing-folder" / "b.json"
    assert run(capsys, "baseline", str(tmp_path), "--baseline", str(target)) == (
        2,
        "",
        f"portscan: cannot write {target}: No such file or directory\n",
    )
