"""The command line: parse options, call the api, render, return the exit code.

Exit codes: 0 nothing at or above ``fail-on``; 1 findings at or above it; 2 usage,
config or internal error. No traceback reaches a user unless ``--debug`` asks for it.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from portscan import __version__
from portscan.config import FAIL_ON_CHOICES, Config, ConfigError, load_config
from portscan.model import ScanResult

if TYPE_CHECKING:
    from portscan.baseline import Baseline
    from portscan.progress import RunSettings

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values: Sequence[str]) -> tuple[str, ...] | None:
    """``--select A,B --select C`` -> (A, B, C); None when not given at all."""
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def exit_code(result: ScanResult, config: Config) -> int:
    threshold = config.fail_threshold()
    if threshold is None:
        return EXIT_OK
    failing = any(f.severity.rank >= threshold.rank for f in result.findings)
    return EXIT_FINDINGS if failing else EXIT_OK


def _load(root: Path, config_path: Path | None, fail_on: str | None) -> Config:
    config = load_config(root, config_path)
    return replace(config, fail_on=fail_on) if fail_on else config


def _baseline_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--baseline FILE`` and ``--no-baseline``, for the commands that read a baseline."""
    command = click.option(
        "--no-baseline", is_flag=True, help="Read no baseline: show every finding."
    )(command)
    return click.option(
        "--baseline",
        "baseline_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Hide the findings this baseline holds (default: config baseline, or"
        " .portscan-baseline.json at the root if it exists).",
    )(command)


def _speed_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--no-cache``, ``--cache-dir``, ``--jobs`` and ``--stats``: how a scan runs,
    never what it finds."""
    command = click.option(
        "--stats",
        "show_stats",
        is_flag=True,
        help="Print timings, cache hits and parser counts to stderr.",
    )(command)
    command = click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        help="Worker processes for extraction (default: one per CPU).",
    )(command)
    command = click.option(
        "--cache-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Keep the cache of per-file results here (default: $XDG_CACHE_HOME/portscan"
        " when set, else .portscan_cache at the root).",
    )(command)
    return click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")(
        command
    )


def _baseline(root: Path, config: Config, option: Path | None, disabled: bool) -> Baseline | None:
    from portscan.api import UsageError
    from portscan.baseline import for_scan

    if option is not None and disabled:
        raise UsageError("--baseline and --no-baseline exclude each other")
    return for_scan(root, config, option, enabled=not disabled)


def _scanner(run: RunSettings) -> Callable[..., ScanResult]:
    """``api.scan`` with the cache, pool, progress and stats a command asked for."""
    from portscan.api import scan as run_scan

    def scanner(root: Path, config: Config, **options: Any) -> ScanResult:
        return run_scan(
            root,
            config,
            cache_dir=run.cache_dir,
            jobs=run.jobs,
            progress=run.progress,
            report=run.report,
            **options,
        )

    return scanner


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portscan")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Find port drift, collisions and dangling routes across a monorepo."""
    ctx.obj = {"debug": debug}


