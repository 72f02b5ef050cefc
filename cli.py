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

import atexit
import gc
import os
import sys
from pathlib import Path
from typing import Any

import click

from engine import __version__, i18n
from engine.errors import EngineError
from engine.i18n import _, ngettext

FORMATS_REPORT = ("table", "json", "csv", "markdown")

# A capactif process ends with its command.  At exit CPython still runs full garbage collections
# over every object alive (modules, classes, pydantic validators: about 30,000), some 25 ms of a
# 200 ms `capactif suggest` (docs/performance.md).  Freezing them first skips that useless work;
# objects are released all the same, and files and stores are closed by the commands themselves.
# Registered on import, before the commands import anything, so it runs after their exit handlers.
atexit.register(gc.freeze)

# pydantic looks for third-party plugins when the first model is built, by reading the entry points of
# every installed distribution (60-85 ms of a cold `capactif suggest` on a busy machine, more than a tenth
# of it).  capactif uses no pydantic plugin; whoever needs one sets PYDANTIC_DISABLE_PLUGINS themselves
# (an empty value turns them back on).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def _plugins_off_or_pydantic_s() -> Any:
    """pydantic's ``get_plugins()`` while its plugin loader is stood in for (below): none while plugins are
    disabled, pydantic's own loader's answer (from then on) once they are not."""
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") in ("__all__", "1", "true"):
        return ()
    sys.modules.pop("pydantic.plugin._loader", None)
    import importlib

    return importlib.import_module("pydantic.plugin._loader").get_plugins()


# Disabled or not, pydantic imports its plugin loader to ask, and the loader imports importlib.metadata at
# its top (with zipfile, email, socket): about 5 % of a cold `capactif suggest`'s instructions, for nothing
# (docs/performance.md, start-up third pass).  pydantic reads the loader's one function at each model build
# (`from ._loader import get_plugins`), so a stand-in module answers the same question without the import.
if "pydantic.plugin._loader" not in sys.modules:
    import types

    _loader = types.ModuleType("pydantic.plugin._loader")
    _loader.get_plugins = _plugins_off_or_pydantic_s  # type: ignore[attr-defined]
    sys.modules["pydantic.plugin._loader"] = _loader


# --- messages in the user's language (docs/i18n.md) ----------------------------------------------

# click's own messages ("Usage:", "Show this message and exit.", "No such option: …") go through
# capactif's catalog: its modules bound gettext's functions at import, so they are re-pointed here.
for _module in (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.types,
    click.utils,
    click.termui,
):
    if hasattr(_module, "_"):
        _module._ = i18n.gettext  # type: ignore[attr-defined]
    if hasattr(_module, "ngettext"):
        _module.ngettext = i18n.ngettext  # type: ignore[attr-defined]


class LocalizedCommand(click.Command):
    """A command whose help (docstring, options' help=) is shown in the language in force.

    The English texts stay in the code; engine/i18n_extract.py puts them in the catalog and this
    class looks them up only when help is printed (the language is known by then).
    """

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated_help(self, ctx):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated_help(self, None):
            return super().get_short_help_str(limit)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _("Show this message and exit.")  # click caches it: in the language of its first use
        return option


class LocalizedGroup(LocalizedCommand, click.Group):
    """A group of localized commands (its sub-commands and sub-groups are localized too)."""

    command_class = LocalizedCommand
    group_class = type


class _translated_help:  # a context manager, named as it reads: `with _translated_help(...)`
    """Swap a command's and its parameters' help for their translation for the time of one rendering."""

    def __init__(self, command: click.Command, ctx: click.Context | None) -> None:
        self.saved: list[tuple[Any, str | None]] = []
        self.command = command
        self.params = command.get_params(ctx) if ctx is not None else []

    def __enter__(self) -> None:
        import inspect

        for item in (self.command, *self.params):
            text = getattr(item, "help", None)
            if text:
                self.saved.append((item, text))
                item.help = _(inspect.cleandoc(text))  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        for item, text in self.saved:
            item.help = text


