"""``portscan report [PATH] --base REF``: what a change does to the ports, for a pull request.

The work tree and REF are both scanned; their findings are matched by fingerprint (line
numbers do not count, so code motion is no change): *new* findings are in the work tree
only, *fixed* ones in REF only, the rest *unchanged*. The report also lists the ports of
the services the change touches (a service with any fact in a file that differs between
REF and the work tree, or is untracked) and draws them.

REF's tree is read from ``git archive`` into a temporary folder: the user's work tree,
index and worktree list are never touched. Each tree is scanned with its own config
unless ``--config`` names one for both; the baseline plays no part (the report compares
two trees, not a tree and a list of accepted findings).
"""

from __future__ import annotations

import contextlib
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from portscan.api import UsageError
from portscan.audit import PortRow, port_table
from portscan.baseline import pair_up
from portscan.config import Config, ConfigError
from portscan.model import Finding, Graph, ScanResult, Severity

#: Scans one tree with one config (``api.scan``, with the CLI's selection bound).
Scanner = Callable[[Path, Config], ScanResult]


@dataclass(frozen=True, slots=True)
class Repository:
    """Where a scan root sits in its git repository."""

    top: Path  # the work tree's root
    prefix: str  # the scan root relative to ``top``, POSIX, "" or ending in "/"


@dataclass(frozen=True, slots=True)
class PullRequestReport:
    """Everything the report formats show; renderers only lay it out.

    ``head`` is the work tree's result (all its findings). ``touched`` is the same
    result cut down to the touched services, for the drawing. ``rows`` is the port table
    of the touched services. Paths are relative to the scan root; ``prefix`` turns them
    into paths relative to the repository for links.
    """

    base: str
    prefix: str
    new: tuple[Finding, ...]
    fixed: tuple[Finding, ...]
    unchanged: int
    threshold: Severity | None
    head: ScanResult
    changed: frozenset[str]
    touched: ScanResult
    rows: tuple[PortRow, ...]

    @property
    def failing(self) -> tuple[Finding, ...]:
        """The new findings at or above ``fail-on``: they make the exit code 1."""
        if self.threshold is None:
            return ()
        return tuple(f for f in self.new if f.severity.rank >= self.threshold.rank)


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc.strerror or exc}") from None


def _stderr(done: subprocess.CompletedProcess[bytes]) -> str:
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[0].removeprefix("fatal: ") if lines else f"git exited with {done.returncode}"


def repository(path: Path) -> Repository:
    """The git repository holding ``path``; a UsageError outside one."""
    done = _git(["rev-parse", "--show-toplevel", "--show-prefix"], path)
    if done.returncode != 0:
        raise UsageError(f"{path}: not in a git repository ({_stderr(done)})")
    top, _, prefix = done.stdout.decode("utf-8").partition("\n")
    return Repository(Path(top.strip()), prefix.strip())


def resolve_ref(repo: Repository, ref: str) -> str:
    """The commit ``ref`` names; a UsageError (exit 2) when it names none."""
    if ref.startswith("-"):
        raise UsageError(f"--base {ref!r}: not a git revision")
    done = _git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], repo.top
    )
    if done.returncode != 0:
        raise UsageError(
            f"--base {ref!r}: no such commit in {repo.top} (fetch it first, e.g. "
            "'git fetch origin main', or check the name)"
        )
    return done.stdout.decode("ascii").strip()


