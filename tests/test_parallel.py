"""Extraction in worker processes: the same result whatever ``jobs``, a plan that keeps
parsers together, a crashing parser that costs one file, and the progress display."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from portscan import extract
from portscan.api import scan
from portscan.config import load_config
from portscan.extract import ExtractStats, Progress, RunReport
from portscan.model import ScanResult
from portscan.progress import ProgressBar, render_bar, render_stats, run_settings
from portscan.workers import Task, plan, plan_group

BENCH = Path(__file__).resolve().parent.parent / "bench" / "make_monorepo.py"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_monorepo", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_monorepo"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    generator = load_generator()
    root = tmp_path_factory.mktemp("parallel") / "repo"
    generator.write(generator.build(400, seed=7), root, git=False)
    return root


def run(root: Path, jobs: int, cache_dir: Path | None = None) -> tuple[ScanResult, ExtractStats]:
    reports: list[RunReport] = []
    result = scan(root, load_config(root), jobs=jobs, cache_dir=cache_dir, report=reports.append)
    return result, reports[0].extraction


def test_generator_is_deterministic_and_sized() -> None:
    generator = load_generator()
    first, second = generator.build(300, seed=3), generator.build(300, seed=3)
    assert first.files == second.files
    assert len(first.files) == 300
    assert generator.build(300, seed=4).files != first.files
    suffixes = Counter(path.rsplit(".", 1)[-1] for path in generator.build(5000, seed=1).files)
    assert suffixes["ts"] == 1800
    assert suffixes["py"] == 150
    assert suffixes["go"] == 100


@pytest.mark.parametrize("jobs", [pytest.param(2, id="2-jobs"), pytest.param(3, id="3-jobs")])
def test_same_result_whatever_jobs(
    monorepo: Path, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract, "POOL_MIN_FILES", 1)
    serial, serial_stats = run(monorepo, 1)
    parallel, parallel_stats = run(monorepo, jobs)
    assert parallel == serial
    assert serial_stats.workers == 0
    assert 1 <= parallel_stats.workers <= jobs
    assert parallel_stats.parsers == serial_stats.parsers
    assert serial.graph.facts  # the tree has ports to find
    assert serial.findings  # and collisions, drift


def test_cold_in_pool_then_warm_in_process(
    monorepo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract, "POOL_MIN_FILES", 1)
    cold, cold_stats = run(monorepo, 2, tmp_path / "cache")
    warm, warm_stats = run(monorepo, 1, tmp_path / "cache")
    assert cold == warm == run(monorepo, 1)[0]
    assert cold_stats.workers > 0
    assert warm_stats.extracted == 0


def test_few_files_start_no_pool(tmp_path: Path) -> None:
    for index in range(3):
        (tmp_path / f"s{index}.py").write_text(f"PORT = {3000 + index}\n")
    assert extract.POOL_MIN_FILES > 3
    result, stats = run(tmp_path, 4)
    assert (stats.workers, stats.extracted) == (0, 3)
    assert result == run(tmp_path, 1)[0]


def python_victim(
    root: Path, monkeypatch: pytest.MonkeyPatch, misbehave: Callable[[], object]
) -> tuple[ScanResult, str]:
    """A baseline scan of ``root``, and the first Python file with facts, whose
    extraction is made to ``misbehave`` (in every worker: they are forked from here)."""
    from portscan.extractors import python

    baseline, _ = run(root, 1)
    victim = sorted(f.location.path for f in baseline.graph.facts if f.extractor == "python")[0]
    original = python.extract

    def patched(path: str, text: str, *args: object) -> object:
        if path == victim:
            misbehave()
        return original(path, text, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(python, "extract", patched)
    monkeypatch.setattr(extract, "POOL_MIN_FILES", 1)
    return baseline, victim


def test_crashing_parser_costs_one_file(monorepo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A parser that takes the interpreter down (as a native parser can) loses the file
    it was reading, and nothing else."""
    baseline, victim = python_victim(monorepo, monkeypatch, lambda: os._exit(13))
    result, _ = run(monorepo, 2)
    crashed = [e for e in result.errors if e.path == victim]
    assert [e.message for e in crashed] == [
        "the parser crashed on this file (worker exit code 13); not read"
    ]
    paths = {f.location.path for f in result.graph.facts}
    assert paths == {f.location.path for f in baseline.graph.facts} - {victim}