def _set_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``--lang``: the language of every message of this run (else $CAPACTIF_LANG, else French)."""
    if value:
        i18n.set_language(value)


#: The youngest generation's threshold while a command runs (CPython's default is 700).
GC_YOUNG_THRESHOLD = 100_000


class _fewer_collections:  # a context manager, named as it reads: `with _fewer_collections():`
    """Collect cyclic garbage less often for the time of one command, then restore the thresholds.

    A command's start-up is imports (pydantic builds its models, the engine its dataclasses): hundreds of
    thousands of objects that all live to the end, and at CPython's default threshold they are traversed
    again and again by collections that find nothing, about 2.5 % of a cold `capactif suggest`'s
    instructions (docs/performance.md, start-up third pass).  Garbage is still collected, in larger steps.
    """

    def __enter__(self) -> None:
        self.saved = gc.get_threshold()
        gc.set_threshold(max(self.saved[0], GC_YOUNG_THRESHOLD), *self.saved[1:])

    def __exit__(self, *exc: object) -> None:
        # The young objects left go to the oldest generation at once (freeze then unfreeze): restoring the
        # threshold alone would make the next allocation traverse all of them (1.5 % of a cold suggest).
        gc.freeze()
        gc.set_threshold(*self.saved)
        gc.unfreeze()


class CapactifGroup(LocalizedGroup):
    """The root group: one place where user errors become plain lines and bugs become exit 3."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # --lang holds for this run only (tests invoke many runs in one process).
        with i18n.using(None), _fewer_collections():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EngineError as exc:
            from engine.output import for_terminal

            for line in exc.lines():
                click.echo(for_terminal(_("error: {problem}").format(problem=line)), err=True)
            if len(exc.problems) > 1:
                count = len(exc.problems)
                message = ngettext("{n} problem; nothing was changed.", "{n} problems; nothing was changed.", count)
                click.echo(message.format(n=count), err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            # The reader went away (e.g. `capactif rules show | head`): not an error of ours.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception:
            if ctx.find_root().params.get("debug"):
                from engine.errors import safe_traceback

                click.echo(safe_traceback(sys.exc_info()[1]), err=True)
            else:
                click.echo(
                    _("unexpected error (a bug in capactif): run the same command with --debug and report the output"),
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
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default or choices[0],
        show_default=True,
        help="Output format.",
    )


def stdin_if_dash(args: tuple[str, ...]) -> str | None:
    """Standard input's text when one of the file arguments is '-', else None."""
    return sys.stdin.read() if "-" in args else None


def deliver(text: str, output: str | None) -> None:
    """An export holding personal data: written to ``output`` readable by its owner only, else printed
    as is (a CSV's bytes kept; stored text's control sequences removed), ending with a newline."""
    text = text if text.endswith("\n") else text + "\n"
    if output:
        from engine.paths import write_private

        write_private(output, text)
    else:
        from engine.output import for_terminal

        click.echo(for_terminal(text), nl=False)


def workspace(
    db_url: str | None = None, rules_path: Path | None = None, as_: str | None = None, charter_path: Path | None = None
) -> Any:
    """The command's :class:`engine.app.Workspace` (configuration resolved once), closed with the command."""
    from engine.app import Workspace

    ws = Workspace.open(db=db_url, rules=rules_path, charter=charter_path, as_=as_, on_warning=_warn)
    click.get_current_context().call_on_close(ws.close)
    return ws


def show(result: Any, fmt: str, output: Path | None = None, written: str | None = None) -> None:
    """Render ``result`` in ``fmt`` (engine.render's registry), print it (stored text's control sequences
    removed) or write it to ``output`` and say so (``written``: the message, with ``{path}``)."""
    from engine.output import for_terminal
    from engine.render import render

    text = render(result, fmt)
    if output is None:
        # the text of a result that is an input error (exit 2, e.g. rules check) is an error message
        click.echo(for_terminal(text.rstrip("\n")), err=getattr(result, "exit_code", 0) == 2 and fmt == "text")
        return
    from engine.paths import write_private

    # an agenda names porteurs: like every file capactif writes, readable by its owner only
    write_private(output, text if text.endswith("\n") else text + "\n")
    click.echo((written or _("Written to {path}")).format(path=output), err=True)


@click.group(cls=CapactifGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="capactif", help="Show the version and exit.")
@click.option(
    "--lang",
    type=click.Choice(i18n.LANGUAGES),
    default=None,
    is_eager=True,
    expose_value=False,
    callback=_set_language,
    help="Language of the messages: fr (default) or en (else $CAPACTIF_LANG).",
)
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
    from engine.app import fiches

    show(fiches.check(workspace(rules_path=rules_path), files, stdin_text=stdin_if_dash(files)), fmt)


# --- the store: fiche add/show/list/assign/move/note/consent/import/export, db, demo ------------


def db_option(func: Any) -> Any:
    """``--db URL``: the store (else $CAPACTIF_DB, else the embedded SQLite file of the data dir)."""
    return click.option(
        "--db", "db_url", default=None, metavar="URL",
        help="Store: a SQLite file or postgresql+psycopg://user@host/db (default: $CAPACTIF_DB, else "
             "capactif.sqlite in $CAPACTIF_HOME or ~/.local/share/capactif).",
    )(func)  # fmt: skip


def as_option(func: Any) -> Any:
    """``--as WHO``: a structure id, 'coordinator' or 'committee' (else $CAPACTIF_AS)."""
    return click.option(
        "--as", "as_", default=None, metavar="WHO",
        help="Who is asking: a structure id, 'coordinator' or 'committee' (default: $CAPACTIF_AS).",
    )(func)  # fmt: skip


def if_version_option(func: Any) -> Any:
    """``--if-version N``: write only if the fiche is still at version N (the one ``fiche show`` gave)."""
    return click.option(
        "--if-version", "if_version", type=click.IntRange(min=1), default=None, metavar="N",
        help="Write only if the fiche is still at version N (see 'fiche show'); else nothing is written (exit 2).",
    )(func)  # fmt: skip


class Day(click.DateTime):
    """A YYYY-MM-DD date within the years capactif works with (2000 to 2100, engine.limits): a year 0001 or
    9999 is a typo, and the next meeting or the previous year computed from it left Python's calendar (exit 3)."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        import datetime as dt

        from engine.limits import DATE_FLOOR, YEAR_CEILING

        converted = super().convert(value, param, ctx)
        day = converted.date() if isinstance(converted, dt.datetime) else converted
        if isinstance(day, dt.date) and not DATE_FLOOR <= day <= dt.date(YEAR_CEILING, 12, 31):
            message = _("{day} is outside the years capactif works with ({first} to {last})")
            self.fail(message.format(day=day.isoformat(), first=DATE_FLOOR.year, last=YEAR_CEILING), param, ctx)
        return converted


DATE = Day(formats=["%Y-%m-%d"])


def _day(value: Any) -> Any:
    return value.date() if value is not None else None


def list_filters(func: Any) -> Any:
    """The filters shared by ``fiche list`` and ``fiche export``."""
    options = [
        click.option("--stage", "stages", multiple=True, help="Stage (repeatable: any of them)."),
        click.option("--lead", default=None, metavar="S", help="Lead (référent) structure."),
        click.option("--support", default=None, metavar="S", help="A supporting structure."),
        click.option("--network", default=None, metavar="ID", help="Local network of the commune."),
        click.option("--commune", default=None, help="INSEE code or name."),
        click.option("--received-from", type=DATE, default=None, help="Received on or after (YYYY-MM-DD)."),
        click.option("--received-to", type=DATE, default=None, help="Received on or before (YYYY-MM-DD)."),
        click.option("--orphan", is_flag=True, help="Only fiches no structure can lead."),
        click.option("--no-lead", is_flag=True, help="Only fiches without a lead."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filter(params: dict[str, Any]) -> Any:
    from engine.app.fiches import ListFilter

    return ListFilter(
        stages=params["stages"], lead=params["lead"], support=params["support"], network=params["network"],
        commune=params["commune"], received_from=_day(params["received_from"]),
        received_to=_day(params["received_to"]), orphan=params["orphan"], no_lead=params["no_lead"],
    )  # fmt: skip


@fiche.command("add")
@click.argument("files", nargs=-1, required=True)
@click.option("--assign", is_flag=True, help="Accept the suggestion: assign the suggested lead and supports.")
@as_option
@db_option
@rules_option
@format_option("text", "json")
def fiche_add(files: tuple[str, ...], assign: bool, as_: str | None, db_url: str | None,
              rules_path: Path | None, fmt: str) -> None:  # fmt: skip
    """Store new fiches: validate every file, give each an id F-YYYY-NNNN, suggest, record.

    All files are checked first: any problem and nothing is stored (exit 2).

    \b
    Example:
        capactif fiche add fiche.yaml --as cma-63
        capactif fiche add a.yaml b.json --assign --as coordinator
    """
    from engine.app import fiches

    ws = workspace(db_url, rules_path, as_)
    show(fiches.add(ws, ws.identity(), files, assign=assign, stdin_text=stdin_if_dash(files)), fmt)


@fiche.command("show")
@click.argument("fiche_id", metavar="ID")
@as_option
@db_option
@rules_option
@format_option("text", "json")
def fiche_show(fiche_id: str, as_: str | None, db_url: str | None, rules_path: Path | None, fmt: str) -> None:
    """Show a stored fiche and its history (personal data only to those allowed to see it).

    \b
    Example:
        capactif fiche show F-2026-0012 --as cma-63
        capactif fiche show F-2026-0012 --as committee --format json
    """
    from engine.app import fiches

    ws = workspace(db_url, rules_path, as_)
    show(fiches.show(ws, ws.identity(), fiche_id), fmt)


@fiche.command("list")
@list_filters
@as_option
@db_option
@rules_option
@format_option("table", "json", "csv")
def fiche_list(as_: str | None, db_url: str | None, rules_path: Path | None, fmt: str, **filters: Any) -> None:
    """List stored fiches, by id, filtered (every filter given must hold).

    \b
    Example:
        capactif fiche list --stage idea --no-lead
        capactif fiche list --network ambert --received-from 2026-01-01 --format csv
        capactif fiche list --support pfil-ambert --format json --as pfil-ambert
    """
    from engine.app import fiches

    ws = workspace(db_url, rules_path, as_)
    show(fiches.list_fiches(ws, ws.identity(), _filter(filters)), fmt)


@fiche.command("assign")
@click.argument("fiche_id", metavar="ID")
@click.option("--lead", default=None, metavar="S", help="The lead (référent) structure.")
@click.option("--support", "supports", multiple=True, metavar="S", help="Add a supporting structure (repeatable).")
@click.option("--remove-support", "remove_supports", multiple=True, metavar="S", help="Remove a supporting structure.")
@click.option("--remove-lead", is_flag=True, help="Remove the lead (the fiche goes back to 'no lead').")
@click.option("--force", is_flag=True, help="Assign a lead the rules say is not competent (needs --reason).")
@click.option("--reason", default=None, help="With --force: why the rules are overridden (recorded).")
@click.option("--date", "at", type=DATE, default=None, help="When it was decided (default: today).")
@if_version_option
@as_option
@db_option
@rules_option
@format_option("text", "json")
def fiche_assign(fiche_id: str, lead: str | None, supports: tuple[str, ...], remove_supports: tuple[str, ...],
                 remove_lead: bool, force: bool, reason: str | None, at: Any, if_version: int | None,
                 as_: str | None, db_url: str | None, rules_path: Path | None, fmt: str) -> None:  # fmt: skip
    """Assign the lead and supporting structures of a stored fiche.

    A lead the rules say is not competent for the fiche's nature or commune is refused, unless
    forced with a reason (--force --reason), which the history records.

    \b
    Example:
        capactif fiche assign F-2026-0012 --lead cma-63 --support pfil-ambert --as coordinator
        capactif fiche assign F-2026-0012 --remove-support adie --as cma-63
        capactif fiche assign F-2026-0012 --lead cma-63 --if-version 3 --as cma-63
        capactif fiche assign F-2026-0012 --lead adret --force --reason "porteur's choice" --as coordinator
    """
    from engine.app import fiches
    from engine.errors import InputError, Problem

    if force != (reason is not None):
        option = "--force" if reason is not None else "--reason"
        raise InputError(
            problems=[Problem(option, 0, 0, _("--force and --reason go together: force a lead and say why"))]
        )
    ws = workspace(db_url, rules_path, as_)
    show(fiches.assign(ws, ws.identity(), fiche_id, lead=lead, supports=supports, remove_supports=remove_supports,
                       remove_lead=remove_lead, at=_day(at), expected_version=if_version,
                       force_reason=reason if force else None), fmt)  # fmt: skip


@fiche.command("move")
@click.argument("fiche_id", metavar="ID")
@click.argument("trigger")
@click.option("--date", "at", type=DATE, default=None, help="When it happened (default: today).")
@click.option("--by", default=None, metavar="S", help="The structure that did it (default: --as).")
@click.option("--comment", default=None, help="Why, in a few words.")
@click.option("--installed-on", type=DATE, default=None, help="For 'install': the day the activity started.")
@click.option("--follow-up-by", default=None, metavar="S", help="For 'start_follow_up': the structure in charge.")
@if_version_option
@as_option
@db_option
@rules_option
@format_option("text", "json")
def fiche_move(fiche_id: str, trigger: str, at: Any, by: str | None, comment: str | None, installed_on: Any,
               follow_up_by: str | None, if_version: int | None, as_: str | None, db_url: str | None,
               rules_path: Path | None, fmt: str) -> None:  # fmt: skip
    """Move a stored fiche through the lifecycle by a trigger (see 'capactif lifecycle').

    \b
    Example:
        capactif fiche move F-2026-0012 start_study --as cma-63
        capactif fiche move F-2026-0012 install --date 2026-05-02 --as cma-63
    """
    from engine.app import fiches

    ws = workspace(db_url, rules_path, as_)
    show(fiches.move(ws, ws.identity(), fiche_id, trigger, at=_day(at), by=by, comment=comment,
                     installed_on=_day(installed_on), follow_up_by=follow_up_by, expected_version=if_version),
         fmt)  # fmt: skip


@fiche.command("note")
@click.argument("fiche_id", metavar="ID")
@click.argument("text")
@click.option("--contact", "channel", default=None, metavar="CHANNEL",
              help="Record a contact with the porteur instead (phone, email, meeting…).")  # fmt: skip
@click.option("--date", "at", type=DATE, default=None, help="When (default: today).")
@click.option("--by", default=None, metavar="S", help="The structure that wrote it (default: --as).")
@click.option("--activity", default=None, metavar="STATUS",
              help="Follow-up of an installed activity: active (still going) or ceased.")  # fmt: skip
@if_version_option
@as_option
@db_option
@rules_option
@format_option("text", "json")
def fiche_note(fiche_id: str, text: str, channel: str | None, at: Any, by: str | None, activity: str | None,
               if_version: int | None, as_: str | None, db_url: str | None, rules_path: Path | None,
               fmt: str) -> None:  # fmt: skip
    """Add a note (or a contact) to a stored fiche's history.

    \b
    Example:
        capactif fiche note F-2026-0012 "business plan reviewed" --as cma-63
        capactif fiche note F-2026-0012 "called, meeting on 12 May" --contact phone --as cma-63
        capactif fiche note F-2025-0040 "one year on: 2 employees" --contact visit --activity active --as cma-63
    """
    from engine.app import fiches

    ws = workspace(db_url, rules_path, as_)
    show(fiches.note(ws, ws.identity(), fiche_id, text, channel=channel, at=_day(at), by=by,
                     expected_version=if_version, activity=activity), fmt)  # fmt: skip


def _list_option(value: str | None) -> list[str] | None:
    """'a, b' → ['a', 'b']; '' → [] (clears the list); None → None (unchanged)."""
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


_UNSET = ("", "none", "aucun", "unset")


@fiche.command("edit")
@click.argument("fiche_id", metavar="ID")
@click.option("--commune", default=None, help="The project's new commune (INSEE code or name).")
@click.option("--naf", default=None, help="The activity's NAF code (its nature is derived again unless --nature).")
@click.option("--nature", default=None, help="artisanal, commercial, agricultural, liberal; 'auto': from the NAF code.")
@click.option("--kind", default=None, help="creation, takeover or development.")
@click.option("--employees", default=None, help="The planned headcount ('none' to clear it).")
@click.option("--needs", default=None, help="Every need, comma-separated (replaces the list; '' clears it).")
@click.option("--publics", default=None, help="Every public, comma-separated (replaces the list).")
@click.option("--summary", default=None, help="The project's summary.")
@click.option("--name", default=None, help="The porteur's name.")
@click.option("--email", default=None, help="The porteur's e-mail.")
@click.option("--phone", default=None, help="The porteur's phone.")
@click.option("--artisan-registered", type=click.Choice(["yes", "no", "unset"]), default=None,
              help="Already registered at the répertoire des métiers (unset: presumed for a development).")  # fmt: skip
@click.option("--farm-link", default=None, help="extension, on_farm, equestrian, or 'none' (Code rural L311-1).")
@click.option("--date", "at", type=DATE, default=None, help="When it changed (default: today).")
@click.option("--by", default=None, metavar="S", help="The structure that recorded it (default: --as).")
@click.option("--comment", default=None, help="Why, in a few words.")
@if_version_option
@as_option
@db_option
@rules_option
@format_option("text", "json")
def fiche_edit(fiche_id: str, commune: str | None, naf: str | None, nature: str | None, kind: str | None,
               employees: str | None, needs: str | None, publics: str | None, summary: str | None,
               name: str | None, email: str | None, phone: str | None, artisan_registered: str | None,
               farm_link: str | None, at: Any, by: str | None, comment: str | None, if_version: int | None,
               as_: str | None, db_url: str | None, rules_path: Path | None, fmt: str) -> None:  # fmt: skip
    """Change any field of a stored fiche; the history keeps old → new, and a fresh suggestion is recorded.

    A new commune is a commune_changed event (reports and agendas dated before it keep the old
    commune); the porteur's name, e-mail, phone and the summary are masked in the history for whoever
    may not see personal data.

    \b
    Example:
        capactif fiche edit F-2026-0012 --commune Ambert --date 2026-05-02 --as cma-63
        capactif fiche edit F-2026-0012 --naf 47.76Z --nature commercial --as cma-63
        capactif fiche edit F-2026-0012 --needs "honour_loan, premises" --employees 3 --as cma-63
    """
    from engine.app import fiches

    changes: dict[str, Any] = {}
    for field, value in (("commune", commune), ("naf", naf), ("kind", kind), ("summary", summary),
                         ("porteur.name", name), ("porteur.email", email), ("porteur.phone", phone)):  # fmt: skip
        if value is not None:
            changes[field] = value
    if nature is not None:
        changes["nature"] = None if nature.strip().lower() in ("auto", *_UNSET) else nature
    if employees is not None:
        changes["employees"] = None if employees.strip().lower() in _UNSET else employees
    if needs is not None:
        changes["needs"] = _list_option(needs)
    if publics is not None:
        changes["publics"] = _list_option(publics)
    if artisan_registered is not None:
        changes["artisan_registered"] = {"yes": True, "no": False}.get(artisan_registered)
    if farm_link is not None:
        changes["farm_link"] = None if farm_link.strip().lower() in _UNSET else farm_link
    ws = workspace(db_url, rules_path, as_)
    show(fiches.edit_fiche(ws, ws.identity(), fiche_id, changes, at=_day(at), by=by, comment=comment,
                           expected_version=if_version), fmt)  # fmt: skip


@fiche.command("consent")
@click.argument("fiche_id", metavar="ID")
@click.argument("value", type=click.Choice(["yes", "no"]))
@if_version_option
@as_option
@db_option
@rules_option
@format_option("text", "json")
def fiche_consent(fiche_id: str, value: str, if_version: int | None, as_: str | None, db_url: str | None,
                  rules_path: Path | None, fmt: str) -> None:  # fmt: skip
    """Record whether the porteur agrees to share the fiche with the whole network.

    \b
    Example:
        capactif fiche consent F-2026-0012 yes --as cma-63
    """
    from engine.app import fiches

    ws = workspace(db_url, rules_path, as_)
    show(fiches.consent(ws, ws.identity(), fiche_id, value == "yes", expected_version=if_version), fmt)


@fiche.command("answer")
@click.argument("fiche_id", metavar="ID")
@click.argument("reply", type=click.Choice(["take", "decline"]))
@click.option("--reason", default=None, help="For 'decline': why the fiche is not for your structure (required).")
@if_version_option
@as_option
@db_option
@rules_option
@format_option("text", "json")
def fiche_answer(fiche_id: str, reply: str, reason: str | None, if_version: int | None, as_: str | None,
                 db_url: str | None, rules_path: Path | None, fmt: str) -> None:  # fmt: skip
    """Answer a suggestion made to your structure: take the fiche in charge, or decline it.

    'take' (prendre en charge): your structure becomes the fiche's référent or supporting structure,
    as it was suggested.  'decline' (pas pour nous) records your reason and routes the fiche again
    without your structure: the next structure is asked, and the coordinator sees the decline.

    \b
    Example:
        capactif fiche answer F-2026-0012 take --as cma-63
        capactif fiche answer F-2026-0012 decline --reason "activité agricole" --as cma-63
    """
    from engine.app import desk

    ws = workspace(db_url, rules_path, as_)
    show(desk.answer(ws, ws.identity(), fiche_id, reply, reason=reason, expected_version=if_version), fmt)


@fiche.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="Store the valid rows; write the bad ones to --rejects.")
@click.option("--rejects", default=None, type=click.Path(dir_okay=False),
              help="Where the rejected rows go (default: FILE.rejects.<ext> next to FILE).")  # fmt: skip
@click.option("--suggest", "with_suggest", is_flag=True, help="Also run and record a suggestion for each fiche.")
@as_option
@db_option
@rules_option
@format_option("text", "json")
def fiche_import(file: str, skip_invalid: bool, rejects: str | None, with_suggest: bool, as_: str | None,
                 db_url: str | None, rules_path: Path | None, fmt: str) -> None:  # fmt: skip
    """Import fiches from CSV, YAML or JSON: all rows or none (every bad row reported).

    CSV columns are the fiche field names; porteur.name, porteur.email, porteur.phone,
    porteur.consent_network; lists separated by '|'.

    \b
    Example:
        capactif fiche import fiches.csv --as coordinator
        capactif fiche import fiches.csv --skip-invalid --rejects rejects.csv --as coordinator
    """
    from engine.app import fiches

    ws = workspace(db_url, rules_path, as_)
    show(fiches.import_file(ws, ws.identity(), file, skip_invalid=skip_invalid, rejects=rejects,
                            suggest=with_suggest), fmt)  # fmt: skip


@fiche.command("export")
@list_filters
@click.option("--output", "-o", default=None, type=click.Path(dir_okay=False), help="Write to a file.")
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for a French Excel: ';' between cells, UTF-8 with a byte-order mark, dates DD/MM/YYYY.",
)
@as_option
@db_option
@rules_option
@format_option("csv", "json", "yaml")
def fiche_export(output: str | None, excel: bool, as_: str | None, db_url: str | None, rules_path: Path | None,
                 fmt: str, **filters: Any) -> None:  # fmt: skip
    """Export stored fiches (personal data only where the caller may see it; formulas neutralised).

    \b
    Example:
        capactif fiche export --format csv -o fiches.csv --as coordinator
        capactif fiche export --format csv --excel -o fiches.csv --as coordinator
        capactif fiche export --format yaml --network ambert --as committee
    """
    from engine.app import fiches
    from engine.render import render

    if excel and fmt != "csv":
        raise click.UsageError(_("--excel goes with --format csv"))
    ws = workspace(db_url, rules_path, as_)
    deliver(render(fiches.export_fiches(ws, ws.identity(), fmt, _filter(filters), excel=excel), fmt), output)


@main.group("db")
def db_group() -> None:
    """The store's database: upgrade its schema, verify fiches against their history.

    \b
    Example:
        capactif db upgrade --db postgresql+psycopg://capactif@server/capactif
        capactif db verify
    """


@db_group.command("upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Create or upgrade the store's tables in place (Alembic migrations shipped with capactif).

    \b
    Example:
        capactif db upgrade
        capactif db upgrade --db postgresql+psycopg://postgres@127.0.0.1:5432/capactif
    """
    from engine.app import db

    show(db.upgrade(workspace(db_url)), "text")


@db_group.command("verify")
@db_option
@format_option("text", "json")
@click.option("--anchor", "print_anchor", is_flag=True,
              help="Print the chain's head hash (for the committee's minutes) and stop.")  # fmt: skip
@click.option("--check-anchor", "anchor", default=None, metavar="HASH",
              help="Also check that a head hash written down earlier is still a link of the chain.")  # fmt: skip
@click.pass_context
def db_verify(ctx: click.Context, db_url: str | None, fmt: str, print_anchor: bool, anchor: str | None) -> None:
    """Check the event chain and rebuild every fiche from its events; report differences (exit 1 if any).

    \b
    Example:
        capactif db verify
        capactif db verify --format json
        capactif db verify --anchor
        capactif db verify --check-anchor 3f9c…
    """
    from engine.app import db

    ws = workspace(db_url)
    if print_anchor:
        show(db.chain_head(ws), fmt)
        return
    result = db.verify(ws, anchor=anchor)
    show(result, fmt)
    ctx.exit(0 if result.ok else 1)


@db_group.command("rebuild-projection")
@db_option
@format_option("text", "json")
def db_rebuild_projection(db_url: str | None, fmt: str) -> None:
    """Rebuild every fiche's projection (what the alerts read) from its history, after 'db verify' named a difference.

    \b
    Example:
        capactif db rebuild-projection
        capactif db rebuild-projection --db postgresql+psycopg://capactif@server/capactif --format json
    """
    from engine.app import db

    show(db.rebuild_projection(workspace(db_url)), fmt)


@main.command("demo")
@click.option("--fiches", "count", type=click.IntRange(min=1), default=540, show_default=True,
              help="How many synthetic fiches in the year (540 projects met, as in 2004).")  # fmt: skip
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed (same seed, same sample).")
@click.option(
    "--serve",
    "then_serve",
    is_flag=True,
    help="Then create demo accounts, print their sign-in and run the web application on the demo store.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="With --serve: address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="With --serve: port to listen on."
)
@db_option
@rules_option
@format_option("text", "json")
def demo_command(count: int, seed: int, then_serve: bool, host: str, port: int, db_url: str | None,
                 rules_path: Path | None, fmt: str) -> None:  # fmt: skip
    """The main job on a fresh store: a year of synthetic fiches like the network's 2004 year, then its figures.

    Uses a new SQLite file (data dir/demo.sqlite, replaced each run) unless --db is given. The year
    is shaped on the 2004 report (540 projects met, 41 % with a référent, 16 % installed…): the demo
    prints its figures beside 2004's, the committee's alerts, and commands to look further.
    With --serve, the demo store is then opened in the web application, with one demo account per
    kind of structure, the coordinator and a committee member (their sign-in is printed).

    \b
    Example:
        capactif demo
        capactif demo --fiches 200 --seed 7 --format json
        capactif demo --serve
    """
    from engine.app.demo import demo_path, invoked_as, run_demo

    # --db only (never $CAPACTIF_DB): without it the demo writes its own file, not the network's store
    show(run_demo(workspace(rules_path=rules_path), db_url, fiches=count, seed=seed, program=invoked_as()), fmt)
    if not then_serve:
        return
    from engine.app import accounts
    from web import serve

    store = db_url or str(demo_path())
    show(accounts.demo_accounts(workspace(store, rules_path), address=f"http://{host}:{port}/"), "text")
    serve.run(host=host, port=port, db=store, rules=rules_path)


# --- suggest -------------------------------------------------------------------------------------


@main.command("suggest")
@click.argument("fiches", nargs=-1, required=True)
@rules_option
@click.option("--alternatives", type=click.IntRange(min=0), default=0, metavar="N",
              help="Also show the next N candidates for lead, each with why it lost.")  # fmt: skip
@click.option("--explain", "explain_structure", metavar="STRUCTURE", default=None,
              help="Say why this structure was or was not chosen, instead of the suggestion.")  # fmt: skip
@format_option("text", "json")
@db_option
@click.pass_context
def suggest_command(
    ctx: click.Context, fiches: tuple[str, ...], rules_path: Path | None, alternatives: int,
    explain_structure: str | None, fmt: str, db_url: str | None,
) -> None:  # fmt: skip
    """Suggest the lead (référent) and supporting structures of each fiche, with the reasons.

    FICHES are YAML or JSON files ('-' for standard input) or stored fiche ids (read from --db, whose
    caseloads are then used). Exit 0, or 1 when a fiche has no structure able to lead it (an
    orphan), 2 with every problem of the input.

    \b
    Example:
        capactif suggest fiche.yaml
        capactif suggest fiche.yaml --alternatives 2
        capactif suggest fiche.yaml --explain cma-63
        cat fiche.json | capactif suggest - --format json
        capactif suggest F-2026-0012 --db capactif.sqlite
    """
    from engine.app.suggest import suggest_fiches

    ws = workspace(db_url, rules_path)
    result = suggest_fiches(ws, fiches, stdin_if_dash(fiches), alternatives=alternatives,
                            explain_structure=explain_structure)  # fmt: skip
    show(result, fmt)
    ctx.exit(result.exit_code)


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
    from engine.app import lifecycle

    show(lifecycle.describe(), fmt)


# --- activities (NAF) ----------------------------------------------------------------------------


@main.group("naf")
def naf_group() -> None:
    """Activities: find the NAF rév. 2 code of what a porteur does.

    \b
    Example:
        capactif naf search boulangerie
    """


@naf_group.command("search")
@click.argument("words", nargs=-1, required=True)
@click.option(
    "--limit", type=click.IntRange(min=1, max=50), default=10, show_default=True, help="How many codes to show at most."
)
@format_option("text", "json")
def naf_search_command(words: tuple[str, ...], limit: int, fmt: str) -> None:
    """Rank NAF rév. 2 codes by their French labels and everyday words, best first.

    Accents, case and plurals do not matter ("boulanger", "Boulangeries"); each code comes with its
    legal nature (which chamber leads) and whether the nature must be confirmed with the porteur.
    Exit 1 when no code matches.

    \b
    Example:
        capactif naf search boulangerie
        capactif naf search plombier chauffagiste --limit 5
        capactif naf search gîte --format json
    """
    from engine.app.activities import search_activities

    result = search_activities(" ".join(words), limit)
    show(result, fmt)
    click.get_current_context().exit(result.exit_code)


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


@db_group.command("roles")
@db_option
@click.option("--role", default="capactif_app", show_default=True, metavar="NAME",
              help="The role the application connects as.")  # fmt: skip
@click.option("--password-env", default=None, metavar="VAR",
              help="Set the role's password from this environment variable (never on the command line).")  # fmt: skip
@format_option("text", "json")
def db_roles(db_url: str | None, role: str, password_env: str | None, fmt: str) -> None:
    """PostgreSQL: create the application's role; it may insert events but never update or delete them.

    Run it as the database's owner after 'db upgrade'; the application (capactif serve, the
    technicians' commands) then connects as that role.

    \b
    Example:
        capactif db roles --db postgresql+psycopg://admin@server/capactif --role capactif_app
    """
    import os

    from engine.app import db

    password = os.environ.get(password_env) if password_env else None
    show(db.grant_roles(workspace(db_url), role, password), fmt)


@main.group("porteur")
def porteur_group() -> None:
    """A porteur's rights over their data: find, export, erase, purge (coordinator only).

    \b
    Example:
        capactif porteur find martin --as coordinator
        capactif porteur erase F-2026-0012 --as coordinator
    """


message_option = click.option(
    "--message", "message_ids", multiple=True, type=click.IntRange(min=1), metavar="N",
    help="A message about an offer, by the number porteur find gives (repeatable).",
)  # fmt: skip


@porteur_group.command("find")
@click.argument("query")
@as_option
@db_option
@format_option("text", "json")
def porteur_find(query: str, as_: str | None, db_url: str | None, fmt: str) -> None:
    """The fiches whose porteur's name or e-mail contains QUERY (accents and case ignored), and the
    messages about offers whose sender's name or e-mail contains it.

    \b
    Example:
        capactif porteur find "hélène martin" --as coordinator
        capactif porteur find martin@example.org --as coordinator --format json
    """
    from engine.app import porteurs

    ws = workspace(db_url, as_=as_)
    show(porteurs.find(ws, ws.identity(), query), fmt)


@porteur_group.command("export")
@click.argument("fiche_ids", nargs=-1, metavar="[ID]...")
@message_option
@click.option("--output", "-o", default=None, type=click.Path(dir_okay=False),
              help="Write the JSON to this file (created readable by you only) instead of the screen.")  # fmt: skip
@as_option
@db_option
def porteur_export(
    fiche_ids: tuple[str, ...], message_ids: tuple[int, ...], output: str | None, as_: str | None, db_url: str | None
) -> None:
    """Everything stored about the porteur of these fiches, as JSON (their access request).

    \b
    Example:
        capactif porteur export F-2026-0012 F-2026-0040 -o martin.json --as coordinator
        capactif porteur export --message 7 --as coordinator
    """
    from engine.app import porteurs
    from engine.render import render

    ws = workspace(db_url, as_=as_)
    deliver(render(porteurs.export(ws, ws.identity(), fiche_ids, message_ids), "json"), output)


@porteur_group.command("erase")
@click.argument("fiche_ids", nargs=-1, metavar="[ID]...")
@message_option
@as_option
@db_option
@format_option("text", "json")
def porteur_erase(
    fiche_ids: tuple[str, ...], message_ids: tuple[int, ...], as_: str | None, db_url: str | None, fmt: str
) -> None:
    """Erase the porteur's name, e-mail, phone and free texts from these fiches and their history.

    The project's facts (commune, activity, stages, structures, dates) stay for the figures; the
    history stays verifiable (capactif db verify).  The erasure is recorded, without the data.
    The messages about offers that became these fiches are erased too; --message N erases another.

    \b
    Example:
        capactif porteur erase F-2026-0012 --as coordinator
        capactif porteur erase --message 7 --as coordinator
    """
    from engine.app import porteurs

    ws = workspace(db_url, as_=as_)
    show(porteurs.erase(ws, ws.identity(), fiche_ids, message_ids=message_ids), fmt)


@porteur_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Only list the fiches past the retention period.")
@as_option
@db_option
@charter_option
@format_option("text", "json")
def porteur_purge(dry_run: bool, as_: str | None, db_url: str | None, charter_path: Path | None, fmt: str) -> None:
    """Erase the personal data of every fiche with no event for the charter's retention period, and of
    every message about an offer older than that which never became a fiche.

    \b
    Example:
        capactif porteur purge --dry-run --as coordinator
        capactif porteur purge --as coordinator
    """
    from engine.app import porteurs

    ws = workspace(db_url, as_=as_, charter_path=charter_path)
    show(porteurs.purge(ws, ws.identity(), dry_run=dry_run), fmt)


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
    from engine.app import charter

    show(charter.show(workspace(charter_path=charter_path)), fmt)


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
    from engine.app import rules

    result = rules.check(workspace(rules_path=rules_path), directory)
    show(result, fmt)
    click.get_current_context().exit(result.exit_code)


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
    from engine.app import rules

    show(rules.show(workspace(rules_path=rules_path), structure), fmt)


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
    from engine.app import rules

    show(rules.schema(out_dir), fmt)


@rules_group.command("coverage")
@rules_option
@format_option("table", "json")
@click.pass_context
def rules_coverage_command(ctx: click.Context, rules_path: Path | None, fmt: str) -> None:
    """Where a porteur would find no structure: gaps and ties of the rules, per local network.

    From the rules alone: every commune × nature × project kind (× need) that no structure covers
    as lead or support, covered only under conditions (stage, NAF, publics…), or where two
    structures tie for lead with nothing but the caseload or the id to separate them. Largest
    first; --format json lists all (keys in docs/coverage.md). Exit 1 when a lead gap exists.

    \b
    Example:
        capactif rules coverage
        capactif rules coverage --rules my-rules --format json
    """
    from engine.app import rules

    result = rules.coverage(workspace(rules_path=rules_path))
    show(result, fmt)
    ctx.exit(result.exit_code)


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
    from engine.app import rules

    result = rules.test(workspace(rules_path=rules_path), files)
    show(result, fmt)
    ctx.exit(result.exit_code)


@rules_group.command("diff")
@click.option("--base", "base", required=True, metavar="GIT_REV|DIR|published|VERSION",
              help="The rules to compare with: a rules directory, a git revision of the rules, 'published' (the "
                   "store's rules in force) or a stored version (sha256:…, see 'rules history').")  # fmt: skip
@rules_option
@click.option("--fiches", "fiches", multiple=True, metavar="store|FILE",
              help="Fiche files to replay (repeat the option), or 'store' (default when a store exists).")  # fmt: skip
@click.argument("more_fiches", nargs=-1, metavar="[FILE]...")
@click.option("--as-of", "as_of", type=DATE, default=None, metavar="YYYY-MM-DD",
              help="Only fiches received on or before that date (store: also active on that date).")  # fmt: skip
@db_option
@format_option("text", "json")
@click.pass_context
def rules_diff(
    ctx: click.Context, base: str, rules_path: Path | None, fiches: tuple[str, ...], more_fiches: tuple[str, ...],
    as_of: Any, db_url: str | None, fmt: str,
) -> None:  # fmt: skip
    """Replay fiches through the base rules and the working rules, and report every fiche that changes.

    A fiche changes when its lead, its supporting structures, its uncovered needs or its orphan
    status differ; each is shown before → after with what made the difference, then a summary per
    structure and per local network. Exit 0 when nothing changes, 1 when something does, 2 when
    either side's rules (named in the message) or a fiche file has a problem.

    \b
    Example:
        capactif rules diff --base HEAD~1 --fiches fiches-2026.yaml
        capactif rules diff --base ../rules-adopted --rules rules --fiches store --as-of 2026-06-30
        capactif rules diff --base HEAD~1 --fiches store --db postgresql+psycopg://capactif@server/capactif
        capactif rules diff --base main --fiches a.yaml --fiches b.json --format json
        capactif rules diff --base published --fiches store
        capactif rules diff --base sha256:3f2a0c1b9e77 --rules rules
    """
    from engine.app import rules

    sources = [*fiches, *more_fiches]
    stdin_text = stdin_if_dash(tuple(sources))
    result = rules.diff(
        workspace(db_url, rules_path), base, sources, _day(as_of), stdin_text=stdin_text,
        progress=lambda total: rules.DelayedProgress(total, _("replaying fiches")),
    )  # fmt: skip
    show(result, fmt)
    ctx.exit(result.exit_code)


# --- report, offers, agenda: shared options --------------------------------------------------------


def store_options(func: Any) -> Any:
    """``--db URL`` (the store) and ``--as WHO`` (who is asking) for the charter/report/offer/agenda commands."""
    func = click.option(
        "--as",
        "as_who",
        default=None,
        metavar="WHO",
        help="Who is asking: a structure id, 'coordinator' or 'committee' (default: $CAPACTIF_AS).",
    )(func)
    return click.option(
        "--db", "db_url", default=None, metavar="URL", help="The store (default: $CAPACTIF_DB, else the embedded file)."
    )(func)


def period_options(func: Any) -> Any:
    """``--year Y`` or ``--from D --to D``."""
    func = click.option("--to", "date_to", type=DATE, default=None, help="Last day (YYYY-MM-DD).")(func)
    func = click.option("--from", "date_from", type=DATE, default=None, help="First day (YYYY-MM-DD).")(func)
    from engine.limits import DATE_FLOOR, YEAR_CEILING

    years = click.IntRange(DATE_FLOOR.year, YEAR_CEILING)
    return click.option("--year", type=years, default=None, help="A calendar year (default: the current year).")(func)


@charter_group.command("check")
@period_options
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    default=None,
    help="Judge with what was known on this day (default: today).",
)
@click.option("--details", is_flag=True, help="Per local network, per structure and the fiches behind each commitment.")
@format_option("table", "json", "markdown")
@charter_option
@rules_option
@store_options
def charter_check(
    year: int | None,
    date_from: Any,
    date_to: Any,
    as_of: Any,
    details: bool,
    fmt: str,
    charter_path: Path | None,
    rules_path: Path | None,
    db_url: str | None,
    as_who: str | None,
) -> None:
    """For each commitment of the charter, the share of fiches for which it was kept.

    One line per commitment (share kept, kept / judged); --details adds, per commitment, the local
    networks, the structures and the fiches that broke it (porteurs' names only for those allowed
    to see them); --format json always holds all of it. Exit 1 when a commitment was broken, else 0.

    \b
    Example:
        capactif charter check --year 2025 --as committee
        capactif charter check --year 2025 --details --format markdown
        capactif charter check --from 2025-01-01 --to 2025-06-30 --format json
    """
    from engine.app import charter

    ws = workspace(db_url, rules_path, as_who, charter_path)
    result = charter.check(ws, ws.identity(), year=year, start=_day(date_from), end=_day(date_to), as_of=_day(as_of),
                           details=details)  # fmt: skip
    show(result, fmt)
    click.get_current_context().exit(result.exit_code)


