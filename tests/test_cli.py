"""The command line: exit codes 0/1/2, clear one-line errors, never a traceback."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from cli_trees import COLLIDING_COMPOSE, VOICE, make_repo, run

from portscan import __version__, api


def test_clean_tree_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(tmp_path, {"notes.txt": "nothing here\n"})
    assert run(capsys, "scan", str(tmp_path)) == (0, "No findings; 0 files scanned.\n", "")


def test_error_finding_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(tmp_path, {"docker-compose.yml": COLLIDING_COMPOSE})
    code, out, err = run(capsys, "scan", str(tmp_path))
    assert (code, err) == (1, "")
    assert out == (
        "docker-compose.yml:7:10: PS001 active-collision [error] port 8080/tcp is bound twice"
        " on host docker-compose.yml: web (publish, docker-compose.yml:4) and api (publish,"
        " docker-compose.yml:7)\n"
        "    also: docker-compose.yml:4:10\n"
        "\n"
        "1 finding (1 error); 1 file scanned.\n"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param([], 0, id="warnings-pass-by-default"),
        pytest.param(["--fail-on", "warning"], 0, id="info-below-warning"),
        pytest.param(["--fail-on", "info"], 1, id="fail-on-info"),
        pytest.param(["--fail-on", "never"], 0, id="fail-on-never"),
        pytest.param(["--fail-on", "info", "--ignore", "PS007"], 0, id="ignored"),
        pytest.param(["--fail-on", "info", "--ignore", "PS0"], 0, id="ignored-prefix"),
        pytest.param(["--fail-on", "info", "--select", "PS001"], 0, id="select-excludes"),
        pytest.param(["--fail-on", "info", "--select", "undeployed-service"], 1, id="select-name"),
    ],
)
def test_fail_on_and_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: int
) -> None:
    make_repo(tmp_path, {"services/voice/main.py": VOICE})
    code, _, err = run(capsys, "scan", str(tmp_path), *args)
    assert (code, err) == (expected, "")


def test_config_fail_on_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(tmp_path, {"services/voice/main.py": VOICE, "portscan.toml": 'fail-on = "info"\n'})
    assert run(capsys, "scan", str(tmp_path))[0] == 1


def test_bad_config_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(tmp_path, {"portscan.toml": 'fail-on = "error"\ncolour = "red"\n'})
    code, out, err = run(capsys, "scan", str(tmp_path))
    config = tmp_path / "portscan.toml"
    assert (code, out) == (2, "")
    assert err == (
        f"portscan: {config}:2: colour: unknown key (expected one of: include, exclude, "
        "fail-on, select, ignore, baseline, max-file-size, max-file-time, rules, hosts, "
        "services, ranges, reserved, severity)\n"
    )


def test_explicit_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(tmp_path, {"services/voice/main.py": VOICE, "ci.toml": 'fail-on = "info"\n'})
    assert run(capsys, "scan", str(tmp_path), "--config", str(tmp_path / "ci.toml"))[0] == 1
    code, _, err = run(capsys, "scan", str(tmp_path), "--config", str(tmp_path / "no.toml"))
    assert (code, err) == (2, f"portscan: {tmp_path / 'no.toml'}: config file not found\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["scan", "--select", "PS123"], "unknown finding 'PS123'", id="selector"),
        pytest.param(["scan", "--format", "yaml"], "Invalid value for '--format'", id="format"),
        pytest.param(["scan", "--no-such-flag"], "No such option '--no-such-flag'", id="option"),
        pytest.param(["frobnicate"], "No such command 'frobnicate'", id="command"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    if args[0] == "scan":
        args = [args[0], str(tmp_path), *args[1:]]
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert message in err
    assert "Traceback" not in err


def test_missing_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scan", str(tmp_path / "absent"))
    assert code == 2
    assert "does not exist" in err


def test_internal_error_is_one_line_unless_debug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("resolver exploded")

    monkeypatch.setattr(api, "scan", broken)
    code, out, err = run(capsys, "scan", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (
        "portscan: internal error: RuntimeError('resolver exploded') "
        "(run with --debug for the traceback)\n"
    )
    code, _, err = run(capsys, "--debug", "scan", str(tmp_path))
    assert code == 2
    assert err.startswith("Traceback (most recent call last):")
    assert err.rstrip().endswith("RuntimeError: resolver exploded")


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (0, f"portscan, version {__version__}\n", "")
    code, out, _ = run(capsys, "scan", "--help")
    assert code == 0
    assert "--fail-on [error|warning|info|never]" in out


def test_help_imports_no_parser() -> None:
    """``--help`` must stay fast: neither libcst nor tree-sitter is imported."""
    probe = (
        "import sys; from portscan.cli import main; main(['scan', '--help']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('libcst', 'tree_sitter', 'yaml')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_console_script_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "portscan", "scan", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "No findings; 0 files scanned.\n", "")


def test_broken_house_rule_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "house" / "go"
    rules.mkdir(parents=True)
    (rules / "bad.scm").write_text("(call_expression (nonsense) @port)\n")
    (rules / "bad.toml").write_text('role = "default"\n')
    (tmp_path / "portscan.toml").write_text('rules = ["house"]\n')
    code, out, err = run(capsys, "scan", str(tmp_path))
    assert (code, out) == (2, "")
    assert err.startswith(f"portscan: {rules / 'bad.scm'}: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--version",), id="ok"),
        pytest.param(("scan", "--format", "xml"), id="usage-error"),
    ],
)
def test_a_run_puts_the_garbage_collector_back(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    """main() collects garbage less often while it runs, and only while it runs."""
    before = gc.get_threshold()
    run(capsys, *args)
    assert gc.get_threshold() == before


def test_a_text_scan_imports_only_the_text_renderer(tmp_path: Path) -> None:
    probe = (
        "import sys; from portscan.cli import main; "
        f"main(['scan', {str(tmp_path)!r}, '--no-cache']); "
        "print(sorted(m for m in sys.modules if m.startswith('portscan.render.') "
        "or m in ('portscan.report', 'portscan.audit', 'portscan.ruledocs')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == (
        "['portscan.render.base', 'portscan.render.notes', 'portscan.render.text']"
    )


# -- the console script ------------------------------------------------------------------------


def test_console_script_prints_all_and_exits_with_the_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``run`` ends the process right after flushing: nothing of the output is lost."""
    make_repo(tmp_path, {"docker-compose.yml": COLLIDING_COMPOSE})
    args = ["scan", str(tmp_path), "--format", "json", "--no-cache"]
    expected = run(capsys, *args)
    done = subprocess.run(
        [sys.executable, "-m", "portscan", *args], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == expected


def test_console_script_is_quiet_when_its_reader_goes_away(tmp_path: Path) -> None:
    """Far more JSON than a pipe holds, and a reader that stops after one byte."""
    services = "".join(f'  s{i}:\n    ports:\n      - "{20000 + i}:80"\n' for i in range(1500))
    make_repo(tmp_path, {"docker-compose.yml": "services:\n" + services + COLLIDING_COMPOSE[10:]})
    process = subprocess.Popen(
        [sys.executable, "-m", "portscan", "scan", str(tmp_path), "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.read(1)
    process.stdout.close()  # like `| head -c 1`
    assert (process.wait(timeout=60), process.stderr.read()) == (1, b"")
