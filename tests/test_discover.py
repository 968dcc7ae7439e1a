from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from portscan.config import Config
from portscan.discover import discover
from portscan.model import Diagnostic


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
    assert list(discover(tmp_path, Config()).files) == EXPECTED


def test_git_work_tree_lists_tracked_and_untracked_files(tmp_path: Path) -> None:
    make_tree(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "services/api/main.py"], check=True)
    assert list(discover(tmp_path, Config()).files) == EXPECTED


def test_nested_gitignore_applies_below_its_folder(tmp_path: Path) -> None:
    write(tmp_path, "a/.gitignore", "secret.py\n")
    write(tmp_path, "a/secret.py")
    write(tmp_path, "b/secret.py")
    assert list(discover(tmp_path, Config()).files) == ["a/.gitignore", "b/secret.py"]


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
    assert list(discover(tmp_path, config).files) == expected


def test_symlinks_never_leave_the_root(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    outside = tmp_path / "outside.py"
    outside.write_text("PORT = 1\n")
    write(root, "real.py")
    os.symlink(outside, root / "escape.py")
    os.symlink(root / "real.py", root / "inside.py")
    os.symlink(root / "loop-a", root / "loop-b")
    os.symlink(root / "loop-b", root / "loop-a")
    os.symlink(tmp_path, root / "parent-dir")
    found = discover(root, Config())
    assert list(found.files) == ["inside.py", "real.py"]
    assert list(found.diagnostics) == [
        Diagnostic("escape.py", None, "symlink points outside the scan root; not followed"),
        Diagnostic("loop-a", None, "symlink loop; not followed"),
        Diagnostic("loop-b", None, "symlink loop; not followed"),
    ]


@pytest.mark.parametrize(
    "neighbours",
    [
        pytest.param((), id="alone-in-its-folder"),
        pytest.param(("a.py", "b.py"), id="beside-other-files"),
    ],
)
def test_symlinks_are_found_whatever_their_folder_holds(
    tmp_path: Path, neighbours: tuple[str, ...]
) -> None:
    """A folder with one path asks lstat, one with more reads the folder's listing:
    both find the same links."""
    root = tmp_path / "repo"
    outside = tmp_path / "outside.py"
    outside.write_text("PORT = 1\n")
    for name in neighbours:
        write(root, f"deep/dir/{name}")
    (root / "deep" / "dir").mkdir(parents=True, exist_ok=True)
    os.symlink(outside, root / "deep" / "dir" / "escape.py")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    found = discover(root, Config())
    assert list(found.files) == [f"deep/dir/{name}" for name in neighbours]
    assert list(found.diagnostics) == [
        Diagnostic("deep/dir/escape.py", None, "symlink points outside the scan root; not followed")
    ]


def test_outside_a_work_tree_the_walk_lists_the_files(tmp_path: Path) -> None:
    """Inside a repository's .git folder ``git ls-files`` fails: the tree is walked."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".git/portscan-probe/app.py")
    found = discover(tmp_path / ".git" / "portscan-probe", Config())
    assert list(found.files) == ["app.py"]