# --- report --------------------------------------------------------------------------------------


@main.command("report")
@period_options
@click.option("--network", default=None, metavar="N", help="Only this local network (thiers, ambert, brioude).")
@format_option("table", "json", "csv", "markdown", "html")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to this file instead of printing it.",
)
@rules_option
@store_options
def report_command(
    year: int | None,
    date_from: Any,
    date_to: Any,
    network: str | None,
    fmt: str,
    output: Path | None,
    rules_path: Path | None,
    db_url: str | None,
    as_who: str | None,
) -> None:
    """The yearly report: projects met, référents, network effect, installations, follow-ups, offers.

    Figures per local network and per structure, funnel ratios and median delays; definitions in
    docs/report.md. No porteur's name appears. --format html writes one self-contained page.

    \b
    Example:
        capactif report --year 2025
        capactif report --year 2025 --network ambert --format json
        capactif report --year 2025 --format html -o bilan-2025.html
    """
    from engine.app import report

    ws = workspace(db_url, rules_path, as_who)
    show(report.report(ws, ws.identity(), year=year, start=_day(date_from), end=_day(date_to), network=network),
         fmt, output)  # fmt: skip


# --- alerts --------------------------------------------------------------------------------------

SEVERITY_CHOICES = click.Choice(["info", "warning", "critical"])


