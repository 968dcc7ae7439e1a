"""How the command line shows a scan at work: a progress bar and ``--stats``.

Both write to stderr and never to stdout, so that the report (and the JSON document)
stays the same bytes whatever the cache holds, however many workers run, however long
it takes.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from portscan.cache import cache_dir as default_cache_dir
from portscan.extract import Progress, RunReport, default_jobs

#: A scan shorter than this (seconds) shows no bar at all.
DELAY = 1.0
#: The bar is redrawn at most this often (seconds).
INTERVAL = 0.1
_WIDTH = 24


class ProgressBar:
    """``portscan: [#########-----------] 2400/4975 files, 312 parsed`` on a terminal,
    drawn once extraction has run for :data:`DELAY` seconds, cleared when done.

    Pass it as the ``progress`` callback of :func:`portscan.api.scan`; the command line
    creates one only when stderr is a terminal.
    """

    def __init__(
        self,
        stream: TextIO,
        delay: float = DELAY,
        interval: float = INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._clock = clock
        self._start = clock()
        self._delay = delay
        self._interval = interval
        self._drawn_at: float | None = None
        self._width = 0

    def __call__(self, progress: Progress) -> None:
        now = self._clock()
        if now - self._start < self._delay:
            return
        finished = progress.done >= progress.total
        if self._drawn_at is not None and now - self._drawn_at < self._interval and not finished:
            return
        self._draw(render_bar(progress))
        self._drawn_at = now

    def clear(self) -> None:
        """Erase the bar, if one was drawn."""
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0

    def _draw(self, line: str) -> None:
        padding = " " * max(0, self._width - len(line))
        self._stream.write("\r" + line + padding)
        self._stream.flush()
        self._width = len(line)


def render_bar(progress: Progress) -> str:
    """The text of the bar for one state of extraction."""
    share = progress.done / progress.total if progress.total else 1.0
    filled = min(_WIDTH, round(share * _WIDTH))
    bar = "#" * filled + "-" * (_WIDTH - filled)
    return (
        f"portscan: [{bar}] {progress.done}/{progress.total} files read, {progress.parsed} parsed"
    )


def render_stats(report: RunReport) -> str:
    """What ``--stats`` prints: timings, what the cache saved, what was parsed."""
    stats = report.extraction
    timings = ", ".join(f"{stage} {seconds:.3f}s" for stage, seconds in report.timings)
    parsers = ", ".join(f"{name} {count}" for name, count in stats.parsers) or "none"
    where = "in this process" if stats.workers == 0 else f"{stats.workers} worker processes"
    lines = [
        f"portscan: stats: {timings}",
        f"portscan: stats: {stats.files} files claimed: {stats.stat_hits} unchanged (stat),"
        f" {stats.hash_hits} unchanged (content hash), {stats.extracted} extracted"
        f" ({where})",
        f"portscan: stats: parsed in this run: {parsers}",
        f"portscan: stats: cache {stats.cache}",
    ]
    if stats.cache_note:
        lines.append(f"portscan: stats: {stats.cache_note}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class RunSettings:
    """How :func:`portscan.api.scan` should run, from the command line's options."""

    cache_dir: Path | None
    jobs: int
    progress: Callable[[Progress], None] | None
    report: Callable[[RunReport], None] | None


@contextmanager
def run_settings(
    root: Path,
    *,
    no_cache: bool,
    cache_dir: Path | None,
    jobs: int | None,
    stats: bool,
    stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> Iterator[RunSettings]:
    """The settings for one scan of ``root``; the progress bar is erased on the way out.

    The cache folder: none with ``no_cache``; else ``cache_dir``; else
    ``$XDG_CACHE_HOME/portscan``; else ``.portscan_cache`` at the root. ``jobs`` None:
    one worker per CPU. The bar is drawn only when ``stream`` (stderr) is a terminal.
    """
    out = sys.stderr if stream is None else stream
    env = os.environ if environ is None else environ
    folder = None if no_cache else default_cache_dir(root.resolve(), cache_dir, env)
    bar = ProgressBar(out) if out.isatty() else None

    def report(run: RunReport) -> None:
        if bar is not None:
            bar.clear()
        out.write(render_stats(run))
        out.flush()

    try:
        yield RunSettings(
            cache_dir=folder,
            jobs=default_jobs() if jobs is None else jobs,
            progress=bar,
            report=report if stats else None,
        )
    finally:
        if bar is not None:
            bar.clear()


__all__ = [
    "DELAY",
    "INTERVAL",
    "ProgressBar",
    "RunSettings",
    "render_bar",
    "render_stats",
    "run_settings",
]
