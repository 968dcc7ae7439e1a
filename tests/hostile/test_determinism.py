"""The same tree gives the same bytes: whatever the hash seed, the number of worker
processes, the state of the cache, or the order the files were created in.

Each run is the real command line in a child process (``PYTHONHASHSEED`` can only be set
for a new interpreter). The tree is the example monorepo, with bad files that become
errors and enough small services that ``--jobs`` starts a pool of workers.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_trees import write_tree

from portscan.extract import POOL_MIN_FILES

EXAMPLE = Path(__file__).parent.parent.parent / "fixtures" / "example-monorepo"

EXTRA: dict[str, bytes] = {
    # Bad files: their errors are part of the output too.
    "broken/docker-compose.yml": b"services:\n  web:\n    ports: [\n",
    "broken/latin.py": b"PORT = '\xfc'\n",
    "broken/bomb.plist": b'<!DOCTYPE plist [<!ENTITY a "aaaa">]>\n<plist/>\n',
    "broken/package.json": b'{"scripts": {"dev": "vite --port 5010",}}\n',
    # Enough files that a cold scan with --jobs > 1 starts worker processes.
    **{
        f"services/gen{i:02d}/main.py": f'import os\nPORT = int(os.getenv("PORT", "{4100 + i}"))\n'.encode()
        for i in range(POOL_MIN_FILES + 12)
    },
}


def example_files() -> dict[str, bytes]:
    files = {
        path.relative_to(EXAMPLE).as_posix(): path.read_bytes()
        for path in sorted(EXAMPLE.rglob("*"))
        if path.is_file()
    }
    return {**files, **EXTRA}


def build(root: Path, order: str) -> Path:
    """The tree, its files (and folders) created in ``order``: sorted, reversed, shuffled."""
    items = sorted(example_files().items())
    if order == "reversed":
        items.reverse()
    elif order == "shuffled":
        random.Random(20261127).shuffle(items)
    for rel, data in items:
        write_tree(root, {rel: data})
    return root


def run(root: Path, *options: str, seed: str, cache: Path | None) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env.pop("XDG_CACHE_HOME", None)
    cache_options = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    done = subprocess.run(
        [sys.executable, "-m", "portscan", "scan", *options, *cache_options, str(root)],
        capture_output=True,
        env=env,
        check=False,
        timeout=600,
        cwd=root.parent,
    )
    assert done.returncode in (0, 1), done.stderr.decode(errors="replace")
    return done.stdout


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("determinism")
    return {order: build(base / order, order) for order in ("sorted", "reversed", "shuffled")}


@pytest.mark.parametrize("output", ["json", "text"])
def test_same_bytes_whatever_seed_jobs_cache_and_file_order(
    trees: dict[str, Path], tmp_path: Path, output: str
) -> None:
    options = ("--format", output) + (("--no-color",) if output == "text" else ())
    cache = tmp_path / "cache"
    reference = run(trees["sorted"], *options, "--jobs", "1", seed="0", cache=None)
    assert b"broken/latin.py" in reference  # the errors are in the output compared
    variants = {
        "seed 1, 2 jobs, cold cache": run(
            trees["sorted"], *options, "--jobs", "2", seed="1", cache=cache
        ),
        "seed 2, 3 jobs, warm cache": run(
            trees["sorted"], *options, "--jobs", "3", seed="2", cache=cache
        ),
        "seed 3, files created in reverse, 1 job": run(
            trees["reversed"], *options, "--jobs", "1", seed="3", cache=None
        ),
        "seed 4, files created shuffled, 4 jobs, cold cache": run(
            trees["shuffled"], *options, "--jobs", "4", seed="4", cache=tmp_path / "cache2"
        ),
    }
    for name, output_bytes in variants.items():
        assert output_bytes == reference, name


def test_a_changed_file_changes_the_output(trees: dict[str, Path], tmp_path: Path) -> None:
    """The comparison above can fail: one port edited gives different bytes, warm cache
    or not."""
    root = tmp_path / "edited"
    shutil.copytree(trees["sorted"], root)
    cache = tmp_path / "cache"
    before = run(root, "--format", "json", seed="0", cache=cache)
    target = root / "services" / "gen00" / "main.py"
    target.write_bytes(target.read_bytes().replace(b"4100", b"4999"))
    after = run(root, "--format", "json", seed="0", cache=cache)
    assert before != after
    assert b"4999" in after
