"""The extract stage of a scan: every discovered file, through the cache, the byte
prefilter and the extractors, in this process or in a pool of worker processes.

:func:`extract_all` returns the same facts and diagnostics, in the same order, whatever
the cache holds and however many workers run: each file's outcome is a pure function of
its path and bytes (and of the key the cache is filed under), and outcomes are put
together in the order of the file list.

The warm path (every file unchanged) imports no extractor and reads no file: it loads
one cache file and compares ``stat`` results. The files the cache cannot vouch for are
read by :mod:`portscan.workers` (imported only then), and the extractors, and through
them the parsers, only when a file needs them.

A cold scan of many files runs in worker processes (``jobs``); which extractors claim a
file is asked there too (it imports every extractor and calls each one's ``matches``:
serial work the parent would otherwise do for every file of the tree). Below
:data:`POOL_MIN_FILES` files to read no pool is started at all.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from portscan.cache import (
    RECORD_LENGTH,
    FileCache,
    Record,
    Stat,
    cache_file,
    cache_key,
    decode_diagnostics,
    decode_facts,
    make_record,
)
from portscan.model import Diagnostic, PortFact

if TYPE_CHECKING:
    from portscan.config import Config
    from portscan.extractors.base import ExtractOptions
    from portscan.workers import Task

#: Fewer files than this to read and no worker process is started.
POOL_MIN_FILES = 48


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
    """The outcome of the extract stage: every claimed file's facts and diagnostics, and
    the suppression comments of the files that hold any (plain tuples by path:
    :func:`portscan.suppress.to_plain`)."""

    facts: tuple[PortFact, ...]
    diagnostics: tuple[Diagnostic, ...]
    files: int  # files an extractor claims
    parsed: int  # of those, files an extractor parsed (in this run or the one cached)
    stats: ExtractStats
    comments: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunReport:
    """Timings (seconds, by stage) and extraction counts of one scan, for ``--stats``."""

    timings: tuple[tuple[str, float], ...]
    extraction: ExtractStats


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
    outcomes: dict[str, _Outcome] = {}
    unsettled: list[tuple[str, int, Stat | None, bytes | None, tuple[str, ...] | None]] = []
    candidates: list[str] = []  # files an extractor may claim, in scan order
    stat_hits = 0
    record_of = records.get  # once per file of the tree: kept local
    with _stat_relative(root) as stat_of:
        for rel in files:
            record = record_of(rel, _UNKNOWN)
            if record is None:
                continue  # no extractor claims this path
            candidates.append(rel)
            try:
                found = stat_of(rel)
            except OSError:
                unsettled.append((rel, 0, None, None, _known_names(record)))
                continue
            stat = (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)
            cached = _open(rel, record)
            if cached is not None and record[:4] == stat:
                outcomes[rel] = cached
                stat_hits += 1
            else:
                known = None if cached is None else record[4]
                unsettled.append((rel, stat[0], stat, known, _known_names(record)))
    total = len(candidates)
    if progress is not None:
        progress(Progress(stat_hits, total, 0))

    counts: dict[str, int] = {}
    hash_hits = extracted = unclaimed = 0

    def settle(answer: tuple[Any, ...], task: Task) -> None:
        """Take one answer of :func:`portscan.workers.process` (``reading``, imported
        below before any answer comes)."""
        nonlocal hash_hits, extracted, unclaimed
        rel, kind = answer[0], answer[1]
        if kind == reading.UNCLAIMED:
            unclaimed += 1
            if store is not None:
                store.put(rel, None)
        elif kind == reading.FAILED:  # unreadable now: reported, never cached
            outcomes[rel] = _Outcome(
                False, decode_facts(rel, answer[2]), decode_diagnostics(rel, answer[3]), answer[5]
            )
            if store is not None:
                failed = _failed_record(answer[4], now_ns)
                if failed is None:
                    store.drop(rel)
                else:
                    store.put(rel, failed)
        elif kind == reading.SAME:
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
            digest, names, parsed, facts, diagnostics, comments = answer[2:8]
            if parsed:
                for name in names:
                    counts[name] = counts.get(name, 0) + 1
            record = make_record(
                task.stat, digest, names, parsed, facts, diagnostics, comments, now_ns
            )
            outcomes[rel] = _Outcome(
                parsed, decode_facts(rel, facts), decode_diagnostics(rel, diagnostics), comments
            )
            if store is not None:
                store.put(rel, record)
        if progress is not None:
            progress(Progress(len(outcomes) + unclaimed, total, extracted))

    workers = 0
    if unsettled:
        from portscan import workers as reading

        tasks = [reading.Task(*values) for values in unsettled]
        options = extraction_options(config)
        job = reading.Job(str(root), options, config.max_file_size, config.max_file_time)
        if jobs > 1 and len(tasks) >= POOL_MIN_FILES:
            workers = reading.run_pool(job, tasks, jobs, settle)
        else:
            for task in tasks:
                settle(reading.process(job, task), task)

    claimed = [rel for rel in candidates if rel in outcomes]
    facts: list[PortFact] = []
    diagnostics: list[Diagnostic] = []
    comments: dict[str, tuple[Any, ...]] = {}
    parsed = 0
    for rel in claimed:
        outcome = outcomes[rel]
        facts.extend(outcome.facts)
        diagnostics.extend(outcome.diagnostics)
        if outcome.comments:
            comments[rel] = outcome.comments
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
    return Extracted(tuple(facts), tuple(diagnostics), len(claimed), parsed, stats, comments)


@contextlib.contextmanager
def _stat_relative(root: Path) -> Iterator[Callable[[str], os.stat_result]]:
    """``os.stat`` of paths relative to ``root``: through the open folder where the OS
    allows it (the kernel then walks only the relative part, a tenth less per call on a
    Linux VM), else by joining the paths."""
    prefix = str(root) + os.sep
    folder = None
    if os.stat in os.supports_dir_fd:
        with contextlib.suppress(OSError):
            folder = os.open(root, os.O_RDONLY)
    if folder is None:
        yield lambda rel: os.stat(prefix + rel)
        return
    try:
        yield functools.partial(os.stat, dir_fd=folder)
    finally:
        os.close(folder)


class _Outcome(NamedTuple):
    """A file's extraction, decoded (its suppression comments stay plain tuples): from a
    cache entry or from this run."""

    parsed: bool
    facts: Sequence[PortFact]
    diagnostics: Sequence[Diagnostic]
    comments: tuple[Any, ...]


#: The outcome of most files: nothing found (parsed or not); shared, not built anew.
_NOTHING = {True: _Outcome(True, (), (), ()), False: _Outcome(False, (), (), ())}
_UNKNOWN: Any = object()


def _open(rel: str, record: Any) -> _Outcome | None:
    """The outcome a cache entry holds, or None when there is none or it is malformed.
    (Most entries hold nothing: they cost a length check and two type checks.)"""
    if type(record) is not tuple or len(record) != RECORD_LENGTH:
        return None
    digest, names, parsed, facts, diagnostics, comments = record[4:]
    if type(digest) is not bytes or type(names) is not tuple or type(parsed) is not bool:
        return None
    if not facts and not diagnostics and not comments:
        return _NOTHING[parsed]
    if type(comments) is not tuple or not all(_is_comment(c) for c in comments):
        return None
    try:
        return _Outcome(
            parsed, decode_facts(rel, facts), decode_diagnostics(rel, diagnostics), comments
        )
    except (TypeError, ValueError, IndexError, KeyError):
        return None


def _is_comment(value: Any) -> bool:
    """A suppression comment as :func:`portscan.suppress.to_plain` stores it."""
    return type(value) is tuple and len(value) == 3 and type(value[1]) is tuple


def _failed_record(names: tuple[str, ...] | None, now_ns: int) -> Record | None:
    """The entry of a file that could not be read: no outcome (its stat never matches, its
    digest matches no bytes), only the extractors that claim it, so the next run that
    tries it again imports just those. None when they are not known."""
    if not names:
        return None
    return make_record(None, b"", names, False, (), (), (), now_ns)


def _known_names(record: Any) -> tuple[str, ...] | None:
    """The extractors that claim a file, from its cache entry; None: not known."""
    if (
        type(record) is tuple
        and len(record) == RECORD_LENGTH
        and type(record[5]) is tuple
        and record[5]
    ):
        names: tuple[str, ...] = record[5]
        return names
    return None


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
]