def _format_option(
    *choices: str, help: str = "Output format."
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``--format``, one of ``choices``, the first being the default."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


@cli.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_format_option("text", "json", "sarif", "github", "markdown")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: portscan.toml or [tool.portscan] in pyproject.toml at PATH).",
)
@click.option("--select", multiple=True, help="Only these codes, code prefixes or names.")
@click.option("--ignore", multiple=True, help="Leave out these codes, code prefixes or names.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON_CHOICES),
    help="Least severity that makes the exit code 1 (default: error, or config fail-on).",
)
@click.option(
    "--color/--no-color", default=None, help="Colour text output (default: when a terminal)."
)
@click.option(
    "--docs-url",
    metavar="URL",
    help="Base URL of the finding docs (rules/) for SARIF helpUri, e.g."
    " https://github.com/ORG/REPO/blob/v1.0/rules/ (default: no helpUri, the doc is inlined).",
)
@_baseline_options
@_speed_options
def scan(
    path: Path,
    output_format: str,
    config_path: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    color: bool | None,
    docs_url: str | None,
    baseline_path: Path | None,
    no_baseline: bool,
    no_cache: bool,
    cache_dir: Path | None,
    jobs: int | None,
    show_stats: bool,
) -> None:
    """Analyze the monorepo at PATH (default: the current folder)."""
    from portscan.progress import run_settings
    from portscan.render import RENDERERS, RenderOptions

    config = _load(path, config_path, fail_on)
    accepted = _baseline(path, config, baseline_path, no_baseline)
    speed = run_settings(path, no_cache=no_cache, cache_dir=cache_dir, jobs=jobs, stats=show_stats)
    with speed as run:
        result = _scanner(run)(
            path, config, select=_split(select), ignore=_split(ignore), baseline=accepted
        )
    use_color = sys.stdout.isatty() if color is None else color
    renderer = RENDERERS[output_format]
    options = RenderOptions(color=use_color, docs_url=docs_url)
    click.echo(renderer.render(result, options), nl=False)
    raise SystemExit(exit_code(result, config))


_PATH_ARGUMENT = click.argument(
    "path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
_CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: portscan.toml or [tool.portscan] in pyproject.toml at PATH).",
)


def _scan_quietly(path: Path, config_path: Path | None) -> ScanResult:
    """The full scan behind the read-only views (graph, ports, who)."""
    from portscan.api import scan as run_scan

    return run_scan(path, _load(path, config_path, None))


@cli.command()
@_PATH_ARGUMENT
@_format_option("mermaid", "dot", "json")
@_CONFIG_OPTION
def graph(path: Path, output_format: str, config_path: Path | None) -> None:
    """Draw services, hosts and ports as a graph (collisions and dangling routes in red)."""
    from portscan.render import GRAPH_RENDERERS, RenderOptions

    result = _scan_quietly(path, config_path)
    click.echo(GRAPH_RENDERERS[output_format].render(result, RenderOptions()), nl=False)


@cli.command()
@_PATH_ARGUMENT
@_format_option("text", "json", "markdown")
@_CONFIG_OPTION
def ports(path: Path, output_format: str, config_path: Path | None) -> None:
    """The port table: every service's port on every host, and its source defaults."""
    from portscan.audit import port_table
    from portscan.render import PORTS_RENDERERS

    rows = port_table(_scan_quietly(path, config_path).graph)
    click.echo(PORTS_RENDERERS[output_format].render(rows), nl=False)


@cli.command()
@click.argument("port", type=click.IntRange(1, 65535))
@_PATH_ARGUMENT
@_format_option("text", "json")
@_CONFIG_OPTION
def who(port: int, path: Path, output_format: str, config_path: Path | None) -> None:
    """Everything that binds, publishes, exposes, references or documents PORT."""
    from portscan.audit import who_uses
    from portscan.render import WHO_RENDERERS

    uses = who_uses(_scan_quietly(path, config_path).graph, port)
    click.echo(WHO_RENDERERS[output_format].render(port, uses), nl=False)


@cli.command("suggest")
@click.argument("service")
@_PATH_ARGUMENT
@click.option(
    "--count",
    "-n",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="How many free ports to list.",
)
@click.option("--verbose", "-v", is_flag=True, help="Say why each port on the way was skipped.")
@_CONFIG_OPTION
def suggest_command(
    service: str, path: Path, count: int, verbose: bool, config_path: Path | None
) -> None:
    """Free ports for SERVICE, one a line: in its category's range (else above its
    current port), not bound, published, referenced, documented or reserved on a host it
    runs on, and no other service's source default. Exit code 1 when none is free."""
    from portscan.api import UsageError
    from portscan.api import scan as run_scan
    from portscan.suggest import UnknownServiceError, find_service, format_suggestion, suggest

    config = _load(path, config_path, None)
    graph = run_scan(path, config).graph
    try:
        found = suggest(graph, config, find_service(graph, config, service), count)
    except UnknownServiceError as exc:
        raise UsageError(str(exc)) from None
    click.echo(format_suggestion(found, verbose), nl=False)
    if len(found.free) < count:
        where = f"{found.span[0]}-{found.span[1]}" if found.span else "the ports above it"
        click.echo(
            f"portscan: only {len(found.free)} free port(s) for {found.service} in {where}",
            err=True,
        )
    raise SystemExit(EXIT_OK if found.free else EXIT_FINDINGS)