def materialize(repo: Repository, commit: str, dest: Path) -> Path:
    """Write the scan root's tree at ``commit`` under ``dest`` (``git archive``, read
    with tarfile); returns the folder that corresponds to the scan root. A scan root that
    did not exist at ``commit`` comes back as an empty folder."""
    root = dest / repo.prefix if repo.prefix else dest
    args = ["archive", "--format=tar", commit]
    if repo.prefix:
        exists = _git(["cat-file", "-e", f"{commit}:{repo.prefix.rstrip('/')}"], repo.top)
        if exists.returncode != 0:
            root.mkdir(parents=True, exist_ok=True)
            return root
        args += ["--", repo.prefix]
    with subprocess.Popen(
        ["git", *args], cwd=repo.top, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None
        try:
            with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
                for member in archive:
                    _extract(archive, member, dest)
        except tarfile.TarError as exc:
            process.stdout.read()  # let git finish; its exit code says what went wrong
            broken = str(exc)
        else:
            broken = ""
        error = process.stderr.read() if process.stderr else b""
    if process.returncode != 0 or broken:
        message = error.decode("utf-8", "replace").strip() or broken or "git archive failed"
        raise UsageError(f"cannot read {commit[:12]}: {message}")
    root.mkdir(parents=True, exist_ok=True)
    return root


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> None:
    """Extract one member safely: nothing lands outside ``dest``. With tarfile's ``data``
    filter, links that stay inside the tree are kept (as the work tree has them); without
    it, only plain files and folders."""
    with contextlib.suppress(OSError, tarfile.TarError):
        if hasattr(tarfile, "data_filter"):
            archive.extract(member, dest, set_attrs=False, filter="data")
            return
        name = Path(member.name)  # pragma: no cover - a Python without tar filters
        if (
            (member.isfile() or member.isdir())
            and not name.is_absolute()
            and ".." not in name.parts
        ):
            archive.extract(member, dest, set_attrs=False)


def changed_files(repo: Repository, commit: str) -> frozenset[str]:
    """Paths (relative to the scan root) that differ between ``commit`` and the work
    tree, deleted and untracked-not-ignored ones included."""
    scope = ["--", repo.prefix or "."]
    diff = _git(["diff", "--name-only", "--no-renames", "-z", commit, *scope], repo.top)
    if diff.returncode != 0:
        raise UsageError(f"git diff against {commit[:12]} failed: {_stderr(diff)}")
    untracked = _git(["ls-files", "-z", "--others", "--exclude-standard", *scope], repo.top)
    names = [
        name
        for output in (diff.stdout, untracked.stdout if untracked.returncode == 0 else b"")
        for name in output.decode("utf-8", "surrogateescape").split("\0")
        if name
    ]
    return frozenset(
        name.removeprefix(repo.prefix) for name in names if name.startswith(repo.prefix)
    )


def touched_services(changed: frozenset[str], *graphs: Graph) -> frozenset[str]:
    """Services with a fact or a binding in a changed file, in either tree (a service the
    change removes counts too; a binding covers deployments declared in the config)."""
    facts = (
        fact.service
        for graph in graphs
        for fact in graph.facts
        if fact.service is not None and fact.location.path in changed
    )
    bindings = (
        binding.service
        for graph in graphs
        for binding in graph.bindings
        if binding.location.path in changed
    )
    return frozenset((*facts, *bindings))


def cut_to(result: ScanResult, services: frozenset[str]) -> ScanResult:
    """``result`` with only the facts, bindings, landings and findings that concern
    ``services``: what the drawing of a change shows."""
    graph = result.graph
    facts = tuple(f for f in graph.facts if f.service in services)
    kept = set(facts)
    landings = tuple(
        landing
        for landing in graph.landings
        if landing.reference in kept
        or (landing.binding is not None and landing.binding.service in services)
    )
    bindings = tuple(b for b in graph.bindings if b.service in services)
    drawn = {
        *(f.service for f in facts),
        *(b.service for b in bindings),
        *(landing.reference.service for landing in landings),
        *(landing.binding.service for landing in landings if landing.binding is not None),
    }
    cut = Graph(
        facts=facts,
        bindings=bindings,
        hosts=graph.hosts,
        services=tuple(sorted(s for s in drawn if s is not None)),
        landings=landings,
    )
    findings = tuple(f for f in result.findings if set(f.services) & services)
    return replace(result, graph=cut, findings=findings)


def compare(
    head: ScanResult,
    base: ScanResult,
    *,
    ref: str,
    prefix: str,
    changed: frozenset[str],
    threshold: Severity | None,
) -> PullRequestReport:
    """Match the two scans by fingerprint and gather what the report shows."""
    new, unchanged, fixed = pair_up(
        head.findings, base.findings, lambda f: f.fingerprint, lambda f: f.fingerprint
    )
    services = touched_services(changed, head.graph, base.graph)
    rows = tuple(row for row in port_table(head.graph) if row.service in services)
    return PullRequestReport(
        base=ref,
        prefix=prefix,
        new=tuple(new),
        fixed=tuple(fixed),
        unchanged=len(unchanged),
        threshold=threshold,
        head=head,
        changed=changed,
        touched=cut_to(head, services),
        rows=rows,
    )


def build(
    path: Path,
    ref: str,
    config: Config,
    scanner: Scanner,
    base_config: Callable[[Path], Config] | None = None,
) -> PullRequestReport:
    """Scan ``path`` and its tree at ``ref`` and compare them.

    ``config`` scans the work tree; ``base_config(root)`` gives the config for REF's
    tree (None: use ``config`` for both). Raises UsageError for a bad REF or no git.
    """
    repo = repository(path)
    commit = resolve_ref(repo, ref)
    head = scanner(path, config)
    with tempfile.TemporaryDirectory(prefix="portscan-base-") as folder:
        base_root = materialize(repo, commit, Path(folder))
        try:
            chosen = base_config(base_root) if base_config is not None else config
        except ConfigError as exc:
            message = str(exc).replace(str(base_root), ref).replace(folder, ref)
            raise UsageError(f"the config at {ref}: {message}") from None
        base = scanner(base_root, chosen)
    changed = changed_files(repo, commit)
    return compare(
        head,
        base,
        ref=ref,
        prefix=repo.prefix,
        changed=changed,
        threshold=config.fail_threshold(),
    )


__all__ = [
    "PullRequestReport",
    "Repository",
    "build",
    "changed_files",
    "compare",
    "cut_to",
    "materialize",
    "repository",
    "resolve_ref",
    "touched_services",
]
