"""``portscan check [FILES...]``: whole-repo analysis, findings that touch FILES."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cli_trees import COLLIDING_COMPOSE, VOICE, make_repo, run

from portscan.check import normalize, repo_root

COLLISION_OUTPUT = (
    "docker-compose.yml:7:10: PS001 active-collision [error] port 8080/tcp is bound twice on"
    " host docker-compose.yml: web (publish, docker-compose.yml:4) and api (publish,"
    " docker-compose.yml:7)\n"
    "    also: docker-compose.yml:4:10\n"
    "\n"
)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param([], set(), id="none"),
        pytest.param(["a/b.py"], {"a/b.py"}, id="plain"),
        pytest.param(["./a/b.py", "a//c.py"], {"a/b.py", "a/c.py"}, id="dot-slash"),
        pytest.param(["a/../b.py"], {"b.py"}, id="dot-dot-inside"),
        pytest.param(["../outside.py", "."], set(), id="outside-and-root"),
        pytest.param(["{root}/x/y.yml"], {"x/y.yml"}, id="absolute-inside"),
        pytest.param(["/elsewhere/y.yml"], set(), id="absolute-outside"),
    ],
)
def test_normalize(tmp_path: Path, files: list[str], expected: set[str]) -> None:
    given = [name.format(root=tmp_path) for name in files]
    assert normalize(given, tmp_path) == frozenset(expected)


def test_repo_root_is_the_git_top_level(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert repo_root(tmp_path / "a" / "b") == tmp_path.resolve()


def test_repo_root_outside_git_is_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    folder = tmp_path / "plain"
    folder.mkdir()
    assert repo_root(folder) == folder.resolve()


@pytest.mark.parametrize(
    ("files", "code", "expected"),
    [
        pytest.param(
            ["docker-compose.yml"],
            1,
            COLLISION_OUTPUT + "1 finding (1 error); 2 files scanned.\n",
            id="touches",
        ),
        pytest.param(
            ["./docker-compose.yml", "README.md"],
            1,
            COLLISION_OUTPUT + "1 finding (1 error); 2 files scanned.\n",
            id="dot-slash",
        ),
        pytest.param(
            ["services/voice/main.py"],
            0,
            "services/voice/main.py:2:31: PS007 undeployed-service [info] voice defaults to 3050"
            " but is not deployed on any known host (no compose service, launchd job, unit or"
            " declared deployment sets its port)\n\n1 finding (1 info); 2 files scanned.\n",
            id="other-file",
        ),
        pytest.param(["notes.txt"], 0, "No findings; 2 files scanned.\n", id="untouched"),
        pytest.param(
            [],
            1,
            COLLISION_OUTPUT
            + "services/voice/main.py:2:31: PS007 undeployed-service [info] voice defaults to 3050"
            " but is not deployed on any known host (no compose service, launchd job, unit or"
            " declared deployment sets its port)\n\n2 findings (1 error, 1 info); 2 files"
            " scanned.\n",
            id="no-files-is-scan",
        ),
    ],
)
def test_check_reports_what_touches_files(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: list[str],
    code: int,
    expected: str,
) -> None:
    root = make_repo(
        tmp_path, {"docker-compose.yml": COLLIDING_COMPOSE, "services/voice/main.py": VOICE}
    )
    assert run(capsys, "check", "--root", str(root), "--no-color", *files) == (code, expected, "")


def test_check_uses_the_current_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(
        tmp_path, {"docker-compose.yml": COLLIDING_COMPOSE, "services/voice/main.py": VOICE}
    )
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    monkeypatch.chdir(root / "services")
    code, out, _ = run(capsys, "check", "--no-color", "docker-compose.yml")
    assert (code, out) == (1, COLLISION_OUTPUT + "1 finding (1 error); 2 files scanned.\n")


def test_with_a_baseline_every_new_finding_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A baseline makes the repository clean modulo it: a new finding fails the commit
    even when it lies in a file the commit did not touch."""
    root = make_repo(tmp_path, {"services/voice/main.py": VOICE})
    assert run(capsys, "baseline", str(root))[0] == 0
    (root / "docker-compose.yml").write_text(COLLIDING_COMPOSE)
    code, out, _ = run(capsys, "check", "--root", str(root), "--no-color", "notes.txt")
    assert (code, out) == (
        1,
        COLLISION_OUTPUT + "1 finding (1 error); 2 files scanned; 1 baselined.\n",
    )
    code, out, _ = run(
        capsys, "check", "--root", str(root), "--no-color", "--no-baseline", "notes.txt"
    )
    assert (code, out) == (0, "No findings; 2 files scanned.\n")


def test_check_shows_unused_suppressions_of_its_files_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        tmp_path,
        {
            "docker-compose.yml": COLLIDING_COMPOSE.replace(
                '      - "8080:3000"', '      - "8080:3000"  # portscan: ignore[PS001, PS004]'
            ),
            "services/voice/main.py": VOICE,
        },
    )
    unused = (
        "docker-compose.yml:7: unused suppression: portscan: ignore[PS004] silences nothing here\n"
    )
    code, out, _ = run(capsys, "check", "--root", str(root), "docker-compose.yml")
    assert (code, out) == (0, unused + "\nNo findings; 2 files scanned; 1 suppressed.\n")
    code, out, _ = run(capsys, "check", "--root", str(root), "notes.txt")
    assert (code, out) == (0, "No findings; 2 files scanned; 1 suppressed.\n")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param([], 1, id="error-fails"),
        pytest.param(["--fail-on", "never"], 0, id="never"),
        pytest.param(["--ignore", "PS001"], 0, id="ignored"),
    ],
)
def test_check_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int
) -> None:
    root = make_repo(tmp_path, {"docker-compose.yml": COLLIDING_COMPOSE})
    assert run(capsys, "check", "--root", str(root), *args, "docker-compose.yml")[0] == code
