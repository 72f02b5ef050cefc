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


# --- suggest -------------------------------------------------------------------------------------


@main.command("suggest")
@click.argument("fiches", nargs=-1, required=True)
@rules_option
@click.option("--alternatives", type=click.IntRange(min=0), default=0, metavar="N",
              help="Also show the next N candidates for lead, each with why it lost.")  # fmt: skip
@click.option("--explain", "explain_structure", metavar="STRUCTURE", default=None,
              help="Say why this structure was or was not chosen, instead of the suggestion.")  # fmt: skip
@format_option("text", "json")
@click.pass_context
def suggest_command(
    ctx: click.Context, fiches: tuple[str, ...], rules_path: Path | None, alternatives: int,
    explain_structure: str | None, fmt: str,
) -> None:  # fmt: skip
    """Suggest the lead (référent) and supporting structures of each fiche, with the reasons.

    FICHES are YAML or JSON files ('-' for standard input). Exit 0, or 1 when a fiche has no
    structure able to lead it (an orphan), 2 with every problem of the input.

    \b
    Example:
        capactif suggest fiche.yaml
        capactif suggest fiche.yaml --alternatives 2
        capactif suggest fiche.yaml --explain cma-63
        cat fiche.json | capactif suggest - --format json
    """
    from engine import network
    from engine.routing.inputs import run_suggest
    from engine.routing.render import render_json, render_text

    net = network.load(rules_path)
    stdin_text = click.get_text_stream("stdin").read() if "-" in fiches else None
    run = run_suggest(net, fiches, stdin_text, alternatives=alternatives, explain_structure=explain_structure)
    shown = run.explanations if explain_structure else run.suggestions
    emit(render_json(shown) if fmt == "json" else render_text(shown, run.rules))
    ctx.exit(1 if run.orphans else 0)


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


# --- rules ---------------------------------------------------------------------------------------


@main.group("rules")
def rules_group() -> None:
    """The network's rules: check them, show what a structure covers, export their JSON Schemas.

    \b
    Example:
        capactif rules check
        capactif rules show cci-thiers
    """


@rules_group.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@rules_option
@format_option("text", "json")
def rules_check(directory: Path | None, rules_path: Path | None, fmt: str) -> None:
    """Check a rules directory: every problem of every file at once, or a summary.

    DIRECTORY defaults to --rules, then $CAPACTIF_RULES, ./rules, the bundled network.
    Exit 0 when the rules are valid, 2 with one 'file:line:col: message' line per problem.

    \b
    Example:
        capactif rules check
        capactif rules check my-rules --format json
    """
    from engine import paths
    from engine.output import to_json
    from engine.rules.loader import check_rules

    rules_dir = paths.rules_dir(directory or rules_path)
    result = check_rules(rules_dir)
    s = result.summary
    if fmt == "json":
        emit(to_json(result.to_dict()))
    elif result.ok:
        click.echo(f"{rules_dir}: rules valid (version {s['version']})")
        click.echo(f"  {s['structures']} structures ({s['active_structures']} active, {s['lead_structures']} can lead)")
        click.echo(f"  {s['communes']} communes in {s['local_networks']} local networks")
        click.echo(f"  {s['rules']} routing rules")
    else:
        for problem in result.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(
            f"{s['problems']} problem(s) in {s['files_with_problems']} file(s): fix them and run 'capactif rules check'"
            " again (the network keeps its previous rules until then).",
            err=True,
        )
    if not result.ok:
        click.get_current_context().exit(2)


@rules_group.command("show")
@click.argument("structure", required=False)
@rules_option
@format_option("text", "json")
def rules_show(structure: str | None, rules_path: Path | None, fmt: str) -> None:
    """What a structure covers, in words: territory, natures it leads, needs it supports, filters.

    Without STRUCTURE, a table of all the structures.

    \b
    Example:
        capactif rules show
        capactif rules show pfil-ambert --format json
    """
    from engine import network
    from engine.output import to_json, to_table
    from engine.rules.describe import (
        TABLE_COLUMNS,
        TABLE_HEADERS,
        describe_structure,
        structure_lines,
        structures_table,
    )

    ruleset = network.load(rules_path).rules
    if structure:
        info = describe_structure(ruleset, structure)
        emit(to_json(info) if fmt == "json" else "\n".join(structure_lines(info)))
        return
    rows = structures_table(ruleset)
    if fmt == "json":
        emit(to_json({"version": ruleset.version, "structures": rows}))
    else:
        emit(to_table(rows, TABLE_COLUMNS, TABLE_HEADERS, title=f"Cap Actif structures (rules {ruleset.version})"))


@rules_group.command("schema")
@click.argument("out_dir", required=False, default="schemas", type=click.Path(file_okay=False, path_type=Path))
@format_option("text", "json")
def rules_schema(out_dir: Path, fmt: str) -> None:
    """Write the JSON Schemas of the rules files (structure, routing, territory) into OUT_DIR.

    OUT_DIR defaults to ./schemas. An editor with the YAML language server then completes and
    checks the files that start with '# yaml-language-server: $schema=<path>'.

    \b
    Example:
        capactif rules schema
        capactif rules schema /tmp/schemas
    """
    from engine.output import to_json
    from engine.rules.schema import write_schemas

    written = [str(p) for p in write_schemas(out_dir)]
    if fmt == "json":
        emit(to_json({"written": written}))
    else:
        for path in written:
            click.echo(f"wrote {path}")


@rules_group.command("test")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@rules_option
@format_option("text", "json")
@click.pass_context
def rules_test(ctx: click.Context, files: tuple[Path, ...], rules_path: Path | None, fmt: str) -> None:
    """Run routing tests: each case's fiche is routed and compared with what the network agreed.

    FILES default to the rules directory's tests/*.yaml. Each failure is shown as expected vs
    suggested, with the suggestion's reasons. Exit 0 when every case passes, 1 when one fails,
    2 with every problem of the test files (file:line:col).

    \b
    Example:
        capactif rules test
        capactif rules test rules/tests/needs.yaml --format json
    """
    from engine.output import to_json
    from engine.rulestest import render_text, run_files

    report = run_files(files, rules_path)
    emit(to_json(report.to_dict()) if fmt == "json" else render_text(report))
    ctx.exit(0 if report.ok else 1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
