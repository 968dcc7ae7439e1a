"""The pipeline: discover -> extract -> resolve -> analyze -> filter.

``scan(root, config)`` returns a :class:`ScanResult` and never prints, exits or reads a
global. Bad files become diagnostics; the scan always goes on.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portscan.config import Config
from portscan.discover import Listing
from portscan.model import Diagnostic, Extraction, PortFact, ScanResult, ScanStats

if TYPE_CHECKING:
    from portscan.baseline import Baseline
    from portscan.extract import ProgressCallback, RunReport
    from portscan.extractors.base import ExtractOptions, Extractor

#: How far into a file to look for NUL bytes when telling text from binary.
_BINARY_PROBE = 8192
#: Opening a FIFO for reading blocks until a writer comes; without blocking, the opened
#: file can be looked at (and refused) instead. No such flag where the OS has none.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
#: Opening a symlink with this flag fails (ELOOP), so a link is noticed by the open that
#: reads an ordinary file, at no extra cost. Where the OS has none, ``islink`` asks.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
#: What a read asks for past a file's expected size (a file that grows as it is read).
_READ_CHUNK = 1 << 16
_LINE_END_BYTES = re.compile(rb"\r\n|\r|\n")


class UsageError(Exception):
    """A request that cannot be carried out as asked (a bad selector, a missing root)."""


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What extraction made of one file."""

    extraction: Extraction
    parsed: bool  # did any extractor run on it (after the prefilter)
    timed_out: bool = False  # it ran past max-file-time: reported, never cached
    #: Its suppression comments as plain tuples (:func:`portscan.suppress.to_plain`):
    #: found in the text the extractors read, kept when it timed out.
    comments: tuple[Any, ...] = ()


def decode(data: bytes) -> tuple[str | None, str | None]:
    """Text from bytes, or a reason why these bytes are not text we read.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are read; NUL bytes mean binary.
    """
    text, problem, _ = _decode(data)
    return text, problem