@cli.command("move")
@click.argument("service")
@click.argument("port", type=click.IntRange(1, 65535))
@_PATH_ARGUMENT
@click.option(
    "--write", is_flag=True, help="Apply the change (atomically, file by file); else only show it."
)
@click.option(
    "--only",
    multiple=True,
    metavar="SCOPE",
    help="Only default, override, reference or doc statements (repeat or comma-separate).",
)
@click.option(
    "--host",
    metavar="HOST",
    help="Move only the binding on HOST: its overrides and publishes there, and the"
    " references that land there.",
)
@click.option("--force", is_flag=True, help="Move even onto a port that collides or is reserved.")
@_CONFIG_OPTION
def move_command(
    service: str,
    port: int,
    path: Path,
    write: bool,
    only: tuple[str, ...],
    host: str | None,
    force: bool,
    config_path: Path | None,
) -> None:
    """Rewrite SERVICE's port to PORT wherever it is written (source defaults, deployment
    overrides, references that land on it, docs) and print one unified diff. Refuses
    (exit code 2) a port that would collide or is reserved, unless --force."""
    from portscan.api import UsageError
    from portscan.move import SCOPES, MoveError, WriteError, move, write_files
    from portscan.suggest import UnknownServiceError

    config = _load(path, config_path, None)
    try:
        outcome = move(path, config, service, port, only=_split(only) or SCOPES, host=host)
    except (MoveError, UnknownServiceError) as exc:
        raise UsageError(str(exc)) from None
    plan = outcome.plan
    for note in plan.notes:
        click.echo(f"portscan: note: {note}", err=True)
    if plan.refusals and not force:
        reasons = "; ".join(plan.refusals)
        raise UsageError(
            f"refusing to move {plan.service} to {port}: {reasons} (--force moves anyway)"
        )
    for warning in outcome.warnings:
        click.echo(f"portscan: warning: {warning}", err=True)
    click.echo(outcome.diff(), nl=False)
    if not outcome.files:
        click.echo(f"portscan: {plan.service}: nothing to change", err=True)
        return
    count = f"{outcome.applied} change(s) in {len(outcome.files)} file(s)"
    if not write:
        click.echo(f"portscan: {count} not written; --write applies them", err=True)
        return
    try:
        skipped = write_files(path, outcome)
    except WriteError as exc:
        raise UsageError(f"{exc} (the files before it were written)") from None
    for skipped_path in skipped:
        click.echo(
            f"portscan: warning: {skipped_path} changed since it was read; not written", err=True
        )
    click.echo(f"portscan: moved {plan.service} to {port}: {count} written", err=True)


@cli.command()
@click.argument("finding", metavar="CODE|NAME")
def explain(finding: str) -> None:
    """Print the doc of a finding: what it finds, why it matters, how to fix it."""
    from portscan.api import UsageError
    from portscan.ruledocs import doc_path, known_findings, lookup, read_doc

    rule = lookup(finding)
    if rule is None:
        raise UsageError(f"unknown finding {finding!r} (known: {known_findings()})")
    text = read_doc(rule.CODE)
    if text is None:
        raise UsageError(f"{rule.CODE} {rule.NAME}: no doc at {doc_path(rule.CODE)}")
    click.echo(text if text.endswith("\n") else text + "\n", nl=False)


