"""Same tree, same bytes: whatever --jobs, hash seed, file creation order or cache state."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "example-monorepo"


def run_json(root: Path, *args: str, seed: str = "0", cache: Path | None = None) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    cache_args = ["--cache-dir", str(cache)] if cache is not None else ["--no-cache"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "portscan",
            "scan",
            str(root),
            "--format",
            "json",
            *cache_args,
            *args,
        ],
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    return done.stdout


def copy_in_order(source: Path, target: Path, reverse: bool) -> None:
    """Create the files of ``source`` under ``target`` in one order or its reverse, so
    the file system lists them differently."""
    files = sorted(p for p in source.rglob("*") if p.is_file() and ".portscan_cache" not in p.parts)
    for path in reversed(files) if reverse else files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


@pytest.mark.parametrize(
    ("jobs", "seed"),
    [("1", "0"), ("2", "1"), ("4", "12345")],
    ids=["jobs1-seed0", "jobs2-seed1", "jobs4-seed12345"],
)
def test_jobs_and_hash_seeds_do_not_change_the_output(tmp_path: Path, jobs: str, seed: str) -> None:
    tree = tmp_path / "tree"
    copy_in_order(EXAMPLE, tree, reverse=False)
    reference = run_json(tree, "--jobs", "1", seed="0")
    assert run_json(tree, "--jobs", jobs, seed=seed) == reference


def test_file_order_and_cache_state_do_not_change_the_output(tmp_path: Path) -> None:
    forward, backward = tmp_path / "a" / "tree", tmp_path / "b" / "tree"
    copy_in_order(EXAMPLE, forward, reverse=False)
    copy_in_order(EXAMPLE, backward, reverse=True)
    cold = run_json(forward)
    assert run_json(backward) == cold
    cache = tmp_path / "cache"
    assert run_json(forward, cache=cache) == cold  # fills the cache
    assert run_json(forward, cache=cache) == cold  # reads it