@main.command("alerts")
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    default=None,
    help="The day the alerts are computed for (default: today).",
)
@click.option("--network", default=None, metavar="N", help="Only this local network (thiers, ambert, brioude).")
@click.option("--structure", default=None, metavar="S", help="Only the alerts involving this structure.")
@click.option("--check", "checks", multiple=True, metavar="C", help="Only this check (repeatable).")
@click.option(
    "--min-severity",
    type=SEVERITY_CHOICES,
    default="info",
    show_default=True,
    help="Leave out the alerts below this severity.",
)
@click.option(
    "--fail-on",
    type=SEVERITY_CHOICES,
    default=None,
    help="Exit 1 when an alert of this severity or more serious is shown.",
)
@click.option("--all", "full", is_flag=True, help="Every alert, per local network, after the summary.")
@format_option(*FORMATS_REPORT)
@charter_option
@rules_option
@store_options
@click.pass_context
def alerts_command(ctx: click.Context, as_of: Any, network: str | None, structure: str | None,
                   checks: tuple[str, ...], min_severity: str, fail_on: str | None, full: bool, fmt: str,
                   charter_path: Path | None, rules_path: Path | None, db_url: str | None,
                   as_who: str | None) -> None:  # fmt: skip
    """The committee's alerts: fiches without référent, stalled, badly led, shared without consent.

    Computed from the stored fiches as they stood on --as-of, with the thresholds of the charter
    (charter/commitments.yaml, 'alerts:'). First the counts per check and local network and the ten
    most urgent alerts, each with since when and what to do; --all adds every alert per local
    network (--format json and csv always hold every alert). Porteurs' names only for those who may
    see them. Exit 1 when an alert at or above --fail-on is shown, else 0. Keys: docs/alerts.md.

    \b
    Example:
        capactif alerts --as committee
        capactif alerts --as-of 2026-06-30 --network thiers --all --format markdown
        capactif alerts --check no_lead --check stalled --fail-on warning --format json
    """
    from engine.app.alerts import alerts
    from engine.app.demo import invoked_as

    ws = workspace(db_url, rules_path, as_who, charter_path)
    result = alerts(ws, ws.identity(), as_of=_day(as_of), network=network, structure=structure, checks=checks,
                    min_severity=min_severity, fail_on=fail_on, full=full or fmt in ("json", "csv"),
                    program=invoked_as())  # fmt: skip
    show(result, fmt)
    ctx.exit(result.exit_code)


