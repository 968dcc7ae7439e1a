"""Which files a scan reads.

In a git work tree: the tracked and the untracked-but-not-ignored files
(``git ls-files -c`` and ``git ls-files -o --exclude-standard``, run side by side).
Elsewhere: a walk of the tree that honours
every ``.gitignore`` on the way (with pathspec's gitignore semantics). Either way, some
folders are never entered (dependencies, build output, VCS data), lock files are skipped
by name, and config ``include``/``exclude`` apply on top.

Discovery only lists names; it opens no file. A symlinked file is judged where a file is
read (:func:`portscan.api.read_file`): a link that loops, dangles or leads out of the root
is never followed, and it costs a diagnostic only when an extractor claims its name.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from portscan.config import Config
from portscan.globs import compile_globs

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


class Listing:
    """A discovery under way: from its creation ``git`` lists the files in other
    processes, while this one does other work (imports the later stages, say);
    :meth:`files` waits for the names. Leaving it as a context manager stops a ``git``
    still running.

    Outside a git work tree (``git`` missing or failing) :meth:`files` walks the tree."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        # Listing untracked files walks the whole tree: it starts first.
        self._untracked = _start_git(self.root, "ls-files", "-o", "--exclude-standard", "-z")
        self._tracked = _start_git(self.root, "ls-files", "-c", "-z")

    def __enter__(self) -> Listing:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        for process in (self._untracked, self._tracked):
            if process is not None and process.poll() is None:
                process.kill()
                process.communicate()

    def files(self, config: Config) -> tuple[str, ...]:
        """The files a scan with ``config`` should consider: POSIX paths relative to the
        root, sorted."""
        # The default include takes every path and the default exclude none: neither
        # is asked then (a tenth of this loop's time).
        include = None if config.include == ("**",) else compile_globs(config.include).match
        exclude = compile_globs(config.exclude).match if config.exclude else None
        files: list[str] = []
        skipped_folder: dict[str, bool] = {}  # folder -> inside a skipped one (asked once)

        def consider(candidates: Iterable[str]) -> None:
            for rel in candidates:
                folder, _, name = rel.rpartition("/")
                if name in LOCK_FILES:
                    continue
                skipped = skipped_folder.get(folder)
                if skipped is None:
                    skipped = not SKIPPED_DIRS.isdisjoint(folder.split("/"))
                    skipped_folder[folder] = skipped
                if skipped:
                    continue
                if (include is None or include(rel)) and (exclude is None or not exclude(rel)):
                    files.append(rel)

        tracked = _finish_git(self._tracked) if self._tracked is not None else None
        if tracked is not None and self._untracked is not None:
            consider(tracked)  # while git still looks for untracked files
            others = _finish_git(self._untracked)
            if others is not None:
                consider(others)
                return _sorted_once(files)
        self.close()
        files.clear()
        consider(_walk(self.root))  # no git, or not a work tree
        return _sorted_once(files)


def _sorted_once(names: list[str]) -> tuple[str, ...]:
    """``names`` sorted, each once (git lists a conflicted path once per stage). Sorted
    first: git's lists come sorted, which a sort merely checks, where a set would have
    shuffled them (a quarter of discovery's own time at 50,000 files)."""
    return tuple(dict.fromkeys(sorted(names)))


def discover(root: Path, config: Config) -> tuple[str, ...]:
    """The files under ``root`` that a scan should consider: POSIX paths relative to
    the root, sorted (a :class:`Listing` waited for at once)."""
    with Listing(root) as listing:
        return listing.files(config)


#: Seconds a ``git ls-files`` may take before the tree is walked instead.
_GIT_TIMEOUT = 60


def _start_git(root: Path, *args: str) -> subprocess.Popen[bytes] | None:
    """``git -C root ARGS`` started in the background; None when git cannot run."""
    try:
        return subprocess.Popen(
            ["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _finish_git(process: subprocess.Popen[bytes]) -> list[str] | None:
    """The NUL-separated names a started ``git`` prints, or None when it fails.

    Outside a work tree (no repository, a bare one, inside ``.git``) ``ls-files``
    fails: that is how a tree that must be walked is told apart."""
    try:
        out, _ = process.communicate(timeout=_GIT_TIMEOUT)
    except subprocess.SubprocessError:
        return None
    if process.returncode != 0:
        return None
    names = out.decode("utf-8", "surrogateescape").split("\0")
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
