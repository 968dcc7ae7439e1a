"""The baseline: findings a team has accepted, keyed by line-free fingerprints.

``portscan baseline`` writes ``.portscan-baseline.json`` (or config ``baseline``): one
entry per finding with its fingerprint (what matching uses) and, for the humans who
review the file, its code, name, port, services and message. Entries are sorted and the
file is the same bytes for the same findings, so it diffs well in review.

``scan`` and ``check`` hide the findings the baseline holds and report the entries that no
longer occur (stale), so a baseline only ever shrinks. Matching counts: a baseline that
holds a fingerprint once hides one finding with that fingerprint, not every one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from portscan.config import Config, ConfigError
from portscan.model import BaselineEntry, Finding

BASELINE_FILE = ".portscan-baseline.json"
VERSION = 1

_Current = TypeVar("_Current")
_Previous = TypeVar("_Previous")


class BaselineError(ConfigError):
    """A baseline file that cannot be used; its message is the one line a user sees."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """The entries of one baseline file; ``path`` names it in messages."""

    path: str
    entries: tuple[BaselineEntry, ...]


@dataclass(frozen=True, slots=True)
class Compared:
    """Findings against a baseline: the new ones, how many it hid, and its stale entries."""

    new: tuple[Finding, ...]
    hidden: int
    stale: tuple[BaselineEntry, ...]


def entry_of(finding: Finding) -> BaselineEntry:
    return BaselineEntry(
        fingerprint=finding.fingerprint,
        code=finding.code,
        name=finding.name,
        port=finding.port,
        services=finding.services,
        message=finding.message,
    )


def entry_document(entry: BaselineEntry) -> dict[str, Any]:
    """One entry as the baseline file (and the JSON report's ``stale_baseline``) writes it."""
    return {
        "fingerprint": entry.fingerprint,
        "code": entry.code,
        "name": entry.name,
        "port": entry.port,
        "services": list(entry.services),
        "message": entry.message,
    }


def dumps(findings: Sequence[Finding]) -> str:
    """The baseline document for ``findings``: sorted, stable bytes, a final newline."""
    entries = sorted((entry_of(finding) for finding in findings), key=BaselineEntry.sort_key)
    document = {
        "version": VERSION,
        "findings": [entry_document(entry) for entry in entries],
    }
    import json  # here, not at the top: a scan without a baseline never needs it

    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def parse(text: str, name: str) -> Baseline:
    """Read a baseline document; anything malformed is a :class:`BaselineError`."""
    import json  # here, not at the top: a scan without a baseline never needs it

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{name}:{exc.lineno}: invalid baseline: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise BaselineError(f'{name}: invalid baseline: expected {{"version": {VERSION}, ...}}')
    raw = data.get("findings")
    if not isinstance(raw, list):
        raise BaselineError(f"{name}: invalid baseline: 'findings' must be a list")
    entries = tuple(_entry(item, name, index) for index, item in enumerate(raw))
    return Baseline(name, tuple(sorted(entries, key=BaselineEntry.sort_key)))


def _entry(item: Any, name: str, index: int) -> BaselineEntry:
    if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str):
        raise BaselineError(
            f"{name}: invalid baseline: findings[{index}] needs a string 'fingerprint'"
        )
    port = item.get("port")
    services = item.get("services")
    return BaselineEntry(
        fingerprint=item["fingerprint"],
        code=str(item.get("code", "")),
        name=str(item.get("name", "")),
        port=port if isinstance(port, int) and not isinstance(port, bool) else None,
        services=tuple(str(s) for s in services) if isinstance(services, list) else (),
        message=str(item.get("message", "")),
    )


def load(path: Path, name: str | None = None) -> Baseline:
    """Read the baseline at ``path``; ``name`` is how messages call it."""
    name = name or path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(
            f"{name}: baseline file not found (write it with 'portscan baseline')"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{name}: cannot read baseline: {exc}") from None
    return parse(text, name)


def target(root: Path, config: Config, option: Path | None) -> Path:
    """Where the baseline of a scan of ``root`` lives: ``--baseline FILE``, else config
    ``baseline`` (relative to the root), else ``.portscan-baseline.json`` at the root."""
    if option is not None:
        return option
    return root / (config.baseline or BASELINE_FILE)


def for_scan(root: Path, config: Config, option: Path | None, enabled: bool) -> Baseline | None:
    """The baseline a scan uses: none with ``--no-baseline``; the named file (which must
    exist) with ``--baseline FILE`` or config ``baseline``; else the default file if
    it exists."""
    if not enabled:
        return None
    path = target(root, config, option)
    if option is None and config.baseline is None and not path.is_file():
        return None
    return load(path, _display(path, root))


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def pair_up(
    current: Sequence[_Current],
    previous: Sequence[_Previous],
    current_key: Callable[[_Current], str],
    previous_key: Callable[[_Previous], str],
) -> tuple[list[_Current], list[_Current], list[_Previous]]:
    """Match two runs by fingerprint, counting duplicates: ``(only in current, in both,
    only in previous)``, each in its input order. With a fingerprint twice now and once
    before, the first occurrence now is the matched one."""
    remaining: dict[str, list[int]] = defaultdict(list)
    for index, earlier in enumerate(previous):
        remaining[previous_key(earlier)].append(index)
    fresh: list[_Current] = []
    matched: list[_Current] = []
    for item in current:
        pool = remaining.get(current_key(item))
        if pool:
            pool.pop(0)
            matched.append(item)
        else:
            fresh.append(item)
    gone = [previous[index] for index in sorted(i for pool in remaining.values() for i in pool)]
    return fresh, matched, gone


def compare(findings: Sequence[Finding], baseline: Baseline) -> Compared:
    """Hide what the baseline holds; report its entries that no longer occur."""
    new, known, stale = pair_up(
        findings, baseline.entries, lambda f: f.fingerprint, lambda e: e.fingerprint
    )
    return Compared(tuple(new), len(known), tuple(stale))


__all__ = [
    "BASELINE_FILE",
    "Baseline",
    "BaselineEntry",
    "BaselineError",
    "Compared",
    "compare",
    "dumps",
    "entry_of",
    "for_scan",
    "load",
    "pair_up",
    "parse",
    "target",
]
