"""The ``capactif`` command line: a thin click adapter over the ``engine`` library.

Each command parses its options, makes one engine call, renders the result and sets the exit
code.  Exit codes (documented in the README and tested):

\b
  0  success
  1  findings: failed checks, alerts at or above --fail-on, an orphan fiche, a rules change
  2  usage, configuration or input error (each problem on its own line, nothing written)
  3  unexpected internal error (a bug: run again with --debug for the traceback)
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import click

from engine import __version__
from engine.errors import EngineError

FORMATS_REPORT = ("table", "json", "csv", "markdown")


class CapactifGroup(click.Group):
    """The root group: one place where user errors become plain lines and bugs become exit 3."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EngineError as exc:
            for line in exc.lines():
                click.echo(f"error: {line}", err=True)
            if len(exc.problems) > 1:
                click.echo(f"{len(exc.problems)} problems; nothing was changed.", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception:
            if ctx.find_root().params.get("debug"):
                traceback.print_exc()
            else:
                click.echo(
                    "unexpected error (a bug in capactif): run the same command with --debug and report the output",
                    err=True,
                )
            ctx.exit(3)


def rules_option(func: Any) -> Any:
    """``--rules DIR``: the rules directory (else $CAPACTIF_RULES, ./rules, the bundled network)."""
    return click.option(
        "--rules",
        "rules_path",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Rules directory (default: $CAPACTIF_RULES, else ./rules, else the bundled Cap Actif network).",
    )(func)


def format_option(*choices: str, default: str | None = None) -> Any:
    """``--format`` restricted to the given renderers."""
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=default or choices[0], show_default=True,
        help="Output format.",
    )


def emit(text: str) -> None:
    """Print a rendered report (no trailing blank line doubling)."""
    click.echo(text.rstrip("\n"))


@click.group(cls=CapactifGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="capactif")
@click.option("--debug", is_flag=True, help="Show the traceback of unexpected errors.")
def main(debug: bool) -> None:
    """capactif: who leads and who supports each porteur de projet of the Cap Actif network.

    \b
    Example:
        capactif fiche check fiche.yaml
        capactif suggest fiche.yaml
    """


# --- fiche ---------------------------------------------------------------------------------------


@main.group()
def fiche() -> None:
    """Fiches (project records): check, add, show, list, assign, move, import, export.

    \b
    Example:
        capactif fiche check fiche.yaml
    """


@fiche.command("check")
@click.argument("files", nargs=-1, required=True)
@rules_option
@format_option("text", "json")
def fiche_check(files: tuple[str, ...], rules_path: Path | None, fmt: str) -> None:
    """Validate fiche files (YAML or JSON, '-' for standard input) and list every problem.

    Exit 0 when every fiche is valid, 2 with one located line per problem.

    \b
    Example:
        capactif fiche check fiche.yaml other.json
    """
    from engine import network
    from engine.fiche import read_fiches
    from engine.output import to_json

    net = network.load(rules_path)
    stdin_text = click.get_text_stream("stdin").read() if "-" in files else None
    fiches = read_fiches(files, net.fiche_context(), stdin_text=stdin_text)
    if fmt == "json":
        emit(to_json([{"fiche": f.label(), "valid": True, "notices": f.notices()} for f in fiches]))
        return
    for f in fiches:
        click.echo(f"{f.label()}: ok")
        for notice in f.notices():
            click.echo(f"  note: {notice}")
    click.echo(f"{len(fiches)} fiche(s) valid.")


# --- lifecycle -----------------------------------------------------------------------------------


@main.command("lifecycle")
@format_option("text", "json", "mermaid")
def lifecycle_command(fmt: str) -> None:
    """Show the stages of a fiche, the triggers that move it and the guards they need.

    The text, JSON and Mermaid views are all generated from the engine's lifecycle machine.

    \b
    Example:
        capactif lifecycle
        capactif lifecycle --format json
        capactif lifecycle --format mermaid > lifecycle.mmd
    """
    from engine.lifecycle import lifecycle, render_text
    from engine.output import to_json

    lc = lifecycle()
    if fmt == "mermaid":
        emit(lc.mermaid())
    elif fmt == "json":
        emit(to_json(lc.describe()))
    else:
        emit(render_text(lc.describe()))


# --- charter -------------------------------------------------------------------------------------


def charter_option(func: Any) -> Any:
    """``--charter DIR``: the charter directory (else $CAPACTIF_CHARTER, ./charter, the bundled charter)."""
    return click.option(
        "--charter",
        "charter_path",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Charter directory (default: $CAPACTIF_CHARTER, else ./charter, else the bundled Cap Actif charter).",
    )(func)


@main.group("charter")
def charter_group() -> None:
    """The network's charter: its measurable commitments and whether they were kept.

    \b
    Example:
        capactif charter show
        capactif charter check --year 2025
    """


@charter_group.command("show")
@charter_option
@format_option("table", "json")
def charter_show(charter_path: Path | None, fmt: str) -> None:
    """Validate commitments.yaml and show the commitments and alert thresholds in force.

    Exit 0 when the file is valid, 2 with one located line per problem.

    \b
    Example:
        capactif charter show
        capactif charter show --charter ./charter --format json
    """
    from engine.charter import load_charter
    from engine.charter.show import render

    emit(render(load_charter(charter_path), fmt))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