# --- offers --------------------------------------------------------------------------------------


@main.group("offer")
def offer_group() -> None:
    """Activity offers (businesses to take over, activities a commune seeks): add, list, show, close, contact, match.

    \b
    Example:
        capactif offer add offre.yaml --as coordinator
        capactif offer match F-2026-0012 --as cma-63
    """


@offer_group.command("add")
@click.argument("files", nargs=-1, required=True)
@rules_option
@store_options
@format_option("text", "json")
def offer_add(files: tuple[str, ...], rules_path: Path | None, db_url: str | None, as_who: str | None,
              fmt: str) -> None:  # fmt: skip
    """Store offers from YAML/JSON files: what was published, where and when ('-' reads standard input).

    Every file is checked first: any problem (file:line:col) and nothing is stored (exit 2).

    \b
    Example:
        capactif offer add boulangerie.yaml --as coordinator
    """
    from engine.app import offers

    ws = workspace(db_url, rules_path, as_who)
    show(offers.add_files(ws, ws.identity(), files, stdin_text=stdin_if_dash(files)), fmt)


@offer_group.command("list")
@click.option("--status", type=click.Choice(["open", "closed"]), default=None, help="Only open or closed offers.")
@click.option("--network", default=None, metavar="N", help="Only this local network (thiers, ambert, brioude).")
@rules_option
@store_options
@format_option("table", "json", "csv")
def offer_list(status: str | None, network: str | None, rules_path: Path | None, db_url: str | None,
               as_who: str | None, fmt: str) -> None:  # fmt: skip
    """List offers by publication date, with how many contacts each brought.

    \b
    Example:
        capactif offer list --status open --network ambert
        capactif offer list --format csv > offres.csv
    """
    from engine.app import offers

    ws = workspace(db_url, rules_path, as_who)
    show(offers.list_offers(ws, ws.identity(), status=status, network=network), fmt)