_SELECT_OPTION = click.option(
    "--select", multiple=True, help="Only these codes, code prefixes or names."
)
_IGNORE_OPTION = click.option(
    "--ignore", multiple=True, help="Leave out these codes, code prefixes or names."
)
_FAIL_ON_OPTION = click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON_CHOICES),
    help="Least severity that makes the exit code 1 (default: error, or config fail-on).",
)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The repository to analyze (default: the git work tree of the current folder).",
)
@_format_option("text", "json", "github")
@_CONFIG_OPTION
@_SELECT_OPTION
@_IGNORE_OPTION
@_FAIL_ON_OPTION
@_baseline_options
@click.option(
    "--color/--no-color", default=None, help="Colour text output (default: when a terminal)."
)
@_speed_options
def check(
    files: tuple[str, ...],
    root: Path | None,
    output_format: str,
    config_path: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    baseline_path: Path | None,
    no_baseline: bool,
    color: bool | None,
    no_cache: bool,
    cache_dir: Path | None,
    jobs: int | None,
    show_stats: bool,
) -> None:
    """The pre-commit hook: analyze the whole repository, report the findings that touch
    FILES (paths relative to the root) or that the baseline does not hold."""
    from portscan.check import normalize, repo_root, restrict
    from portscan.progress import run_settings
    from portscan.render import RENDERERS, RenderOptions

    top = root.resolve() if root is not None else repo_root(Path.cwd())
    config = _load(top, config_path, fail_on)
    accepted = _baseline(top, config, baseline_path, no_baseline)
    speed = run_settings(top, no_cache=no_cache, cache_dir=cache_dir, jobs=jobs, stats=show_stats)
    with speed as run:
        result = _scanner(run)(
            top, config, select=_split(select), ignore=_split(ignore), baseline=accepted
        )
    wanted = normalize(files, top) if files else None
    shown = restrict(result, wanted, baseline_in_use=accepted is not None)
    use_color = sys.stdout.isatty() if color is None else color
    options = RenderOptions(color=use_color, changed=wanted or frozenset())
    click.echo(RENDERERS[output_format].render(shown, options), nl=False)
    raise SystemExit(exit_code(shown, config))


@cli.command("baseline")
@_PATH_ARGUMENT
@_CONFIG_OPTION
@_SELECT_OPTION
@_IGNORE_OPTION
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write (default: config baseline, or .portscan-baseline.json at PATH).",
)
@_speed_options
def write_baseline(
    path: Path,
    config_path: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline_path: Path | None,
    no_cache: bool,
    cache_dir: Path | None,
    jobs: int | None,
    show_stats: bool,
) -> None:
    """Accept the current findings: write them to the baseline, which scan and check
    then hide. Suppression comments still apply; the old baseline does not."""
    from portscan.api import UsageError
    from portscan.baseline import dumps, target
    from portscan.progress import run_settings

    config = _load(path, config_path, None)
    speed = run_settings(path, no_cache=no_cache, cache_dir=cache_dir, jobs=jobs, stats=show_stats)
    with speed as run:
        result = _scanner(run)(path, config, select=_split(select), ignore=_split(ignore))
    destination = target(path, config, baseline_path)
    try:
        with destination.open("w", encoding="utf-8", newline="\n") as stream:
            stream.write(dumps(result.findings))
    except OSError as exc:
        raise UsageError(f"cannot write {destination}: {exc.strerror or exc}") from None
    count = len(result.findings)
    noun = "finding" if count == 1 else "findings"
    click.echo(f"Wrote {count} {noun} to {destination}.")


