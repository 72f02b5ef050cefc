"""``rules diff`` as one call: load both sides, read the fiches, replay them, build the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from engine.errors import EngineError, Problem, RulesError
from engine.i18n import _
from engine.replay.delta import rules_delta
from engine.replay.diff import ReplayReport, replay
from engine.replay.sides import Side, base_side, load_side, working_side
from engine.replay.sources import STORE, Fiches, file_fiches, received_by, store_exists, store_routings

ProgressFactory = Callable[[int], Callable[[int], None]]
#: Finds a base kept elsewhere (the store's rules sets): ``base`` → (label, directory), or None.
BaseResolver = Callable[[str], "tuple[str, Path] | None"]


def load_sides(base: str, rules_path: str | Path | None, resolve_base: BaseResolver | None = None) -> tuple[Side, Side]:
    """Both sides loaded and compiled; the problems of both, each named by its side, at once.

    ``resolve_base`` is asked first (``published``, ``sha256:…``: the store's rules sets); when it
    answers None the base is a directory or a git revision.
    """
    from engine import paths

    working_dir = paths.rules_dir(rules_path)
    working = working_side(working_dir)
    problems = []
    base_s: Side | None = None
    try:
        found = resolve_base(base) if resolve_base is not None else None
        base_s = Side(True, found[0], found[1]) if found is not None else base_side(base, working_dir)
        load_side(base_s)
    except EngineError as exc:
        problems.extend(exc.problems or [Problem(Side(True, base, Path(base)).label, 0, 0, str(exc))])
    try:
        load_side(working)
    except EngineError as exc:
        problems.extend(exc.problems)
    if problems:
        if base_s is not None:
            base_s.cleanup()
        raise RulesError(problems=problems)
    assert base_s is not None
    return base_s, working


def read_replay_fiches(
    fiches: Sequence[str],
    working: Side,
    base: Side,
    as_of: dt.date | None,
    stdin_text: str | None = None,
    db_url: str | None = None,
) -> tuple[Fiches, str]:
    """The fiches to replay and a word for where they came from ('store' or the files); ``db_url`` as ``--db``.

    The store's fiches are read as what routing reads of them (:class:`~engine.replay.sources.StoredRouting`),
    streamed when no date is given."""
    from engine.errors import InputError, Problem
    from engine.fiche import context

    use_store = list(fiches) == [STORE] or not fiches
    if use_store:
        if not store_exists(db_url):
            if fiches:
                message = _("there is no store yet: pass fiche files with --fiches FILE")
            else:
                message = _("no fiches given and there is no store yet: pass fiche files with --fiches FILE")
            raise InputError(problems=[Problem("--fiches", 0, 0, message)])
        return store_routings(as_of, db_url), STORE
    ids = set(working.ruleset.structures) | set(base.ruleset.structures)
    ctx = context(working.ruleset.territory, ids)
    return received_by(file_fiches(fiches, ctx, stdin_text), as_of), ", ".join(fiches)


def run_replay(
    base: str,
    rules_path: str | Path | None = None,
    fiches: Sequence[str] = (),
    as_of: dt.date | None = None,
    *,
    stdin_text: str | None = None,
    progress: ProgressFactory | None = None,
    db_url: str | None = None,
    resolve_base: BaseResolver | None = None,
) -> ReplayReport:
    """Route the fiches through the base and the working rules and report what changes.

    ``fiches`` are fiche files, or ``["store"]``; empty means the store when it exists.  The store is
    ``db_url`` (``--db``), else ``$CAPACTIF_DB``, else the embedded file of the data directory.
    ``progress(total)`` returns the callback told how many fiches are done (see ``DelayedProgress``).
    """
    base_s, working = load_sides(base, rules_path, resolve_base)
    try:
        found, source = read_replay_fiches(fiches, working, base_s, as_of, stdin_text, db_url)
        delta = rules_delta(base_s.ruleset, working.ruleset)
        report = ReplayReport(
            base=base_s.source,
            working=working.source,
            base_version=base_s.ruleset.version,
            working_version=working.ruleset.version,
            fiches=len(found),
            delta=delta,
            as_of=as_of.isoformat() if as_of else None,
            source=source,
        )
        tick = progress(len(found)) if progress is not None else None
        try:
            changes, by_structure, by_network = replay(found, base_s.compiled, working.compiled, delta, progress=tick)
        finally:
            close = getattr(tick, "close", None)
            if close is not None:
                close()
        report.changes, report.by_structure, report.by_local_network = changes, by_structure, by_network
        return report
    finally:
        base_s.cleanup()
