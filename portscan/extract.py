"""The extract stage of a scan: every discovered file, through the cache, the byte
prefilter and the extractors, in this process or in a pool of worker processes.

:func:`extract_all` returns the same facts and diagnostics, in the same order, whatever
the cache holds and however many workers run: each file's outcome is a pure function of
its path and bytes (and of the key the cache is filed under), and outcomes are put
together in the order of the file list.

The warm path (every file unchanged) imports no extractor and reads no file: it loads
one cache file and compares ``stat`` results. Extractors, and through them the parsers,
are imported only when a file has to be read.

A cold scan of many files runs in worker processes (``jobs``). Which extractors claim a
file is asked there too (it imports every extractor and calls each one's ``matches``:
serial work the parent would otherwise do for every file of the tree). A tree-sitter
grammar costs a lot to start (its queries compile) and little per file, so files are
planned onto workers by the parser their name suggests, each group kept on as few
workers as the balance allows; within a worker the largest files go first. Below
:data:`POOL_MIN_FILES` files to read no pool is started at all.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from portscan.cache import (
    FileCache,
    Record,
    Stat,
    cache_file,
    cache_key,
    decode_diagnostics,
    decode_facts,
    encode_outcome,
    file_digest,
    make_record,
)
from portscan.model import Diagnostic, PortFact

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from portscan.config import Config
    from portscan.extractors.base import ExtractOptions

#: Fewer files than this to read and no worker process is started.
POOL_MIN_FILES = 48
#: A worker sends its results at least this often (seconds) ...
_SEND_EVERY = 0.05
#: ... or once it holds this many.
_SEND_BATCH = 64

#: Planning groups: the parser a file's name suggests it starts. A tree-sitter grammar is
#: one group (its queries compile once per process); everything else is "other". They
#: only decide which worker reads which file, never what a file yields.
_GROUP_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("typescript", (".ts", ".mts", ".cts")),
    ("tsx", (".tsx", ".js", ".jsx", ".mjs", ".cjs", ".svelte", ".vue", ".astro")),
    ("shell", (".sh", ".bash")),
    ("go", (".go",)),
)
#: Scheduling estimates per group, in milliseconds: the cost of starting its parser in a
#: process (imports, query compilation) and of one KiB of a file (the prefilter, and
#: parsing the share of files that pass it).
_START_MS: dict[str, float] = {"typescript": 150.0, "tsx": 150.0, "shell": 60.0, "go": 25.0}
_KIB_MS: dict[str, float] = {"typescript": 0.06, "tsx": 0.06, "shell": 0.08, "go": 0.06}
_FILE_MS = 0.05
_KIB_MS_OTHER = 0.05
#: A group is spread over more workers only if it exceeds a fair share by over 10%.
_SPLIT_GAIN = 0.10

#: A parallel scan stops a worker that has been on one file this many times its
#: max-file-time (at least one second more): work that never checks the deadline.
_STOP_AFTER = 2.0
#: How often (seconds) a parallel scan looks for such a worker.
_WATCH_EVERY = 0.25

# A worker's answer for one file, as plain tuples (they cross a pipe):
_FAILED = 0  # (rel, _FAILED, facts, diagnostics, names): unreadable or too slow; never cached
_SAME = 1  # (rel, _SAME, digest): the same bytes as the cached entry
_NEW = 2  # (rel, _NEW, digest, names, parsed, facts, diagnostics)
_UNCLAIMED = 3  # (rel, _UNCLAIMED): no extractor reads this path


@dataclass(frozen=True, slots=True)
class Progress:
    """How far extraction is: files settled (cache hits included) out of those an
    extractor claims, and how many of them were parsed so far in this run."""

    done: int
    total: int
    parsed: int


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True, slots=True)
class ExtractStats:
    """What extraction did in this run (for ``--stats``; never part of a result)."""

    files: int  # files an extractor claims
    stat_hits: int  # cached entries trusted on their stat
    hash_hits: int  # files read whose bytes matched their cached entry
    extracted: int  # files read and run through their extractors
    parsers: tuple[tuple[str, int], ...]  # extractor -> files it parsed in this run
    workers: int  # worker processes started; 0: all in this process
    cache: str  # "off", "warm", or "cold: <why>"
    cache_note: str | None = None  # why the cache could not be saved, if so


@dataclass(frozen=True, slots=True)
class Extracted:
    facts: tuple[PortFact, ...]
    diagnostics: tuple[Diagnostic, ...]
    files: int  # files an extractor claims
    parsed: int  # of those, files an extractor parsed (in this run or the one cached)
    stats: ExtractStats


@dataclass(frozen=True, slots=True)
class RunReport:
    """Timings (seconds, by stage) and extraction counts of one scan, for ``--stats``."""

    timings: tuple[tuple[str, float], ...]
    extraction: ExtractStats


@dataclass(frozen=True, slots=True)
class _Task:
    rel: str
    size: int
    stat: Stat | None  # taken before the file is read; None when stat failed
    known: bytes | None  # the digest of a cached entry whose stat no longer matches
    #: The extractors that claim the file, when an earlier run knew; None: ask.
    names: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class _Job:
    """What every worker needs besides its tasks."""

    root: str
    options: ExtractOptions
    max_size: int
    time_limit: float | None  # seconds per file (max-file-time); None: no limit


def extraction_options(config: Config) -> ExtractOptions:
    """The extractor options a config implies (a function of the config: the cache key
    holds the config fields it reads)."""
    from portscan.extractors.base import ExtractOptions

    return ExtractOptions(rule_dirs=config.rules)


def extract_all(
    root: Path,
    files: Sequence[str],
    config: Config,
    *,
    cache_dir: Path | None = None,
    jobs: int = 1,
    progress: ProgressCallback | None = None,
) -> Extracted:
    """Facts and diagnostics of ``files`` (POSIX paths under ``root``, in scan order).

    ``cache_dir`` None reads and writes no cache. ``jobs`` > 1 allows that many worker
    processes. ``progress`` is called as files are settled.
    """
    now_ns = time.time_ns()
    store: FileCache | None = None
    if cache_dir is not None:
        key = cache_key(config.rules, config.max_file_size)
        store = FileCache.open(cache_file(cache_dir, root), key)
    records: dict[str, Record | None] = store.records if store is not None else {}
    prefix = str(root) + os.sep
    outcomes: dict[str, _Outcome] = {}
    tasks: list[_Task] = []
    candidates: list[str] = []  # files an extractor may claim, in scan order
    stat_hits = 0
    for rel in files:
        record = records.get(rel, _UNKNOWN)
        if record is None:
            continue  # no extractor claims this path
        candidates.append(rel)
        try:
            found = os.stat(prefix + rel)
        except OSError:
            tasks.append(_Task(rel, 0, None, None, _known_names(record)))
            continue
        stat = (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)
        cached = _open(rel, record)
        if cached is not None and record[:4] == stat:
            outcomes[rel] = cached
            stat_hits += 1
        else:
            known = None if cached is None else record[4]
            tasks.append(_Task(rel, stat[0], stat, known, _known_names(record)))
    total = len(candidates)
    if progress is not None:
        progress(Progress(stat_hits, total, 0))

    counts: dict[str, int] = {}
    hash_hits = extracted = unclaimed = 0

    def settle(answer: tuple[Any, ...], task: _Task) -> None:
        nonlocal hash_hits, extracted, unclaimed
        rel, kind = answer[0], answer[1]
        if kind == _UNCLAIMED:
            unclaimed += 1
            if store is not None:
                store.put(rel, None)
        elif kind == _FAILED:  # unreadable now: reported, never cached
            outcomes[rel] = _Outcome(
                False, decode_facts(rel, answer[2]), decode_diagnostics(rel, answer[3])
            )
            if store is not None:
                failed = _failed_record(answer[4], now_ns)
                if failed is None:
                    store.drop(rel)
                else:
                    store.put(rel, failed)
        elif kind == _SAME:
            hash_hits += 1
            old = records[rel]
            cached = _open(rel, old)
            # A task knows a digest only from a sound entry: both are there.
            assert old is not None
            assert cached is not None
            outcomes[rel] = cached
            if store is not None:
                store.put(rel, make_record(task.stat, *old[4:], now_ns))
        else:
            extracted += 1
            digest, names, parsed, facts, diagnostics = answer[2:7]
            if parsed:
                for name in names:
                    counts[name] = counts.get(name, 0) + 1
            record = make_record(task.stat, digest, names, parsed, facts, diagnostics, now_ns)
            outcomes[rel] = _Outcome(
                parsed, decode_facts(rel, facts), decode_diagnostics(rel, diagnostics)
            )
            if store is not None:
                store.put(rel, record)
        if progress is not None:
            progress(Progress(len(outcomes) + unclaimed, total, extracted))

    workers = 0
    if tasks:
        options = extraction_options(config)
        job = _Job(str(root), options, config.max_file_size, config.max_file_time)
        if jobs > 1 and len(tasks) >= POOL_MIN_FILES:
            workers = _run_pool(job, tasks, jobs, settle)
        else:
            for task in tasks:
                settle(_process(job, task), task)

    claimed = [rel for rel in candidates if rel in outcomes]
    facts: list[PortFact] = []
    diagnostics: list[Diagnostic] = []
    parsed = 0
    for rel in claimed:
        outcome = outcomes[rel]
        facts.extend(outcome.facts)
        diagnostics.extend(outcome.diagnostics)
        parsed += outcome.parsed
    note = None
    if store is not None:
        store.keep_only(files)
        note = store.save()
    stats = ExtractStats(
        files=len(claimed),
        stat_hits=stat_hits,
        hash_hits=hash_hits,
        extracted=extracted,
        parsers=tuple(sorted(counts.items())),
        workers=workers,
        cache="off" if store is None else store.state,
        cache_note=note,
    )
    return Extracted(tuple(facts), tuple(diagnostics), len(claimed), parsed, stats)


class _Outcome(NamedTuple):
    """A file's extraction, decoded: from a cache entry or from this run."""

    parsed: bool
    facts: Sequence[PortFact]
    diagnostics: Sequence[Diagnostic]