@offer_group.command("show")
@click.argument("offer_id", metavar="ID")
@rules_option
@store_options
@format_option("text", "json")
def offer_show(offer_id: str, rules_path: Path | None, db_url: str | None, as_who: str | None, fmt: str) -> None:
    """Show an offer: where and when it was published, its contacts, the installations it brought.

    Porteurs' names and contact notes only for those allowed to see them.

    \b
    Example:
        capactif offer show O-2025-0003 --as cma-63
    """
    from engine.app import offers

    ws = workspace(db_url, rules_path, as_who)
    show(offers.show(ws, ws.identity(), offer_id), fmt)


@offer_group.command("close")
@click.argument("offer_id", metavar="ID")
@click.option("--date", "at", type=DATE, default=None, help="When it was closed (default: today).")
@click.option("--reason", default="", help="Why, in a few words (taken over, withdrawn…).")
@rules_option
@store_options
@format_option("text", "json")
def offer_close(offer_id: str, at: Any, reason: str, rules_path: Path | None, db_url: str | None,
                as_who: str | None, fmt: str) -> None:  # fmt: skip
    """Close an open offer (it is no longer proposed to porteurs).

    \b
    Example:
        capactif offer close O-2025-0003 --date 2025-09-30 --reason "reprise faite" --as coordinator
    """
    from engine.app import offers

    ws = workspace(db_url, rules_path, as_who)
    show(offers.close(ws, ws.identity(), offer_id, on=_day(at), reason=reason), fmt)


@offer_group.command("contact")
@click.argument("offer_id", metavar="OFFER")
@click.argument("fiche_id", metavar="FICHE")
@click.option("--date", "at", type=DATE, default=None, help="When the porteur got in touch (default: today).")
@click.option("--note", default="", help="What was said, in a few words.")
@rules_option
@store_options
@format_option("text", "json")
def offer_contact(offer_id: str, fiche_id: str, at: Any, note: str, rules_path: Path | None, db_url: str | None,
                  as_who: str | None, fmt: str) -> None:  # fmt: skip
    """Record that a fiche's porteur got in touch about an offer (a contact event on the fiche too).

    Like any note on a fiche, only the structures on the fiche and the coordinator may record it.

    \b
    Example:
        capactif offer contact O-2025-0003 F-2025-0012 --date 2025-04-02 --as cma-63
    """
    from engine.app import offers

    ws = workspace(db_url, rules_path, as_who)
    show(offers.contact(ws, ws.identity(), offer_id, fiche_id, on=_day(at), note=note), fmt)


