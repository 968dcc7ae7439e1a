from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from portscan.config import Config
from portscan.discover import discover


def write(root: Path, rel: str, text: str = "PORT=1\n") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def make_tree(root: Path) -> None:
    for rel in [
        "services/api/main.py",
        "services/api/node_modules/dep/index.js",
        "web/dist/bundle.js",
        "web/build/out.js",
        ".venv/lib/site.py",
        "pnpm-lock.yaml",
        "web/package-lock.json",
        "legacy/old.py",
        "generated/skip.py",
        "docker-compose.yml",
    ]:
        write(root, rel)
    write(root, ".gitignore", "generated/\n*.log\n")
    write(root, "debug.log")


EXPECTED = [".gitignore", "docker-compose.yml", "legacy/old.py", "services/api/main.py"]


def test_walk_honours_gitignore_and_skipped_folders(tmp_path: Path) -> None:
    make_tree(tmp_path)
    assert list(discover(tmp_path, Config())) == EXPECTED


def test_git_work_tree_lists_tracked_and_untracked_files(tmp_path: Path) -> None:
    make_tree(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "services/api/main.py"], check=True)
    assert list(discover(tmp_path, Config())) == EXPECTED


def test_nested_gitignore_applies_below_its_folder(tmp_path: Path) -> None:
    write(tmp_path, "a/.gitignore", "secret.py\n")
    write(tmp_path, "a/secret.py")
    write(tmp_path, "b/secret.py")
    assert list(discover(tmp_path, Config())) == ["a/.gitignore", "b/secret.py"]


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        pytest.param(
            ("**",), ("legacy/**",), ["docker-compose.yml", "services/api/main.py"], id="exclude"
        ),
        pytest.param(("services/**",), (), ["services/api/main.py"], id="include"),
        pytest.param(
            ("**",), (), ["docker-compose.yml", "legacy/old.py", "services/api/main.py"], id="no-op"
        ),
    ],
)
def test_include_and_exclude(
    tmp_path: Path, include: tuple[str, ...], exclude: tuple[str, ...], expected: list[str]
) -> None:
    for rel in [*expected, "legacy/old.py", "services/api/main.py", "docker-compose.yml"]:
        write(tmp_path, rel)
    config = Config(include=include, exclude=exclude)
    assert list(discover(tmp_path, config)) == expected


@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
def test_symlinked_files_are_listed_never_followed(tmp_path: Path, in_git: bool) -> None:
    """Discovery lists names only: links of every kind are listed as files (reading
    judges them); a link to a folder is not entered."""
    root = tmp_path / "repo"
    outside = tmp_path / "outside"
    write(outside, "escape.py")
    write(root, "real.py")
    os.symlink(outside / "escape.py", root / "escape.py")
    os.symlink(root / "real.py", root / "inside.py")
    os.symlink(root / "loop-b", root / "loop-a")
    os.symlink(root / "loop-a", root / "loop-b")
    os.symlink(outside, root / "outside-dir")
    if in_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    files = discover(root, Config())
    # git lists a link to a folder as an (untracked) file; the walk skips it.
    beyond = ["outside-dir"] if in_git else []
    assert list(files) == ["escape.py", "inside.py", "loop-a", "loop-b", *beyond, "real.py"]


def test_outside_a_work_tree_the_walk_lists_the_files(tmp_path: Path) -> None:
    """Inside a repository's .git folder ``git ls-files`` fails: the tree is walked."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".git/portscan-probe/app.py")
    found = discover(tmp_path / ".git" / "portscan-probe", Config())
    assert list(found) == ["app.py"]


def test_without_git_on_the_path_a_work_tree_is_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine without git (a slim container) still scans: the walk honours the same
    .gitignore files, so the list is the one git gives."""
    make_tree(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    empty = tmp_path.parent / f"{tmp_path.name}-no-git"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert list(discover(tmp_path, Config())) == EXPECTED


def test_conflicted_paths_are_listed_once(tmp_path: Path) -> None:
    """git lists a path with a merge conflict once per stage; discovery lists it once."""

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    write(tmp_path, "app.env", "PORT=1\n")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    git("checkout", "-q", "-b", "other")
    write(tmp_path, "app.env", "PORT=2\n")
    git("commit", "-q", "-am", "two")
    git("checkout", "-q", "main")
    write(tmp_path, "app.env", "PORT=3\n")
    git("commit", "-q", "-am", "three")
    subprocess.run(["git", "-C", str(tmp_path), "merge", "-q", "other"], capture_output=True)
    stages = subprocess.run(
        ["git", "-C", str(tmp_path), "ls-files", "-c"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert stages == ["app.env", "app.env", "app.env"]  # the conflict is there
    assert list(discover(tmp_path, Config())) == ["app.env"]
