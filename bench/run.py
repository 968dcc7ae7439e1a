#!/usr/bin/env python3
"""Time portscan on synthetic monorepos, side by side with the floor and with ast-grep.

    bench/run.py [--sizes 5000,50000] [--seed 1] [--repeat N] [--jobs N]

For each size it makes (or reuses) ``bench/trees/<N>-<seed>`` with
``bench/make_monorepo.py`` and measures, as separate processes:

- the read floor: ``cat`` of every tracked file (``git ls-files -z | xargs -0 cat``);
- ``portscan scan --no-cache``: cold, every file read and parsed;
- ``portscan scan`` with the cache filled: warm;
- ``portscan check FILES`` after editing 5 files (a line appended), with the cache
  filled before the edit: what a pre-commit hook costs; once with 5 files picked at
  random, once with 5 files that state ports (so their parsers must start);
- ``ast-grep scan`` with the port rules in ``bench/ast-grep/`` (when installed:
  ``pip install -e '.[bench]'``).

It prints the median wall time of each, its median CPU time (user + system, worker
processes included: steadier than wall time on a busy machine), its ratio to the read
floor and to ast-grep, the peak RSS of the largest process (``wait4``), and the peak
proportional set size of the whole process tree (workers included; sampled in one extra
run), with the targets beside them. The figures are printed, never asserted: they
depend on the machine.

``--against REV`` also runs portscan as it was at git revision REV, one run of each
after the other (this checkout, REV, this checkout, ...), and prints the two side by
side with their ratio: a shared VM's speed drifts by tens of percent within an hour,
and interleaved runs compare two versions under the same drift. Both then keep their
caches under ``$XDG_CACHE_HOME`` (one folder each), so that neither invalidates the
other's.

portscan runs from a snapshot of this checkout's package (with ``rules/`` inside it, as
in a wheel), compiled to bytecode, with ``PYTHONDONTWRITEBYTECODE`` unset, started as
its console script starts it: as an installed portscan runs, and unaffected by edits made
to the checkout meanwhile. Its interpreter is a virtualenv of the bench's own (see
:func:`bench_python`), as pre-commit gives every hook one.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import platform
import random
import shutil
import site
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))  # pick() and cache_folder() ask this checkout's portscan
TREES = HERE / "trees"
AST_GREP_CONFIG = HERE / "ast-grep" / "sgconfig.yml"
#: Files a bench edit may touch: appending a comment keeps them valid.
EDITABLE = {
    ".ts": "// edited by bench\n",
    ".svelte": "<!-- edited by bench -->\n",
    ".vue": "<!-- edited by bench -->\n",
    ".js": "// edited by bench\n",
    ".mjs": "// edited by bench\n",
    ".py": "# edited by bench\n",
    ".go": "// edited by bench\n",
    ".sh": "# edited by bench\n",
    ".yml": "# edited by bench\n",
}
#: (seconds, MB of RSS) per size and measurement, from the issue.
TARGETS: dict[int, dict[str, tuple[float | None, float]]] = {
    5000: {"cold": (1.0, 200), "warm": (0.2, 200), "check": (0.3, 200)},
    50000: {"cold": (10.0, 400), "warm": (1.5, 400), "check": (1.5, 400)},
}


@dataclass
class Measure:
    """The runs of one command."""

    label: str
    kind: str  # floor, cold, warm, check, ast-grep
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds, workers included
    max_rss: list[int] = field(default_factory=list)  # KiB, largest single process
    tree_pss: int | None = None  # KiB, whole process tree, sampled
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_monorepo", HERE / "make_monorepo.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_monorepo"] = module
    spec.loader.exec_module(module)
    return module


def snapshot(into: Path, patch: Path | None = None, revision: str | None = None) -> Path:
    """A copy of the package as a wheel lays it out (rules inside), compiled: of this
    checkout, with ``patch`` (a diff against it, ``a/portscan/...``) applied; or of the
    git ``revision``."""
    package = into / "portscan"
    if revision is not None:
        into.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", revision, "portscan", "rules"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
        shutil.move(into / "rules", package / "rules")
    else:
        shutil.copytree(REPO / "portscan", package, ignore=shutil.ignore_patterns("__pycache__"))
        if patch is not None:
            subprocess.run(["git", "apply", "-p1", str(patch.resolve())], cwd=into, check=True)
        shutil.copytree(REPO / "rules", package / "rules")
    compileall.compile_dir(str(package), quiet=1)
    return into


def bench_env(snapshot_dir: Path, cache_home: Path | None = None) -> dict[str, str]:
    """The environment portscan runs in: the snapshot on its path, bytecode written,
    and the cache in the tree (as by default) or under ``cache_home``."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("XDG_CACHE_HOME", None)
    if cache_home is not None:
        env["XDG_CACHE_HOME"] = str(cache_home)
    env["PYTHONPATH"] = str(snapshot_dir)
    return env