def test_a_crashed_file_keeps_its_suppression_comments(
    monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker died with the file, so the parent reads its comments: a file that
    crashes the parser can still silence its own parse-error."""
    _, victim = python_victim(monorepo, monkeypatch, lambda: os._exit(13))
    path = monorepo / victim
    path.write_text("# portscan: ignore[parse-error] -- crashes the parser\n" + path.read_text())
    result, _ = run(monorepo, 2)
    assert [e.path for e in result.errors] == [victim]
    assert [f.code for f in result.findings if victim in f.message] == []
    assert (result.suppressed, result.unused_suppressions) == (1, ())


def test_a_worker_stuck_on_one_file_is_stopped(
    monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work that never looks at the deadline (here: a sleep) is stopped from outside
    after max-file-time: that file is one error, never cached; every other file is read,
    the stuck worker's unread files by a new worker."""
    baseline, victim = python_victim(monorepo, monkeypatch, lambda: time.sleep(60))
    config = dataclasses.replace(load_config(monorepo), max_file_time=0.2)
    reports: list[RunReport] = []
    cache = monorepo.parent / "stuck-cache"
    for _ in range(2):  # the second run reads the victim again: its error was not cached
        reports.clear()
        result = scan(monorepo, config, jobs=2, cache_dir=cache, report=reports.append)
        assert [(e.path, e.line, e.message) for e in result.errors] == [
            (
                victim,
                None,
                "took longer than max-file-time (0.2 s) to analyze; its worker was stopped",
            )
        ]
        paths = {f.location.path for f in result.graph.facts}
        assert paths == {f.location.path for f in baseline.graph.facts} - {victim}
    stats = reports[0].extraction
    assert (stats.files - stats.stat_hits - stats.hash_hits, stats.extracted) == (1, 0)


# -- the plan --------------------------------------------------------------------------------


def task(rel: str, size: int) -> Task:
    return Task(rel, size, None, None)


def test_plan_assigns_every_task_once_largest_first() -> None:
    tasks = [task(f"f{i}.ts", (i * 7919) % 5000) for i in range(200)]
    tasks += [task(f"p{i}.py", 3000) for i in range(30)]
    families = [("typescript",)] * 200 + [("python",)] * 30
    bins = plan(tasks, families, 2)
    assert len(bins) <= 2
    assert sorted(t.rel for b in bins for t in b) == sorted(t.rel for t in tasks)
    for tasks_of_bin in bins:
        sizes = [t.size for t in tasks_of_bin]
        assert sizes == sorted(sizes, reverse=True)


def test_plan_keeps_a_small_group_on_one_worker() -> None:
    """Splitting three shell scripts would compile the bash queries twice for nothing."""
    tasks = [task(f"f{i}.ts", 2000) for i in range(300)] + [
        task(f"s{i}.sh", 2000) for i in range(3)
    ]
    families = [("typescript",)] * 300 + [("shell",)] * 3
    bins = plan(tasks, families, 2)
    holding_shell = [b for b in bins if any(t.rel.endswith(".sh") for t in b)]
    assert len(holding_shell) == 1


def test_plan_splits_a_group_too_large_for_one_worker() -> None:
    tasks = [task(f"p{i}.py", 4000) for i in range(200)]
    bins = plan(tasks, [("python",)] * 200, 2)
    assert len(bins) == 2
    assert abs(len(bins[0]) - len(bins[1])) <= 1


@pytest.mark.parametrize(
    ("rel", "group"),
    [
        pytest.param("web/src/api.ts", "typescript", id="ts"),
        pytest.param("web/src/App.svelte", "typescript", id="svelte"),
        pytest.param("web/vite.config.mjs", "typescript", id="mjs"),
        pytest.param("web/src/index.js", "tsx", id="js"),
        pytest.param("scripts/start.sh", "shell", id="shell"),
        pytest.param("cmd/main.go", "go", id="go"),
        pytest.param("services/api/main.py", "other", id="python"),
        pytest.param("README.md", "other", id="markdown"),
    ],
)
def test_plan_group(rel: str, group: str) -> None:
    assert plan_group(rel) == group


def test_each_grammar_starts_in_one_worker() -> None:
    """TypeScript and TSX queries compile separately: with two workers and about as much
    of each, each worker starts one grammar."""
    tasks = [task(f"f{i}.ts", 2000) for i in range(300)]
    tasks += [task(f"c{i}.jsx", 2000) for i in range(300)]
    bins = plan(tasks, [(plan_group(t.rel),) for t in tasks], 2)
    assert sorted(sorted({plan_group(t.rel) for t in b}) for b in bins) == [["tsx"], ["typescript"]]


def test_plan_with_one_job_is_one_bin() -> None:
    tasks = [task("a.ts", 10), task("b.py", 20)]
    (only,) = plan(tasks, [("typescript",), ("python",)], 1)
    assert [t.rel for t in only] == ["b.py", "a.ts"]


# -- progress ------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_bar_waits_then_draws_then_clears() -> None:
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar(stream, delay=1.0, interval=0.1, clock=clock)
    bar(Progress(10, 100, 1))
    assert stream.getvalue() == ""  # a short scan shows nothing
    clock.now += 1.5
    bar(Progress(50, 100, 5))
    assert stream.getvalue() == "\r" + render_bar(Progress(50, 100, 5))
    clock.now += 0.01
    bar(Progress(60, 100, 6))  # too soon to redraw
    assert "60/100" not in stream.getvalue()
    bar(Progress(100, 100, 9))  # the last state is always drawn
    assert stream.getvalue().endswith(render_bar(Progress(100, 100, 9)))
    bar.clear()
    assert stream.getvalue().endswith("\r" + " " * len(render_bar(Progress(100, 100, 9))) + "\r")


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        pytest.param(
            Progress(0, 8, 0), "[------------------------] 0/8 files read, 0 parsed", id="start"
        ),
        pytest.param(
            Progress(4, 8, 2), "[############------------] 4/8 files read, 2 parsed", id="half"
        ),
        pytest.param(
            Progress(8, 8, 3), "[########################] 8/8 files read, 3 parsed", id="done"
        ),
        pytest.param(
            Progress(0, 0, 0), "[########################] 0/0 files read, 0 parsed", id="empty"
        ),
    ],
)
def test_render_bar(progress: Progress, expected: str) -> None:
    assert render_bar(progress) == "portscan: " + expected


class FakeTerminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [pytest.param(True, id="terminal"), pytest.param(False, id="pipe")])
def test_run_settings(tmp_path: Path, tty: bool) -> None:
    stream = FakeTerminal(tty)
    with run_settings(
        tmp_path, no_cache=False, cache_dir=None, jobs=None, stats=True, stream=stream, environ={}
    ) as settings:
        assert settings.cache_dir == tmp_path.resolve() / ".portscan_cache"
        assert settings.jobs >= 1
        assert (settings.progress is not None) == tty
        assert settings.report is not None
    with run_settings(
        tmp_path, no_cache=True, cache_dir=tmp_path, jobs=3, stats=False, stream=stream, environ={}
    ) as settings:
        assert (settings.cache_dir, settings.jobs, settings.report) == (None, 3, None)
    assert stream.getvalue() == ""


def test_render_stats() -> None:
    stats = ExtractStats(
        files=10,
        stat_hits=7,
        hash_hits=1,
        extracted=2,
        parsers=(("python", 1), ("typescript", 1)),
        workers=0,
        cache="warm",
        cache_note="cache not saved: read-only file system",
    )
    text = render_stats(RunReport((("discover", 0.01), ("total", 0.25)), stats))
    assert text == (
        "portscan: stats: discover 0.010s, total 0.250s\n"
        "portscan: stats: 10 files claimed: 7 unchanged (stat), 1 unchanged (content hash),"
        " 2 extracted (in this process)\n"
        "portscan: stats: parsed in this run: python 1, typescript 1\n"
        "portscan: stats: cache warm\n"
        "portscan: stats: cache not saved: read-only file system\n"
    )