@offer_group.command("match")
@click.argument("subject", metavar="FICHE|OFFER")
@click.option("--date", "at", type=DATE, default=None, help="Offers open on this day (default: today).")
@rules_option
@store_options
@format_option("text", "json")
def offer_match(subject: str, at: Any, rules_path: Path | None, db_url: str | None, as_who: str | None,
                fmt: str) -> None:  # fmt: skip
    """Open offers for a fiche, or fiches still looking for an offer, ranked with their reasons.

    Ranked by kind (takeover for porteurs taking over), activity (NAF code, class, division, nature),
    territory (commune, intercommunal body, local network); see docs/offers.md.

    \b
    Example:
        capactif offer match F-2025-0012 --as cma-63
        capactif offer match O-2025-0003 --format json
    """
    from engine.app import offers

    ws = workspace(db_url, rules_path, as_who)
    show(offers.match(ws, ws.identity(), subject, on=_day(at)), fmt)


# --- agenda --------------------------------------------------------------------------------------


@main.command("agenda")
@click.option("--network", required=True, metavar="N", help="The local network meeting (thiers, ambert, brioude).")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month (the meeting is on its first working day).")
@format_option("markdown", "html", "json")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the agenda to this file instead of printing it.")  # fmt: skip
@charter_option
@rules_option
@store_options
def agenda_command(network: str, month: str, fmt: str, output: Path | None, charter_path: Path | None,
                   rules_path: Path | None, db_url: str | None, as_who: str | None) -> None:  # fmt: skip
    """The monthly meeting's agenda of a local network, prepared on the eve of the meeting.

    New fiches since the last meeting with their suggested lead and supports, fiches to share out,
    alerts, installations and follow-ups due, new offers and contacts. The meeting is held on the
    month's first working day (docs/agenda.md). Porteurs' names only for those allowed to see them.

    \b
    Example:
        capactif agenda --network ambert --month 2025-03 --as cma-63
        capactif agenda --network thiers --month 2025-03 --format html -o reunion-thiers.html
    """
    from engine.app import agenda

    ws = workspace(db_url, rules_path, as_who, charter_path)
    show(agenda.agenda(ws, ws.identity(), network, month), fmt, output, written=_("Agenda written to {path}"))


# --- notify: e-mail reminders --------------------------------------------------------------------


@main.command("notify")
@click.option("--as-of", "as_of", type=DATE, default=None, help="The day to remind for (default: today).")
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Write each message as a .eml file in DIR instead of sending it; nothing is recorded.",
)
@click.option(
    "--only",
    default=None,
    metavar="WHO",
    help="Only this structure's messages, or only 'agenda', 'committee' or 'coordinator'.",
)
@format_option("text", "json")
@charter_option
@rules_option
@store_options
@click.pass_context
def notify_command(ctx: click.Context, as_of: Any, dry_run: Path | None, only: str | None, fmt: str,
                   charter_path: Path | None, rules_path: Path | None, db_url: str | None,
                   as_who: str | None) -> None:  # fmt: skip
    """E-mail each structure, local network, the committee and the coordinator what is due today.

    Structures: the suggestions they have not answered (reminded at the charter's delays) and the
    alerts on their fiches; local networks: their meeting's agenda a few days before; the committee:
    the month's summary (no personal data); the coordinator: what nobody answered after the last
    reminder. Each thing is sent once (recorded in the store); a failed message is sent again by the
    next run. SMTP settings come from the environment or $CAPACTIF_SMTP_CONFIG, never from options.
    Exit 1 when a message could not be sent. See docs/notify.md.

    \b
    Example:
        capactif notify --as coordinator
        capactif notify --dry-run /tmp/mails --as-of 2026-12-01 --as coordinator
    """
    from engine.app import notify
    from engine.errors import InputError
    from engine.notify.mail import DirectoryTransport, SmtpTransport, smtp_settings
    from engine.render.notify import compose

    ws = workspace(db_url, rules_path, as_who, charter_path)
    who = ws.identity()
    settings = smtp_settings()
    transport: Any
    if dry_run is not None:
        transport = DirectoryTransport(dry_run)
        sender = settings.sender if settings else "Cap Actif <capactif@localhost>"
    elif settings is None:
        raise InputError(_("no SMTP server: set CAPACTIF_SMTP_HOST (or $CAPACTIF_SMTP_CONFIG), or use --dry-run DIR"))
    else:
        transport, sender = SmtpTransport(settings), settings.sender
    result = notify.notify(ws, who, compose=compose, transport=transport, sender=sender, base_url=_base_url(None),
                           as_of=_day(as_of), only=only)  # fmt: skip
    show(result, fmt)
    ctx.exit(result.exit_code)


# --- the web application: serve, accounts, access log --------------------------------------------


def base_url_option(func: Any) -> Any:
    """``--base-url URL``: the address people open the application at (for the one-time links)."""
    return click.option(
        "--base-url", default=None, metavar="URL",
        help="Address of the web application, for the links (default: $CAPACTIF_BASE_URL, else http://127.0.0.1:8000).",
    )(func)  # fmt: skip


def _base_url(option: str | None) -> str:
    from engine.app.config import base_url

    return base_url(option)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Pages each worker handles at once (the others wait their turn).",
)
@click.option(
    "--proxy-headers",
    is_flag=True,
    help="Behind a reverse proxy: trust its X-Forwarded-Proto/-For (https makes cookies Secure).",
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    metavar="IPS",
    help="With --proxy-headers: the proxies' addresses (comma-separated).",
)
@db_option
@rules_option
def serve_command(host: str, port: int, workers: int, threads: int, proxy_headers: bool, forwarded_allow_ips: str,
                  db_url: str | None, rules_path: Path | None) -> None:  # fmt: skip
    """Run the web application (French pages for technicians, coordinator and committee).

    Accounts are made with 'capactif user add'. Behind a TLS reverse proxy use --proxy-headers
    (docs/web.md).

    \b
    Example:
        capactif serve
        capactif serve --db postgresql+psycopg://capactif@db/capactif --workers 4 --proxy-headers
    """
    from web import serve

    shown = serve.check(db_url, rules_path)
    click.echo(_("capactif: {store} — {url} (Ctrl+C to stop)").format(store=shown, url=f"http://{host}:{port}/"),
               err=True)  # fmt: skip
    serve.run(host=host, port=port, db=db_url, rules=rules_path, workers=workers, threads=threads,
              proxy_headers=proxy_headers, forwarded_allow_ips=forwarded_allow_ips)  # fmt: skip


@main.group("user")
def user_group() -> None:
    """Accounts of the web application (the coordinator's job): add, list, disable, enable, reset.

    \b
    Example:
        capactif user add marie.dupont@cma63.fr --name "Marie Dupont" --structure cma-63 --as coordinator
    """


def user_options(func: Any) -> Any:
    """``--as``, ``--db`` and ``--rules``, shared by the ``user`` commands."""
    return as_option(db_option(rules_option(func)))


def _show_link(ws: Any, link: Any, fmt: str) -> None:
    """Print the one-time link; e-mail it too when an SMTP server is configured (exit 1 if that fails)."""
    from engine.notify.mail import SmtpTransport, smtp_settings

    settings = smtp_settings()
    if settings is None:
        show(link, fmt)
        return
    from engine.app import notify
    from engine.render.notify import compose_link

    mailed = notify.mail_link(ws, ws.identity(), link, compose=compose_link, transport=SmtpTransport(settings),
                              sender=settings.sender)  # fmt: skip
    show(mailed, fmt)
    click.get_current_context().exit(mailed.exit_code)


@user_group.command("add")
@click.argument("email")
@click.option("--name", "display_name", required=True, help="The person's name, as colleagues know them.")
@click.option("--structure", default=None, metavar="S", help="A technician of this structure.")
@click.option("--role", type=click.Choice(["coordinator", "committee"]), default=None, help="Or a role.")
@base_url_option
@user_options
@format_option("text", "json")
def user_add(email: str, display_name: str, structure: str | None, role: str | None, base_url: str | None,
             as_: str | None, db_url: str | None, rules_path: Path | None, fmt: str) -> None:  # fmt: skip
    """Add an account and print its one-time link to choose a password (e-mailed to it too when an SMTP
    server is configured: docs/notify.md; exit 1 if that fails).

    \b
    Example:
        capactif user add marie.dupont@cma63.fr --name "Marie Dupont" --structure cma-63 --as coordinator
        capactif user add elu@ville.fr --name "Jean Durand" --role committee --as coordinator
    """
    from engine.app import accounts

    ws = workspace(db_url, rules_path, as_)
    link = accounts.add_user(ws, ws.identity(), email=email, display_name=display_name, structure=structure,
                             role=role, base_url=_base_url(base_url))  # fmt: skip
    _show_link(ws, link, fmt)


