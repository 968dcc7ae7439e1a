"""The command line: parse options, call the api, render, return the exit code.

Exit codes: 0 nothing at or above ``fail-on``; 1 findings at or above it; 2 usage,
config or internal error. No traceback reaches a user unless ``--debug`` asks for it.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import click

from portscan import __version__
from portscan.config import FAIL_ON_CHOICES, Config, ConfigError, load_config
from portscan.model import ScanResult

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portscan")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Find port drift, collisions and dangling routes across a monorepo."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
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
def scan(
    path: Path,
    output_format: str,
    config_path: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    color: bool | None,
) -> None:
    """Analyze the monorepo at PATH (default: the current folder)."""
    from portscan.api import scan as run_scan
    from portscan.render import RENDERERS, RenderOptions

    config = _load(path, config_path, fail_on)
    result = run_scan(path, config, select=_split(select), ignore=_split(ignore))
    use_color = sys.stdout.isatty() if color is None else color
    renderer = RENDERERS[output_format]
    click.echo(renderer.render(result, RenderOptions(color=use_color)), nl=False)
    raise SystemExit(exit_code(result, config))


def main(argv: Sequence[str] | None = None) -> int:
    """The console script. Returns the exit code instead of raising it."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    from portscan.api import UsageError
    from portscan.extractors.queries import RuleError

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
    except (ConfigError, UsageError, RuleError) as exc:
        click.echo(f"portscan: {exc}", err=True)
        return EXIT_ERROR
    except Exception as exc:
        if debug:
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