#: The outcome of most files: nothing found (parsed or not); shared, not built anew.
_NOTHING = {True: _Outcome(True, (), ()), False: _Outcome(False, (), ())}
_UNKNOWN: Any = object()


def _open(rel: str, record: Any) -> _Outcome | None:
    """The outcome a cache entry holds, or None when there is none or it is malformed.
    (Most entries hold nothing: they cost a length check and two type checks.)"""
    if type(record) is not tuple or len(record) != 9:
        return None
    digest, names, parsed, facts, diagnostics = record[4:]
    if type(digest) is not bytes or type(names) is not tuple or type(parsed) is not bool:
        return None
    if not facts and not diagnostics:
        return _NOTHING[parsed]
    try:
        return _Outcome(parsed, decode_facts(rel, facts), decode_diagnostics(rel, diagnostics))
    except (TypeError, ValueError, IndexError, KeyError):
        return None


def _failed_record(names: tuple[str, ...] | None, now_ns: int) -> Record | None:
    """The entry of a file that could not be read: no outcome (its stat never matches, its
    digest matches no bytes), only the extractors that claim it, so the next run that
    tries it again imports just those. None when they are not known."""
    if not names:
        return None
    return make_record(None, b"", names, False, (), (), now_ns)


def _known_names(record: Any) -> tuple[str, ...] | None:
    """The extractors that claim a file, from its cache entry; None: not known."""
    if type(record) is tuple and len(record) == 9 and type(record[5]) is tuple and record[5]:
        names: tuple[str, ...] = record[5]
        return names
    return None