def bench_python(into: Path) -> Path:
    """The interpreter portscan runs on: a virtualenv, as pre-commit makes one per hook.

    It sees the running interpreter's installed packages through a ``.pth`` file of plain
    paths, and so runs none of their ``.pth`` start-up code: a machine may carry some (a
    sandbox's ``import certifi`` costs 60 ms a start here) that a hook's own virtualenv
    would not run either. ``run_all`` prints both interpreters' start-up time.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(into)], check=True)
    python = into / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    found = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout.strip()
    installed = [entry for entry in site.getsitepackages() if Path(entry).is_dir()]
    (Path(found) / "_bench_packages.pth").write_text("".join(f"{e}\n" for e in installed))
    return python


def portscan_command(python: Path) -> list[str]:
    """portscan as its console script runs it (``python -m`` would add runpy's imports):
    ``cli.run``, which ends the process itself, or, in a revision from before it
    existed, ``sys.exit(cli.main())``."""
    entry = "import sys, portscan.cli as cli; sys.exit(getattr(cli, 'run', cli.main)())"
    return [str(python), "-c", entry]


def start_up(python: str | Path, env: dict[str, str], repeat: int = 7) -> float:
    """Median seconds for ``python -c pass``: the part of every run that is not portscan."""
    runs = [timed([str(python), "-c", "pass"], REPO, env)[0] for _ in range(repeat)]
    return statistics.median(runs)


def ast_grep_command() -> list[str] | None:
    for name in ("ast-grep", "sg"):
        local = Path(sys.executable).parent / name
        if local.exists():
            return [str(local)]
        found = shutil.which(name)
        if found and name == "ast-grep":
            return [found]
    return None


# -- running and measuring ----------------------------------------------------------------


def start(command: Sequence[str] | str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``command`` started with its output discarded (a string runs in the shell)."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        shell=isinstance(command, str),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def timed(
    command: Sequence[str] | str, cwd: Path, env: dict[str, str]
) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (user + system, descendants included), peak RSS (KiB)
    of the largest process, and the exit code."""
    started = time.perf_counter()
    process = start(command, cwd, env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, process.returncode


def tree_pss(command: Sequence[str] | str, cwd: Path, env: dict[str, str]) -> int | None:
    """Peak proportional set size (KiB) of the process and all its descendants, sampled
    every 10 ms; None where /proc has no smaps_rollup."""
    if not Path("/proc/self/smaps_rollup").exists():
        return None
    process = start(command, cwd, env)
    peak = 0
    while process.poll() is None:
        peak = max(peak, sum(_pss(pid) for pid in _descendants(process.pid)))
        time.sleep(0.01)
    return peak


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as stream:
                    pending.extend(int(child) for child in stream.read().split())
        except OSError:
            continue
    return found


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as stream:
            for line in stream:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


#: A measure and the environment its runs use.
Variant = tuple[Measure, dict[str, str]]


def measure(
    variants: Sequence[Variant],
    command: Sequence[str] | str,
    cwd: Path,
    repeat: int,
    before: Callable[[dict[str, str]], None] | None = None,
    after: Callable[[], None] | None = None,
) -> list[Measure]:
    """``command`` ``repeat`` times in each environment, the environments taking turns
    run by run; ``before`` (given the environment) and ``after`` around every run."""
    for _ in range(repeat):
        for measure_, env in variants:
            if before is not None:
                before(env)
            seconds, cpu, rss, _code = timed(command, cwd, env)
            if after is not None:
                after()
            measure_.seconds.append(seconds)
            measure_.cpu.append(cpu)
            measure_.max_rss.append(rss)
    for measure_, env in variants:
        if before is not None:
            before(env)
        measure_.tree_pss = tree_pss(command, cwd, env)
        if after is not None:
            after()
    return [measure_ for measure_, _ in variants]


# -- one size ----------------------------------------------------------------------------------


def tree_root(size: int, seed: int) -> Path:
    """Where the tree of ``size`` files and ``seed`` lives."""
    return TREES / f"{size}-{seed}"


def ensure_tree(size: int, seed: int, regenerate: bool) -> Path:
    root = tree_root(size, seed)
    if regenerate or not (root / ".git").is_dir():
        generator = load_generator()
        print(f"bench: writing {root} ...", file=sys.stderr, flush=True)
        generator.write(generator.build(size, seed), root, git=True)
        time.sleep(2.5)  # older than the cache's racy window: warm runs trust stat
    else:
        subprocess.run(["git", "-C", str(root), "checkout", "-q", "--", "."], check=True)
    return root


def tracked(root: Path) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True
    ).stdout
    return sorted(name for name in out.decode().split("\0") if name)


def pick(root: Path, files: list[str], seed: int, with_ports: bool) -> list[str]:
    """Five editable files: any, or ones that state a port, so that their parser runs
    (an extractor that claims the file lets its bytes through its prefilter)."""
    eligible = []
    for rel in files:
        suffix = os.path.splitext(rel)[1]
        if suffix not in EDITABLE or (suffix == ".yml" and "compose" not in rel):
            continue
        if with_ports and not _parsed((root / rel).read_bytes(), rel):
            continue
        eligible.append(rel)
    return random.Random(seed).sample(eligible, 5)


def _parsed(data: bytes, rel: str) -> bool:
    """Whether portscan (this checkout's) parses a file of these bytes at ``rel``."""
    from portscan.extractors import claimed_by

    return any(e.PREFILTER is None or e.PREFILTER.search(data) for e in claimed_by(rel))


def run_size(
    size: int, args: argparse.Namespace, envs: Sequence[dict[str, str]]
) -> list[list[Measure]]:
    """The measures of one size, per environment (this checkout, then ``--against``):
    the same rows in the same order."""
    root = ensure_tree(size, args.seed, args.regenerate)
    repeat = args.repeat or (5 if size <= 10000 else 3)
    files = tracked(root)
    portscan = portscan_command(args.python)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    rows: list[list[Measure]] = []

    def portscan_rows(label: str, kind: str, note: str = "") -> list[Variant]:
        return [(Measure(label, kind, note=note), env) for env in envs]

    def shared_row(label: str, kind: str) -> list[Variant]:
        """A run that does not involve portscan: measured once, shown for every version."""
        return [(Measure(label, kind), envs[0])]

    floor = shared_row("read floor: cat every file", "floor")
    rows.append(measure(floor, "git ls-files -z | xargs -0 cat > /dev/null", root, repeat))

    warm_scan = [*portscan, "scan", ".", *jobs]

    def fill_cache(env: dict[str, str]) -> None:
        """A scan that fills the cache, and must work: a version that cannot scan (an
        old revision, a broken patch) stops the bench instead of timing its failure."""
        done = subprocess.run(warm_scan, cwd=root, env=env, capture_output=True)
        if done.returncode not in (0, 1) or b"Traceback" in done.stderr:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise SystemExit(f"bench: portscan failed (exit {done.returncode}): {tail}")

    for env in envs:
        fill_cache(env)  # each version can scan this tree (its cache is refilled below)
    cold = portscan_rows("portscan scan --no-cache (cold)", "cold")
    rows.append(measure(cold, [*portscan, "scan", ".", "--no-cache", *jobs], root, repeat))
    for env in envs:
        shutil.rmtree(cache_folder(root, env), ignore_errors=True)
        fill_cache(env)
    warm = portscan_rows("portscan scan (warm cache)", "warm")
    rows.append(measure(warm, warm_scan, root, repeat))

    for with_ports in (False, True):
        chosen = pick(root, files, args.seed, with_ports)
        originals = {rel: (root / rel).read_bytes() for rel in chosen}

        def restore(originals: dict[str, bytes] = originals) -> None:
            for rel, data in originals.items():
                (root / rel).write_bytes(data)

        def prepare(env: dict[str, str], originals: dict[str, bytes] = originals) -> None:
            restore(originals)
            fill_cache(env)
            for rel, data in originals.items():
                (root / rel).write_bytes(data + EDITABLE[os.path.splitext(rel)[1]].encode())

        what = "5 files with ports edited" if with_ports else "5 files edited"
        check = portscan_rows(f"portscan check, {what}", "check", note=", ".join(chosen))
        command = [*portscan, "check", *jobs, *chosen]
        rows.append(measure(check, command, root, repeat, before=prepare, after=restore))

    ast_grep = ast_grep_command()
    if ast_grep is not None:
        grep = shared_row("ast-grep scan, port rules", "ast-grep")
        command = [*ast_grep, "scan", "-c", str(AST_GREP_CONFIG), "."]
        rows.append(measure(grep, command, root, repeat))
    # Per environment, the rows in order; a shared row is the same measure in each.
    return [[row[min(index, len(row) - 1)] for row in rows] for index in range(len(envs))]


def cache_folder(root: Path, env: dict[str, str]) -> Path:
    """Where portscan keeps the cache of ``root`` in ``env`` (see ``bench_env``)."""
    from portscan.cache import cache_dir

    return cache_dir(root, None, env)


def same_output(size: int, args: argparse.Namespace, env: dict[str, str]) -> bool:
    """Cold, warm and single-process runs print the same JSON."""
    root = tree_root(size, args.seed)
    portscan = portscan_command(args.python)
    outputs = {
        subprocess.run(
            [*portscan, "scan", ".", "--format", "json", *extra],
            cwd=root,
            env=env,
            capture_output=True,
        ).stdout
        for extra in (["--no-cache"], [], [], ["--no-cache", "--jobs", "1"])
    }
    return len(outputs) == 1


# -- report ----------------------------------------------------------------------------------


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    system = f"{platform.system()} {platform.release()}"
    return f"{cpus} CPUs ({model}), {system}, Python {platform.python_version()}"


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def table(size: int, measures: list[Measure], megabytes: float, repeat: int) -> str:
    floor = next(m.median for m in measures if m.kind == "floor")
    grep = next((m.median for m in measures if m.kind == "ast-grep"), None)
    targets = TARGETS.get(size, {})
    lines = [
        f"N = {size:,} files ({megabytes:.1f} MB), median of {repeat} runs",
        "",
        "| run | median s | CPU s | x read floor | x ast-grep | peak RSS MB (largest"
        " process) | peak PSS MB (process tree) | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in measures:
        target = targets.get(m.kind)
        target_text = "" if target is None else f"<= {target[0]} s, <= {target[1]} MB"
        vs_grep = f"{m.median / grep:.2f}" if grep else "n/a"
        pss = "n/a" if m.tree_pss is None else f"{m.tree_pss / 1024:.0f}"
        lines.append(
            f"| {m.label} | {m.median:.3f} | {statistics.median(m.cpu):.2f} |"
            f" {m.median / floor:.1f} | {vs_grep} |"
            f" {max(m.max_rss) / 1024:.0f} | {pss} | {target_text} |"
        )
    notes = [f"  {m.label}: {m.note}" for m in measures if m.note]
    if notes:
        lines += ["", "edited:", *notes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,50000", help="comma-separated file counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, help="runs per measurement (default 5; 3 above 10,000 files)"
    )
    parser.add_argument("--jobs", type=int, help="pass --jobs to portscan (default: its own)")
    parser.add_argument("--regenerate", action="store_true", help="write the trees anew")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument(
        "--patch", type=Path, help="apply this diff (against the checkout) to the snapshot"
    )
    parser.add_argument(
        "--against",
        metavar="REV",
        help="also run portscan as of git revision REV, interleaved, and compare",
    )
    args = parser.parse_args(argv)
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    with tempfile.TemporaryDirectory(prefix="portscan-bench-") as name:
        folder = Path(name)
        args.python = bench_python(folder / "venv")
        here = snapshot(folder / "checkout", args.patch)
        envs = [bench_env(here)]
        if args.against is not None:
            there = snapshot(folder / "against", revision=args.against)
            envs = [
                bench_env(here, folder / "checkout-cache"),
                bench_env(there, folder / "against-cache"),
            ]
        return run_all(sizes, args, envs, argv)


def run_all(
    sizes: list[int],
    args: argparse.Namespace,
    envs: Sequence[dict[str, str]],
    argv: list[str] | None,
) -> int:
    print(f"machine: {machine()}")
    print(f"command: {' '.join(['bench/run.py', *(argv if argv is not None else sys.argv[1:])])}")
    print(f"load average at start: {load()}")
    print(
        f"python start-up (python -c pass): {start_up(args.python, envs[0]):.3f} s in the"
        f" bench's virtualenv, where portscan runs; {start_up(sys.executable, envs[0]):.3f} s"
        " for the interpreter running the bench"
    )
    raw: dict[int, object] = {}
    for size in sizes:
        per_env = run_size(size, args, envs)
        measures = per_env[0]
        root = tree_root(size, args.seed)
        megabytes = sum((root / rel).stat().st_size for rel in tracked(root)) / 1e6
        repeat = len(measures[0].seconds)
        print()
        print(table(size, measures, megabytes, repeat))
        if len(per_env) > 1:
            print()
            print(comparison(args.against, measures, per_env[1]))
        identical = "yes" if same_output(size, args, envs[0]) else "NO"
        print(f"outputs identical cold/warm/--jobs 1: {identical}")
        figures = [[m.__dict__ | {"median": m.median} for m in ms] for ms in per_env]
        raw[size] = (
            figures[0] if len(figures) == 1 else {"checkout": figures[0], "against": figures[1]}
        )
    print(f"\nload average at end: {load()}")
    if args.json:
        args.json.write_text(json.dumps(raw, indent=2) + "\n")
    return 0


def comparison(revision: str, here: list[Measure], there: list[Measure]) -> str:
    """This checkout against ``revision``, run by run interleaved: medians and ratios."""
    lines = [
        f"this checkout against {revision} (interleaved runs)",
        "",
        "| run | this checkout, median s | CPU s | against, median s | CPU s | ratio (wall) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for mine, theirs in zip(here, there, strict=True):
        if mine is theirs:
            continue  # not portscan: measured once
        lines.append(
            f"| {mine.label} | {mine.median:.3f} | {statistics.median(mine.cpu):.2f} |"
            f" {theirs.median:.3f} | {statistics.median(theirs.cpu):.2f} |"
            f" {mine.median / theirs.median:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