@user_group.command("list")
@user_options
@format_option("table", "json")
def user_list(as_: str | None, db_url: str | None, rules_path: Path | None, fmt: str) -> None:
    """List the accounts (never a password).

    \b
    Example:
        capactif user list --as coordinator
    """
    from engine.app import accounts

    ws = workspace(db_url, rules_path, as_)
    show(accounts.list_users(ws, ws.identity()), fmt)


@user_group.command("disable")
@click.argument("email")
@user_options
def user_disable(email: str, as_: str | None, db_url: str | None, rules_path: Path | None) -> None:
    """Disable an account: its sessions end at once, it cannot sign in any more.

    \b
    Example:
        capactif user disable marie.dupont@cma63.fr --as coordinator
    """
    _switch_user(email, True, as_, db_url, rules_path)


@user_group.command("enable")
@click.argument("email")
@user_options
def user_enable(email: str, as_: str | None, db_url: str | None, rules_path: Path | None) -> None:
    """Enable a disabled account again.

    \b
    Example:
        capactif user enable marie.dupont@cma63.fr --as coordinator
    """
    _switch_user(email, False, as_, db_url, rules_path)


def _switch_user(email: str, disabled: bool, as_: str | None, db_url: str | None, rules_path: Path | None) -> None:
    """``user disable`` and ``user enable``: one use case, the account's new state printed."""
    from engine.app import accounts

    ws = workspace(db_url, rules_path, as_)
    show(accounts.disable_user(ws, ws.identity(), email, disabled=disabled), "text")


@user_group.command("reset")
@click.argument("email")
@base_url_option
@user_options
@format_option("text", "json")
def user_reset(email: str, base_url: str | None, as_: str | None, db_url: str | None, rules_path: Path | None,
               fmt: str) -> None:  # fmt: skip
    """A new one-time link for a forgotten password (the account's sessions end).

    \b
    Example:
        capactif user reset marie.dupont@cma63.fr --as coordinator
    """
    from engine.app import accounts

    ws = workspace(db_url, rules_path, as_)
    _show_link(ws, accounts.reset_user(ws, ws.identity(), email, base_url=_base_url(base_url)), fmt)


@main.command("audit")
@click.argument("fiche_id", metavar="FICHE")
@as_option
@db_option
@rules_option
@format_option("text", "json")
def audit_command(fiche_id: str, as_: str | None, db_url: str | None, rules_path: Path | None, fmt: str) -> None:
    """Who read the porteur's personal data of a fiche, or changed it, and when (coordinator).

    \b
    Example:
        capactif audit F-2026-0012 --as coordinator
    """
    from engine.app import audit

    ws = workspace(db_url, rules_path, as_)
    show(audit.fiche_audit(ws, ws.identity(), fiche_id), fmt)


def _warn(message: str) -> None:
    """A warning from the application layer, on standard error."""
    click.echo(_("warning: {message}").format(message=message), err=True)


@rules_group.command("publish")
@click.argument("source", required=False, metavar="[DIR|VERSION]")
@click.option("--message", "-m", default="", help="What changes, in a few words (recorded with the publication).")
@click.option("--force", is_flag=True, help="Publish even though the routing tests fail (needs --reason).")
@click.option("--reason", default=None, help="Why the failing tests are overridden (recorded).")
@click.option("--decision", default=None, metavar="D-YYYY-NNN", help="The committee's decision that adopted it.")
@click.option("--draft", is_flag=True, help="Store the set without putting it in force (a candidate to replay).")
@rules_option
@store_options
@format_option("text", "json")
def rules_publish(source: str | None, message: str, force: bool, reason: str | None, decision: str | None,
                  draft: bool, rules_path: Path | None, db_url: str | None, as_who: str | None,
                  fmt: str) -> None:  # fmt: skip
    """Put a rules set in force for the whole network: checked, tested, stored in the shared store.

    DIR defaults to --rules, $CAPACTIF_RULES, ./rules, the bundled network; VERSION (sha256:…)
    puts a stored draft in force. The set's routing tests (DIR/tests/*.yaml) must pass, unless
    --force with a --reason. Every command with this store then routes with it. Exit 0 when
    published, 1 when the tests fail (nothing published), 2 for a problem in the rules.

    \b
    Example:
        capactif rules publish rules --message "ADIE couvre Brioude" --as coordinator
        capactif rules publish --draft my-rules --message "essai" --as coordinator
        capactif rules publish sha256:3f2a0c1b9e77 --message "adopté" --decision D-2026-004 --as coordinator
    """
    from engine.app.published import publish_rules

    ws = workspace(db_url, rules_path, as_who)
    show(publish_rules(ws, ws.identity(), source, message=message, force=force, reason=reason, decision=decision,
                       draft=draft), fmt)  # fmt: skip


@rules_group.command("history")
@store_options
@format_option("text", "json")
def rules_history_command(db_url: str | None, as_who: str | None, fmt: str) -> None:
    """The rules published in this store, the latest (in force) first, and the drafts.

    \b
    Example:
        capactif rules history
        capactif rules history --format json
    """
    from engine.app.published import rules_history

    ws = workspace(db_url, as_=as_who)
    show(rules_history(ws, ws.identity()), fmt)


@rules_group.command("export")
@click.argument("version", metavar="VERSION|published")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@store_options
@format_option("text", "json")
def rules_export(version: str, directory: Path, db_url: str | None, as_who: str | None, fmt: str) -> None:
    """Write a stored rules set (or 'published', the one in force) into a new directory.

    \b
    Example:
        capactif rules export published ./rules-en-vigueur
        capactif rules export sha256:3f2a0c1b9e77 /tmp/rules-old
    """
    from engine.app.published import export_rules

    ws = workspace(db_url, as_=as_who)
    show(export_rules(ws, ws.identity(), version, directory), fmt)


# --- decisions -----------------------------------------------------------------------------------


@main.group("decision")
def decision_group() -> None:
    """The committee's decisions: the actions put to it (rules changes, promotion, training) and what it decided.

    \b
    Example:
        capactif decision add --kind training --title "Formation à l'accueil" --as coordinator
        capactif decision record D-2026-001 --outcome adopted --date 2026-12-07 --as coordinator
        capactif decision list
    """


@decision_group.command("add")
@click.option("--kind", required=True, metavar="KIND", help="rules_change, promotion, training or other.")
@click.option("--title", required=True, help="The action put to the committee, in a few words.")
@click.option("--description", default="", help="More detail (optional).")
@click.option("--date", "at", type=DATE, default=None, help="When it is put to the committee (default: today).")
@store_options
@format_option("text", "json")
def decision_add(kind: str, title: str, description: str, at: Any, db_url: str | None, as_who: str | None,
                 fmt: str) -> None:  # fmt: skip
    """Record an action put to the committee (pending until its decision is recorded).

    \b
    Example:
        capactif decision add --kind rules_change --title "ADIE couvre Brioude" --as coordinator
    """
    from engine.app.decisions import add_decision

    ws = workspace(db_url, as_=as_who)
    show(add_decision(ws, ws.identity(), kind=kind, title=title, put_on=_day(at), description=description), fmt)


@decision_group.command("record")
@click.argument("decision_id", metavar="ID")
@click.option("--outcome", required=True, metavar="OUTCOME", help="adopted, rejected or postponed.")
@click.option("--date", "at", type=DATE, default=None, help="The day of the committee's decision (default: today).")
@click.option("--note", default="", help="What the committee said (optional).")
@store_options
@format_option("text", "json")
def decision_record(decision_id: str, outcome: str, at: Any, note: str, db_url: str | None, as_who: str | None,
                    fmt: str) -> None:  # fmt: skip
    """Record the committee's decision on an action put to it.

    \b
    Example:
        capactif decision record D-2026-001 --outcome adopted --date 2026-12-07 --as coordinator
    """
    from engine.app.decisions import record_decision

    ws = workspace(db_url, as_=as_who)
    show(record_decision(ws, ws.identity(), decision_id, outcome=outcome, decided_on=_day(at), note=note), fmt)


@decision_group.command("list")
@click.option("--outcome", default=None, metavar="OUTCOME", help="Only pending, adopted, rejected or postponed.")
@click.option("--kind", default=None, metavar="KIND", help="Only rules_change, promotion, training or other.")
@store_options
@format_option("table", "json")
def decision_list(outcome: str | None, kind: str | None, db_url: str | None, as_who: str | None, fmt: str) -> None:
    """The actions put to the committee and its decisions, the latest first.

    \b
    Example:
        capactif decision list --outcome pending
        capactif decision list --format json
    """
    from engine.app.decisions import list_decisions

    ws = workspace(db_url, as_=as_who)
    show(list_decisions(ws, ws.identity(), outcome=outcome, kind=kind), fmt)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
