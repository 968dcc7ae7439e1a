"""The pipeline: discover -> extract -> resolve -> analyze -> filter.

``scan(root, config)`` returns a :class:`ScanResult` and never prints, exits or reads a
global. Bad files become diagnostics; the scan always goes on.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from portscan.analyze import FINDINGS, Context, analyze
from portscan.config import Config
from portscan.discover import discover
from portscan.extractors import EXTRACTORS, claimed_by
from portscan.extractors.base import ExtractOptions, Extractor
from portscan.filter import apply_selection
from portscan.model import Diagnostic, Extraction, PortFact, ScanResult, ScanStats

#: How far into a file to look for NUL bytes when telling text from binary.
_BINARY_PROBE = 8192


class UsageError(Exception):
    """A request that cannot be carried out as asked (a bad selector, a missing root)."""


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What extraction made of one file."""

    extraction: Extraction
    parsed: bool  # did any extractor run on it (after the prefilter)


def decode(data: bytes) -> tuple[str | None, str | None]:
    """Text from bytes, or a reason why these bytes are not text we read.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are read; NUL bytes mean binary.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, "not valid UTF-16 text"
    if b"\0" in data[:_BINARY_PROBE]:
        return None, "binary file (NUL bytes); not read"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line})"


def extract_file(
    root: Path,
    rel: str,
    extractors: Sequence[Extractor],
    options: ExtractOptions,
    max_size: int,
) -> FileOutcome:
    """Read one file and run every extractor that claims it; never raises."""
    path = root / rel
    try:
        if not path.is_file():
            reason = "a folder named like a file" if path.is_dir() else "not a regular file"
            return _failed(rel, reason)
        size = path.stat().st_size
        if size > max_size:
            return _failed(rel, f"file is {size} bytes, over max-file-size ({max_size}); not read")
        data = path.read_bytes()
    except PermissionError:
        return _failed(rel, "permission denied")
    except FileNotFoundError:
        return _failed(rel, "file vanished before it could be read")
    except OSError as exc:
        return _failed(rel, f"cannot read: {exc.strerror or exc}")
    text: str | None = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, problem = decode(data)  # the prefilter reads UTF-8 bytes
        if text is None:
            return _failed(rel, problem or "unreadable")
        data = text.encode("utf-8", "surrogatepass")
    wanted = [e for e in extractors if e.PREFILTER is None or e.PREFILTER.search(data)]
    if not wanted:
        return FileOutcome(Extraction(), parsed=False)
    if text is None and data.startswith(b"bplist00"):
        text = data.decode("latin-1")  # a binary plist: the launchd reader re-encodes it
    elif text is None:
        text, problem = decode(data)
        if text is None:
            return _failed(rel, problem or "unreadable")
    facts: list[PortFact] = []
    diagnostics: list[Diagnostic] = []
    for extractor in wanted:
        try:
            result = extractor.extract(rel, text, options)
        except RecursionError:
            diagnostics.append(Diagnostic(rel, None, "nested too deeply to parse"))
            continue
        except Exception as exc:  # an extractor bug must not end the scan
            message = f"internal error in the {extractor.NAME} extractor: {exc!r}"
            diagnostics.append(Diagnostic(rel, None, message))
            continue
        facts.extend(result.facts)
        diagnostics.extend(result.diagnostics)
    return FileOutcome(Extraction(tuple(facts), tuple(diagnostics)), parsed=True)


def _failed(rel: str, message: str) -> FileOutcome:
    return FileOutcome(Extraction((), (Diagnostic(rel, None, message),)), parsed=False)


def check_selectors(selectors: Sequence[str]) -> None:
    """Every ``--select``/``--ignore`` value must name or prefix some finding."""
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
) -> ScanResult:
    """Analyze the tree at ``root``. ``select``/``ignore`` replace the config's lists."""
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder")
    chosen_select = tuple(select) if select is not None else config.select
    chosen_ignore = tuple(ignore) if ignore is not None else config.ignore
    check_selectors((*chosen_select, *chosen_ignore))
    root = root.resolve()
    if config.rules:
        from portscan.extractors.queries import check_rules

        check_rules(config.rules)  # a broken house rule is a config error, found up front
    found = discover(root, config)
    options = ExtractOptions(rule_dirs=config.rules)
    facts: list[PortFact] = []
    errors: list[Diagnostic] = list(found.diagnostics)
    read = parsed = 0
    for rel in found.files:
        extractors = claimed_by(rel)
        if not extractors:
            continue
        read += 1
        outcome = extract_file(root, rel, extractors, options, config.max_file_size)
        parsed += outcome.parsed
        facts.extend(outcome.extraction.facts)
        errors.extend(outcome.extraction.diagnostics)
    from portscan.resolve import resolve

    graph = resolve(facts, config, found.files)
    unique_errors = tuple(sorted(set(errors), key=_error_key))
    findings = apply_selection(
        analyze(Context(graph, config, unique_errors)), chosen_select, chosen_ignore
    )
    return ScanResult(
        root=".",
        graph=graph,
        findings=findings,
        errors=unique_errors,
        stats=ScanStats(files=read, parsed=parsed, facts=len(graph.facts), findings=len(findings)),
    )


def _error_key(error: Diagnostic) -> tuple[str, int, str]:
    return (error.path, error.line or 0, error.message)


__all__ = ["EXTRACTORS", "UsageError", "decode", "extract_file", "scan"]
