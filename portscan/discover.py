"""Which files a scan reads.

In a git work tree: the tracked and the untracked-but-not-ignored files
(``git ls-files -co --exclude-standard -z``). Elsewhere: a walk of the tree that honours
every ``.gitignore`` on the way (with pathspec's gitignore semantics). Either way, some
folders are never entered (dependencies, build output, VCS data), lock files are skipped
by name, config ``include``/``exclude`` apply on top, and symlinks never lead out of the
root. Problems (a symlink loop, an escaping link) become diagnostics, not crashes.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from portscan.config import Config
from portscan.globs import compile_globs
from portscan.model import Diagnostic

#: Folders no scan descends into, at any depth.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "bower_components",
        "dist",
        "build",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".portscan_cache",
        "vendor",
        "third_party",
        ".next",
        ".svelte-kit",
        ".turbo",
        ".cache",
        "target",
    }
)

#: Generated files that mention thousands of versions and no ports.
LOCK_FILES = frozenset(
    {
        "package-lock.json",
        "pnpm-lock.yaml",
        "yarn.lock",
        "bun.lockb",
        "bun.lock",
        "npm-shrinkwrap.json",
        "poetry.lock",
        "Pipfile.lock",
        "uv.lock",
        "pdm.lock",
        "Cargo.lock",
        "go.sum",
        "composer.lock",
        "Gemfile.lock",
        "flake.lock",
    }
)


@dataclass(frozen=True, slots=True)
class Discovery:
    files: tuple[str, ...]  # POSIX paths relative to the root, sorted
    diagnostics: tuple[Diagnostic, ...]


def discover(root: Path, config: Config) -> Discovery:
    """The files under ``root`` that a scan should consider, sorted."""
    root = root.resolve()
    listed = _git_files(root)
    candidates = listed if listed is not None else list(_walk(root))
    include = compile_globs(config.include)
    exclude = compile_globs(config.exclude)
    files: list[str] = []
    diagnostics: list[Diagnostic] = []
    for rel in candidates:
        parts = rel.split("/")
        if any(part in SKIPPED_DIRS for part in parts[:-1]) or parts[-1] in LOCK_FILES:
            continue
        if not include.match(rel) or exclude.match(rel):
            continue
        problem = _link_problem(root, rel)
        if problem is not None:
            diagnostics.append(Diagnostic(rel, None, problem))
            continue
        files.append(rel)
    return Discovery(tuple(sorted(set(files))), tuple(sorted(diagnostics)))


def _link_problem(root: Path, rel: str) -> str | None:
    """Why a symlinked path must not be read, or None for an ordinary path."""
    if not os.path.islink(os.path.join(root, rel)):  # no Path object per file
        return None
    path = root / rel
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python before 3.13 reports a loop this way
        return "symlink loop; not followed"
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # ... and 3.13 this way
            return "symlink loop; not followed"
        return "broken symlink; not followed"
    if not target.is_relative_to(root):
        return "symlink points outside the scan root; not followed"
    return None


def _git_files(root: Path) -> list[str] | None:
    """Tracked plus untracked-not-ignored files, or None outside a git work tree."""
    try:
        inside = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-co", "--exclude-standard", "-z"],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if listed.returncode != 0:
        return None
    names = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [name for name in names if name]


def _walk(root: Path) -> Iterator[str]:
    """Every file below root, honouring .gitignore files; links to folders not entered."""
    import pathspec

    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []

    def ignored(rel: str, is_dir: bool) -> bool:
        probe = rel + "/" if is_dir else rel
        for base, spec in specs:
            if base and not probe.startswith(base + "/"):
                continue
            if spec.match_file(probe[len(base) + 1 :] if base else probe):
                return True
        return False

    for current, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(current).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        gitignore = Path(current) / ".gitignore"
        if gitignore.is_file():
            try:
                lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(lines)))
        kept = []
        for name in sorted(dirnames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name in SKIPPED_DIRS or ignored(rel, True):
                continue
            if (Path(current) / name).is_symlink():
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if not ignored(rel, False):
                yield rel