@cli.command()
@_PATH_ARGUMENT
@click.option(
    "--base", "base_ref", required=True, metavar="REF", help="The git revision to compare with."
)
@_format_option(
    "markdown",
    "github",
    "sarif",
    "json",
    help="markdown: the report; github: annotations of the work tree's findings, those in"
    " changed files first; sarif: the work tree's findings; json: the comparison.",
)
@_CONFIG_OPTION
@_SELECT_OPTION
@_IGNORE_OPTION
@_FAIL_ON_OPTION
@_speed_options
def report(
    path: Path,
    base_ref: str,
    output_format: str,
    config_path: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    no_cache: bool,
    cache_dir: Path | None,
    jobs: int | None,
    show_stats: bool,
) -> None:
    """Compare PATH's work tree with REF for a pull request: new, fixed and unchanged
    findings, the ports of the services the change touches, and a Mermaid drawing.
    Exit code 1 when a NEW finding is at or above fail-on."""
    from portscan.progress import run_settings
    from portscan.render import RENDERERS, RenderOptions, markdown, report_json
    from portscan.report import build

    config = _load(path, config_path, fail_on)
    chosen_select, chosen_ignore = _split(select), _split(ignore)
    speed = run_settings(path, no_cache=no_cache, cache_dir=cache_dir, jobs=jobs, stats=show_stats)
    with speed as run:
        scan_tree = _scanner(run)

        def scanner(root: Path, tree_config: Config) -> ScanResult:
            """Both trees share the work tree's cache: most files are the same bytes."""
            return scan_tree(root, tree_config, select=chosen_select, ignore=chosen_ignore)

        base_config = None if config_path is not None else load_config
        pull = build(path, base_ref, config, scanner, base_config)
    if output_format == "markdown":
        output = markdown.render_report(pull)
    elif output_format == "json":
        output = report_json.render_report(pull)
    else:
        options = RenderOptions(changed=pull.changed)
        output = RENDERERS[output_format].render(pull.head, options)
    click.echo(output, nl=False)
    raise SystemExit(EXIT_FINDINGS if pull.failing else EXIT_OK)


def _is_rule_error(exc: Exception) -> bool:
    """Is ``exc`` a bad house rule (a config error)? Its module is looked up rather than
    imported: importing it imports every extractor, which a warm scan never needs, and
    a run that never imported it raised no RuleError."""
    queries = sys.modules.get("portscan.extractors.queries")
    return queries is not None and isinstance(exc, queries.RuleError)


#: Python's cyclic garbage collector during a run: a collection every 100,000 new
#: objects instead of every 700. A scan holds a few hundred thousand long-lived tuples
#: that can form no cycle (the cache entries, the facts), and each of the frequent
#: default collections walked them again (a quarter of resolve's time at 50,000
#: files). Cycles are still collected; the threshold is put back when the run ends.
_GC_THRESHOLD = (100_000, 10, 10)


def run() -> NoReturn:
    """The console script: :func:`main`, then an immediate exit once stdout and stderr
    are flushed.

    A scan leaves a few hundred thousand objects behind, and tearing them down one by
    one at interpreter exit costs tens of milliseconds that a pre-commit hook would pay
    on every commit. Nothing is left to clean up by then: workers are joined, the cache
    file is in place, every file is closed. An output pipe closed early (``| head``)
    ends the run quietly with the code it had.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """The entry point. Returns the exit code instead of raising it."""
    previous = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLD)
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*previous)


def _main(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    from portscan.api import UsageError

    try:
        cli.main(args=args, prog_name="portscan", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except click.exceptions.Abort:
        click.echo("portscan: aborted", err=True)
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except (ConfigError, UsageError) as exc:
        click.echo(f"portscan: {exc}", err=True)
        return EXIT_ERROR
    except Exception as exc:
        if _is_rule_error(exc):
            click.echo(f"portscan: {exc}", err=True)
            return EXIT_ERROR
        if debug:
            import traceback  # only here: a run that goes well never needs it

            traceback.print_exc()
        else:
            click.echo(
                f"portscan: internal error: {exc!r} (run with --debug for the traceback)",
                err=True,
            )
        return EXIT_ERROR
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