def claimed_names(rel: str) -> tuple[str, ...]:
    """The names of the extractors that claim ``rel`` (importing them on first use)."""
    from portscan.extractors import claimed_by

    return tuple(extractor.NAME for extractor in claimed_by(rel))


# -- one file -----------------------------------------------------------------------------


def _process(job: _Job, task: _Task) -> tuple[Any, ...]:
    """Ask which extractors claim one file, read it, compare it with its cached digest,
    extract it if it changed."""
    from portscan.api import FileOutcome, extract_data, read_file
    from portscan.extractors import EXTRACTORS

    rel = task.rel
    names = task.names if task.names is not None else claimed_names(rel)
    if not names:
        return (rel, _UNCLAIMED)
    data = read_file(job.root, rel, job.max_size)
    if isinstance(data, FileOutcome):
        facts, diagnostics = encode_outcome(rel, data.extraction.facts, data.extraction.diagnostics)
        return (rel, _FAILED, facts, diagnostics, names)
    digest = file_digest(data)
    if digest == task.known:
        return (rel, _SAME, digest)
    extractors = [EXTRACTORS[name] for name in names]
    outcome = extract_data(rel, data, extractors, job.options, job.time_limit)
    facts, diagnostics = encode_outcome(
        rel, outcome.extraction.facts, outcome.extraction.diagnostics
    )
    if outcome.timed_out:
        return (rel, _FAILED, facts, diagnostics, names)
    return (rel, _NEW, digest, names, outcome.parsed, facts, diagnostics)


