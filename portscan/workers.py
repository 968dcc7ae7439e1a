"""Reading files for the extract stage: one file (:func:`process`), or many in a pool of
worker processes (:func:`run_pool`).

A task is one file the cache could not vouch for. :func:`process` asks which extractors
claim it (unless the cache remembered), reads it, compares its digest with the cached one
and extracts it only if its bytes changed; the answer is a plain tuple, so it can cross a
pipe. :mod:`portscan.extract` imports this module only when some file needs reading: a
warm scan never does.

A tree-sitter grammar costs a lot to start (its queries compile) and little per file, so
:func:`plan` puts files onto workers by the parser their name suggests, each group kept on
as few workers as the balance allows; within a worker the largest files go first. A
worker that dies costs the file it was on a diagnostic, and so does one that stays on a
file far past ``max-file-time``; the files it had not reached run again.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from portscan.cache import Stat, encode_outcome, file_digest

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from portscan.extractors.base import ExtractOptions

#: A worker sends its results at least this often (seconds) ...
_SEND_EVERY = 0.05
#: ... or once it holds this many.
_SEND_BATCH = 64

#: Planning groups: the parser a file's name suggests it starts. A tree-sitter grammar is
#: one group (its queries compile once per process); everything else is "other". They
#: only decide which worker reads which file, never what a file yields.
_GROUP_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("typescript", (".ts", ".mts", ".cts", ".mjs", ".cjs", ".svelte", ".vue", ".astro")),
    ("tsx", (".tsx", ".js", ".jsx")),
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

# A worker's answer for one file, as plain tuples (they cross a pipe). ``comments`` are
# the file's suppression comments (portscan.suppress.to_plain).
FAILED = 0  # (rel, FAILED, facts, diagnostics, names, comments): never cached
SAME = 1  # (rel, SAME, digest): the same bytes as the cached entry
NEW = 2  # (rel, NEW, digest, names, parsed, facts, diagnostics, comments)
UNCLAIMED = 3  # (rel, UNCLAIMED): no extractor reads this path


@dataclass(frozen=True, slots=True)
class Task:
    """One file the cache could not vouch for, and what the cache knew of it."""

    rel: str
    size: int
    stat: Stat | None  # taken before the file is read; None when stat failed
    known: bytes | None  # the digest of a cached entry whose stat no longer matches
    #: The extractors that claim the file, when an earlier run knew; None: ask.
    names: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """What every worker needs besides its tasks."""

    root: str
    options: ExtractOptions
    max_size: int
    time_limit: float | None  # seconds per file (max-file-time); None: no limit


def claimed_names(rel: str) -> tuple[str, ...]:
    """The names of the extractors that claim ``rel`` (importing them on first use)."""
    from portscan.extractors import claimed_by

    return tuple(extractor.NAME for extractor in claimed_by(rel))


# -- one file -----------------------------------------------------------------------------


def process(job: Job, task: Task) -> tuple[Any, ...]:
    """Ask which extractors claim one file, read it, compare it with its cached digest,
    extract it if it changed."""
    from portscan.api import FileOutcome, extract_data, read_file
    from portscan.extractors import EXTRACTORS

    rel = task.rel
    names = task.names if task.names is not None else claimed_names(rel)
    if not names:
        return (rel, UNCLAIMED)
    data = read_file(job.root, rel, job.max_size)
    if isinstance(data, FileOutcome):
        facts, diagnostics = encode_outcome(rel, data.extraction.facts, data.extraction.diagnostics)
        return (rel, FAILED, facts, diagnostics, names, ())
    digest = file_digest(data)
    if digest == task.known:
        return (rel, SAME, digest)
    extractors = [EXTRACTORS[name] for name in names]
    outcome = extract_data(rel, data, extractors, job.options, job.time_limit)
    facts, diagnostics = encode_outcome(
        rel, outcome.extraction.facts, outcome.extraction.diagnostics
    )
    if outcome.timed_out:
        return (rel, FAILED, facts, diagnostics, names, outcome.comments)
    return (rel, NEW, digest, names, outcome.parsed, facts, diagnostics, outcome.comments)


def suppression_comments(rel: str, data: bytes) -> tuple[Any, ...]:
    """The suppression comments in a file's bytes, as plain tuples, for a file no
    extraction finished with (its worker died on it); () when they are not text."""
    from portscan.api import decode
    from portscan.suppress import find_in_text, to_plain

    text, _ = decode(data)
    return () if text is None else to_plain(find_in_text(rel, text))


# -- many files in worker processes -----------------------------------------------------------


def plan_group(rel: str) -> str:
    """The planning group of a file: the tree-sitter grammar its name suggests, or
    "other"."""
    name = rel.rsplit("/", 1)[-1]
    for group, suffixes in _GROUP_SUFFIXES:
        if name.endswith(suffixes):
            return group
    return "other"


def plan(tasks: Sequence[Task], families: Sequence[tuple[str, ...]], jobs: int) -> list[list[Task]]:
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
        if k == 1:  # one worker takes the whole group: nothing to choose file by file
            bins[targets[0]].extend(groups[family])
            loads[targets[0]] += work
            continue
        for index in sorted(groups[family], key=lambda i: (-costs[i], tasks[i].rel)):
            b = min(targets, key=lambda b: (loads[b], b))
            bins[b].append(index)
            loads[b] += costs[index]
    return [
        [tasks[i] for i in sorted(indices, key=lambda i: (-tasks[i].size, tasks[i].rel))]
        for indices in bins
        if indices
    ]


def _file_cost(task: Task, family: tuple[str, ...]) -> float:
    kib = task.size / 1024
    return _FILE_MS + sum(kib * _KIB_MS.get(name, _KIB_MS_OTHER) for name in family)


def run_pool(
    job: Job, tasks: list[Task], jobs: int, settle: Callable[[tuple[Any, ...], Task], None]
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
        unfinished: list[list[Task]] = []
        for remaining, code, stopped in _round(job, pending, immediate, settle, by_rel):
            if not remaining:
                continue
            if immediate and not stopped:
                culprit, remaining = remaining[0], remaining[1:]
                message = f"the parser crashed on this file (worker exit code {code}); not read"
                settle(_lost(job, culprit, message), culprit)
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
    """One worker process of a pool, its tasks, and the answers it gave so far."""

    process: Any
    tasks: list[Task]
    done: set[str]
    #: Shared with the process: [index of the task it is on, time.monotonic() when it
    #: started it (0: none)]. CLOCK_MONOTONIC is one clock for every process.
    state: Any
    stopped: bool = False


def _round(
    job: Job,
    bins: list[list[Task]],
    immediate: bool,
    settle: Callable[[tuple[Any, ...], Task], None],
    by_rel: dict[str, Task],
) -> Iterator[tuple[list[Task], int | None, bool]]:
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
    worker: _Worker, limit: float, job: Job, settle: Callable[[tuple[Any, ...], Task], None]
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
    settle(_lost(job, task, message), task)


def _lost(job: Job, task: Task, message: str) -> tuple[Any, ...]:
    """The answer for a file whose worker died or was stopped on it: one diagnostic, and
    the file's suppression comments, read here (a comment may silence that diagnostic)."""
    from portscan.api import read_file

    data = read_file(job.root, task.rel, job.max_size)
    comments = () if not isinstance(data, bytes) else suppression_comments(task.rel, data)
    return (task.rel, FAILED, (), ((None, None, message),), task.names, comments)


def _worker(sender: Connection, job: Job, tasks: list[Task], immediate: bool, state: Any) -> None:
    """A worker process: answer every task, sending answers in small batches, and say
    in ``state`` which task it is on since when."""
    batch: list[tuple[Any, ...]] = []
    last = time.monotonic()
    for index, task in enumerate(tasks):
        state[1] = 0.0
        state[0] = index
        state[1] = time.monotonic()
        batch.append(process(job, task))
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


__all__ = [
    "FAILED",
    "NEW",
    "SAME",
    "UNCLAIMED",
    "Job",
    "Task",
    "claimed_names",
    "plan",
    "plan_group",
    "process",
    "run_pool",
    "stop_after",
]