def _decode(data: bytes) -> tuple[str | None, str | None, int | None]:
    """:func:`decode`, plus the line of the problem where one line holds it."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None, None
        except UnicodeDecodeError:
            return None, "not valid UTF-16 text", None
    if b"\0" in data[:_BINARY_PROBE]:
        return None, "binary file (NUL bytes); not read", None
    try:
        return data.decode("utf-8"), None, None
    except UnicodeDecodeError as exc:
        # Lines end at \r\n, \r or \n, as every extractor counts them.
        line = len(_LINE_END_BYTES.findall(data, 0, exc.start)) + 1
        problem = f"not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line})"
        return None, problem, line


def extract_file(
    root: Path,
    rel: str,
    extractors: Sequence[Extractor],
    options: ExtractOptions,
    max_size: int,
    time_limit: float | None = None,
) -> FileOutcome:
    """Read one file and run every extractor that claims it; never raises."""
    data = read_file(root, rel, max_size)
    if isinstance(data, FileOutcome):
        return data
    return extract_data(rel, data, extractors, options, time_limit)


def read_file(root: Path | str, rel: str, max_size: int) -> bytes | FileOutcome:
    """The bytes of one file, or the outcome that says why they cannot be read.

    The file is opened once and everything else is asked of the open file, so a path that
    changes after discovery cannot slip past a check: a FIFO is refused without waiting
    for a writer, a folder is never read, and at most ``max_size + 1`` bytes are read, so
    a file that grows past the limit is refused too. A symlink is followed only to a
    file inside ``root``: one that loops, dangles or leads out is refused."""
    path = os.path.join(root, rel)  # not pathlib: this runs once per file of the tree
    try:
        try:
            if not _NOFOLLOW and os.path.islink(path):
                raise OSError(errno.ELOOP, "a symlink")
            fd = os.open(path, os.O_RDONLY | _NONBLOCK | _NOFOLLOW)
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.EMLINK) or not os.path.islink(path):
                raise
            problem = _link_problem(Path(root), rel)
            if problem is not None:
                return _failed(rel, problem)
            fd = os.open(path, os.O_RDONLY | _NONBLOCK)
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                return _failed(rel, "a folder named like a file")
            if not stat.S_ISREG(info.st_mode):
                return _failed(rel, "not a regular file")
            if info.st_size > max_size:
                return _too_big(rel, info.st_size, max_size)
            data = _read_up_to(fd, info.st_size, max_size + 1)
            if len(data) > max_size:  # it grew after discovery
                return _too_big(rel, max(len(data), os.fstat(fd).st_size), max_size)
        finally:
            os.close(fd)
    except PermissionError:
        return _failed(rel, "permission denied")
    except FileNotFoundError:
        return _failed(rel, "file vanished before it could be read")
    except OSError as exc:
        return _failed(rel, f"cannot read: {exc.strerror or exc}")
    return data


def _read_up_to(fd: int, expected: int, limit: int) -> bytes:
    """The bytes of an open regular file, at most ``limit`` of them.

    Each read asks for what the file should still hold (and one byte more, to see a
    file that grew since ``expected`` was taken), never for ``limit`` at once: a read
    allocates what it asks for, and asking each of 5,000 files for ``max-file-size``
    (2 MiB) took a quarter of a second. A short read is the end of a regular file."""
    chunks: list[bytes] = []
    total = 0
    want = min(limit, expected + 1)
    while want > 0:
        chunk = os.read(fd, want)
        chunks.append(chunk)
        total += len(chunk)
        if len(chunk) < want:
            break
        want = min(limit - total, max(want, _READ_CHUNK))
    return b"".join(chunks)


def _link_problem(root: Path, rel: str) -> str | None:
    """Why the symlink at ``rel`` must not be followed, or None when it leads to a path
    inside ``root``."""
    root = root.resolve()
    try:
        target = (root / rel).resolve(strict=True)
    except RuntimeError:  # Python before 3.13 reports a loop this way
        return "symlink loop; not followed"
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # ... and 3.13 this way
            return "symlink loop; not followed"
        return "broken symlink; not followed"
    if not target.is_relative_to(root):
        return "symlink points outside the scan root; not followed"
    return None


def extract_data(
    rel: str,
    data: bytes,
    extractors: Sequence[Extractor],
    options: ExtractOptions,
    time_limit: float | None = None,
) -> FileOutcome:
    """Run every extractor that claims ``rel`` and whose prefilter passes on its bytes.

    A pure function of its arguments, so its outcome can be cached by content hash and
    computed in any process; never raises. The exception is ``time_limit`` (seconds for
    the whole file, from the moment the bytes are here): past it the file is one
    diagnostic (what it yielded so far is dropped, its suppression comments are kept), and
    ``timed_out`` says not to cache that."""
    text: str | None = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, problem, line = _decode(data)  # the prefilter reads UTF-8 bytes
        if text is None:
            return _failed(rel, problem or "unreadable", line)
        data = text.encode("utf-8", "surrogatepass")
    wanted = [e for e in extractors if e.PREFILTER is None or e.PREFILTER.search(data)]
    if not wanted:
        return FileOutcome(Extraction(), parsed=False)
    if text is None and data.startswith(b"bplist00"):
        text = data.decode("latin-1")  # a binary plist: the launchd reader re-encodes it
    elif text is None:
        text, problem, line = _decode(data)
        if text is None:
            return _failed(rel, problem or "unreadable", line)
    from portscan.extractors.deadline import TimeLimitExceeded
    from portscan.suppress import find_in_text, to_plain

    comments = to_plain(find_in_text(rel, text))
    if time_limit is not None:
        options = replace(options, deadline=time.monotonic() + time_limit)
    facts: list[PortFact] = []
    diagnostics: list[Diagnostic] = []
    for extractor in wanted:
        try:
            result = extractor.extract(rel, text, options)
        except TimeLimitExceeded:
            message = f"took longer than max-file-time ({time_limit:g} s) to analyze; skipped"
            return FileOutcome(
                Extraction((), (Diagnostic(rel, None, message),)), True, True, comments
            )
        except RecursionError:
            diagnostics.append(Diagnostic(rel, None, "nested too deeply to parse"))
            continue
        except Exception as exc:  # an extractor bug must not end the scan
            message = f"internal error in the {extractor.NAME} extractor: {exc!r}"
            diagnostics.append(Diagnostic(rel, None, message))
            continue
        facts.extend(result.facts)
        diagnostics.extend(result.diagnostics)
    return FileOutcome(Extraction(tuple(facts), tuple(diagnostics)), True, comments=comments)


def _too_big(rel: str, size: int, max_size: int) -> FileOutcome:
    return _failed(rel, f"file is {size} bytes, over max-file-size ({max_size}); not read")


def _failed(rel: str, message: str, line: int | None = None) -> FileOutcome:
    return FileOutcome(Extraction((), (Diagnostic(rel, line, message),)), parsed=False)


def check_selectors(selectors: Sequence[str]) -> None:
    """Every ``--select``/``--ignore`` value must name or prefix some finding."""
    from portscan.analyze import FINDINGS

    for selector in selectors:
        if not any(
            rule.CODE.upper().startswith(selector.upper()) or selector == rule.NAME
            for rule in FINDINGS
        ):
            known = ", ".join(f"{r.CODE} {r.NAME}" for r in FINDINGS)
            raise UsageError(f"unknown finding {selector!r} (known: {known})")


def scan(
    root: Path,
    config: Config,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    baseline: Baseline | None = None,
    cache_dir: Path | None = None,
    jobs: int = 1,
    progress: ProgressCallback | None = None,
    report: Callable[[RunReport], None] | None = None,
) -> ScanResult:
    """Analyze the tree at ``root``. ``select``/``ignore`` replace the config's lists;
    ``baseline`` hides the findings it holds.

    ``cache_dir`` keeps per-file extraction results there (None: no cache); ``jobs`` > 1
    lets a large extraction run in that many worker processes; ``progress`` hears how
    extraction goes and ``report`` gets the timings and cache counts. None of them
    changes the result."""
    started = time.perf_counter()
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder")
    root = root.resolve()
    with Listing(root) as listing:
        # git lists the files in other processes while this one imports the later
        # stages (a warm scan's longest wait otherwise) and checks the request.
        from portscan.analyze import FINDINGS, Context, analyze
        from portscan.extract import RunReport, extract_all
        from portscan.filter import attach, refine
        from portscan.resolve import resolve

        chosen_select = tuple(select) if select is not None else config.select
        chosen_ignore = tuple(ignore) if ignore is not None else config.ignore
        check_selectors((*chosen_select, *chosen_ignore))
        if config.rules:
            from portscan.extractors.queries import check_rules

            check_rules(config.rules)  # a broken house rule is a config error, found up front
        files = listing.files(config)
    discovered = time.perf_counter()
    extracted = extract_all(root, files, config, cache_dir=cache_dir, jobs=jobs, progress=progress)
    facts = extracted.facts
    errors = extracted.diagnostics
    read, parsed = extracted.files, extracted.parsed
    extracted_at = time.perf_counter()
    graph = resolve(facts, config, files)
    resolved = time.perf_counter()
    unique_errors = tuple(sorted(set(errors), key=_error_key))
    filtered = refine(
        analyze(Context(graph, config, unique_errors)),
        select=chosen_select,
        ignore=chosen_ignore,
        levels=config.severity,
        comments=extracted.comments,
        known={rule.CODE: rule.NAME for rule in FINDINGS},
        baseline=baseline,
    )
    findings = filtered.findings
    result = ScanResult(
        root=".",
        graph=graph,
        findings=findings,
        errors=unique_errors,
        stats=ScanStats(files=read, parsed=parsed, facts=len(graph.facts), findings=len(findings)),
    )
    if report is not None:
        done = time.perf_counter()
        timings = (
            ("discover", discovered - started),
            ("extract", extracted_at - discovered),
            ("resolve", resolved - extracted_at),
            ("analyze", done - resolved),
            ("total", done - started),
        )
        report(RunReport(timings, extracted.stats))
    return attach(result, filtered)


def _error_key(error: Diagnostic) -> tuple[str, int, str]:
    return (error.path, error.line or 0, error.message)


def __getattr__(name: str) -> Any:
    """``api.EXTRACTORS``, imported on first use: a warm scan never needs the extractors."""
    if name == "EXTRACTORS":
        from portscan.extractors import EXTRACTORS

        return EXTRACTORS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["EXTRACTORS", "UsageError", "decode", "extract_file", "scan"]  # noqa: F822