# -- many files in worker processes -----------------------------------------------------------


def plan_group(rel: str) -> str:
    """The planning group of a file: the tree-sitter grammar its name suggests, or
    "other"."""
    name = rel.rsplit("/", 1)[-1]
    for group, suffixes in _GROUP_SUFFIXES:
        if name.endswith(suffixes):
            return group
    return "other"


def plan(
    tasks: Sequence[_Task], families: Sequence[tuple[str, ...]], jobs: int
) -> list[list[_Task]]:
    """Tasks onto at most ``jobs`` workers, largest files first within each.

    Files are grouped by family (their planning groups). Group by group, largest first,
    each goes to the k least loaded workers, paying its start-up cost (imports, query
    compilation) in each. A group is split only when it cannot fit one worker's fair
    share of all the work (the total over ``jobs``, :data:`_SPLIT_GAIN` allowed): k is
    the smallest number of workers whose share of it fits. Splitting every group that
    would merely finish sooner on its own would start each parser in every worker.
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, family in enumerate(families):
        groups.setdefault(family, []).append(index)
    costs = [_file_cost(task, family) for task, family in zip(tasks, families, strict=True)]
    loads = [0.0] * jobs
    bins: list[list[int]] = [[] for _ in range(jobs)]

    def start_of(family: tuple[str, ...]) -> float:
        return sum(_START_MS.get(name, 0.0) for name in family)

    def total(family: tuple[str, ...]) -> float:
        return start_of(family) + sum(costs[i] for i in groups[family])

    fair = sum(total(family) for family in groups) / jobs * (1 + _SPLIT_GAIN)
    for family in sorted(groups, key=lambda f: (-total(f), f)):
        start = start_of(family)
        work = total(family) - start
        k = 1
        while k < jobs and start + work / k > fair:
            k += 1
        targets = sorted(range(jobs), key=lambda b: (loads[b], b))[:k]
        for b in targets:
            loads[b] += start
        for index in sorted(groups[family], key=lambda i: (-costs[i], tasks[i].rel)):
            b = min(targets, key=lambda b: (loads[b], b))
            bins[b].append(index)
            loads[b] += costs[index]
    return [
        [tasks[i] for i in sorted(indices, key=lambda i: (-tasks[i].size, tasks[i].rel))]
        for indices in bins
        if indices
    ]


def _file_cost(task: _Task, family: tuple[str, ...]) -> float:
    kib = task.size / 1024
    return _FILE_MS + sum(kib * _KIB_MS.get(name, _KIB_MS_OTHER) for name in family)


def _run_pool(
    job: _Job, tasks: list[_Task], jobs: int, settle: Callable[[tuple[Any, ...], _Task], None]
) -> int:
    """Run ``tasks`` in worker processes, handing every answer to ``settle``. A worker
    that dies (a parser crashing the interpreter) costs the file it was reading a
    diagnostic; so does a worker stopped for staying on one file too long. The files it
    had not reached run again. Returns the workers started."""
    by_rel = {task.rel: task for task in tasks}
    pending = plan(tasks, [(plan_group(task.rel),) for task in tasks], jobs)
    started = 0
    immediate = False  # after a crash, answers are sent one by one to find the culprit
    while pending:
        unfinished: list[list[_Task]] = []
        for remaining, code, stopped in _round(job, pending, immediate, settle, by_rel):
            if not remaining:
                continue
            if immediate and not stopped:
                culprit, remaining = remaining[0], remaining[1:]
                message = f"the parser crashed on this file (worker exit code {code}); not read"
                answer = (culprit.rel, _FAILED, (), ((None, None, message),), culprit.names)
                settle(answer, culprit)
            if remaining:
                unfinished.append(remaining)
        started += len(pending)
        pending = unfinished
        immediate = True
    return started


def stop_after(time_limit: float | None) -> float | None:
    """Seconds on one file after which a worker is stopped from outside."""
    if time_limit is None:
        return None
    return max(time_limit * _STOP_AFTER, time_limit + 1.0)


@dataclass(slots=True)
class _Worker:
    process: Any
    tasks: list[_Task]
    done: set[str]
    #: Shared with the process: [index of the task it is on, time.monotonic() when it
    #: started it (0: none)]. CLOCK_MONOTONIC is one clock for every process.
    state: Any
    stopped: bool = False


def _round(
    job: _Job,
    bins: list[list[_Task]],
    immediate: bool,
    settle: Callable[[tuple[Any, ...], _Task], None],
    by_rel: dict[str, _Task],
) -> Iterator[tuple[list[_Task], int | None, bool]]:
    """One pool: a worker per bin. Yields, per worker, the tasks it did not answer, its
    exit code, and whether it was stopped for staying on one file too long."""
    from multiprocessing.connection import Connection, wait

    context = _context()
    limit = stop_after(job.time_limit)
    workers: dict[Connection, _Worker] = {}
    try:
        for tasks in bins:
            receiver, sender = context.Pipe(duplex=False)
            state = context.RawArray("d", 2)
            process = context.Process(
                target=_worker, args=(sender, job, tasks, immediate, state), daemon=True
            )
            process.start()
            sender.close()
            workers[receiver] = _Worker(process, tasks, set(), state)
        live = set(workers)
        while live:
            for ready in wait(list(live), timeout=None if limit is None else _WATCH_EVERY):
                assert isinstance(ready, Connection)
                try:
                    answers = ready.recv()
                except (EOFError, OSError):
                    live.discard(ready)
                    continue
                worker = workers[ready]
                for answer in answers:
                    if answer[0] not in worker.done:  # not stopped in the meantime
                        worker.done.add(answer[0])
                        settle(answer, by_rel[answer[0]])
            if limit is not None:
                for connection in live:
                    _stop_if_stuck(workers[connection], limit, job, settle)
        for connection, worker in workers.items():
            worker.process.join()
            connection.close()
            remaining = [task for task in worker.tasks if task.rel not in worker.done]
            yield remaining, worker.process.exitcode, worker.stopped
    finally:
        for worker in workers.values():
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join()


def _stop_if_stuck(
    worker: _Worker, limit: float, job: _Job, settle: Callable[[tuple[Any, ...], _Task], None]
) -> None:
    """Kill a worker that has been on one file longer than ``limit`` seconds; that file
    gets a diagnostic (never cached), the worker's other files run again."""
    started = worker.state[1]
    index = int(worker.state[0])
    if not started or started != worker.state[1] or worker.stopped:
        return  # idle, or it moved on while we read
    if time.monotonic() - started <= limit or not worker.process.is_alive():
        return
    task = worker.tasks[index]
    if task.rel in worker.done:
        return
    worker.process.kill()
    worker.stopped = True
    worker.done.add(task.rel)
    message = (
        f"took longer than max-file-time ({job.time_limit:g} s) to analyze; its worker was stopped"
    )
    settle((task.rel, _FAILED, (), ((None, None, message),), task.names), task)


def _worker(sender: Connection, job: _Job, tasks: list[_Task], immediate: bool, state: Any) -> None:
    """A worker process: answer every task, sending answers in small batches, and say
    in ``state`` which task it is on since when."""
    batch: list[tuple[Any, ...]] = []
    last = time.monotonic()
    for index, task in enumerate(tasks):
        state[1] = 0.0
        state[0] = index
        state[1] = time.monotonic()
        batch.append(_process(job, task))
        now = time.monotonic()
        if immediate or len(batch) >= _SEND_BATCH or now - last >= _SEND_EVERY:
            sender.send(batch)
            batch, last = [], now
    state[1] = 0.0
    if batch:
        sender.send(batch)
    sender.close()


def _context() -> Any:
    """fork where it is safe and cheap (Linux): workers inherit the imported modules."""
    import multiprocessing

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


__all__ = [
    "POOL_MIN_FILES",
    "ExtractStats",
    "Extracted",
    "Progress",
    "ProgressCallback",
    "RunReport",
    "default_jobs",
    "extract_all",
    "extraction_options",
    "plan",
]
