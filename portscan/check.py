"""``portscan check [FILES...]``: the pre-commit entry.

pre-commit runs the hook at the repository root and passes the staged files that match
the hook's ``files`` pattern. Ports are a whole-repo property (a compose file in one
folder collides with a launchd plist in another), so ``check`` analyzes the whole
repository and then reports what the commit is answerable for:

- without a baseline, the findings with a location in one of FILES;
- with a baseline, every finding the baseline does not hold: the repository was clean
  modulo the baseline, so anything new came with this change, even when it points at a
  file the commit did not touch (deleting the override that kept two services apart).

Given no FILES, ``check`` reports what ``scan`` reports.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from portscan.model import Finding, ScanResult


def repo_root(start: Path) -> Path:
    """The root of the git work tree holding ``start``; ``start`` itself outside git."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=start,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git on this machine
        return start.resolve()
    top = done.stdout.strip()
    return Path(top).resolve() if done.returncode == 0 and top else start.resolve()


def normalize(files: Iterable[str], root: Path) -> frozenset[str]:
    """FILES as paths relative to ``root`` in POSIX form: ``./a//b`` -> ``a/b``; an
    absolute path inside the root is made relative; one outside it matches nothing."""
    normalized: set[str] = set()
    resolved_root = root.resolve()
    for name in files:
        if os.path.isabs(name):
            try:
                name = Path(name).resolve().relative_to(resolved_root).as_posix()
            except ValueError:
                continue
        posix = posixpath.normpath(name.replace(os.sep, "/"))
        if posix not in (".", "") and not posix.startswith("../"):
            normalized.add(posix)
    return frozenset(normalized)


def touches(finding: Finding, files: frozenset[str]) -> bool:
    """Does any of the finding's locations lie in one of ``files``?"""
    return any(location.path in files for location in finding.locations)


def restrict(result: ScanResult, files: frozenset[str] | None, baseline_in_use: bool) -> ScanResult:
    """What ``check`` reports of a whole-repo result (see the module docstring).
    ``files`` None means no FILES were given: the result as it is."""
    if files is None:
        return result
    findings = tuple(f for f in result.findings if baseline_in_use or touches(f, files))
    unused = tuple(note for note in result.unused_suppressions if note.path in files)
    return replace(
        result,
        findings=findings,
        unused_suppressions=unused,
        stats=replace(result.stats, findings=len(findings)),
    )


__all__ = ["normalize", "repo_root", "restrict", "touches"]
