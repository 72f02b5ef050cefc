"""The fiches a replay routes: fiche files, or the fiches of the store, optionally as of a date.

``--as-of DATE`` keeps the fiches received on or before that date; for the store it also keeps only
the fiches that were being accompanied on that date (their stage then, rebuilt from the history of
stage changes, was one of :data:`engine.vocabulary.ACTIVE_STAGES`), and routes each as it stood on
that date: with the stage it had then, in the commune it was in then (a ``commune_changed`` event
dated after that date moved it elsewhere since).  Nothing else routing reads ever changes after
reception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.fiche import Fiche, read_fiches
from engine.vocabulary import ACTIVE_STAGES

STORE = "store"


def file_fiches(paths: Sequence[str | Path], ctx: dict[str, Any], stdin_text: str | None = None) -> list[Fiche]:
    """Every fiche of the files ('-' is standard input), all problems at once."""
    return read_fiches(paths, ctx, stdin_text=stdin_text)


def received_by(fiches: Iterable[Fiche], as_of: dt.date | None) -> list[Fiche]:
    """The fiches received on or before ``as_of`` (all of them when no date is given), in order."""
    return [f for f in fiches if as_of is None or f.received <= as_of]


def store_url(url: str | None = None) -> str:
    """The store's URL, as every store command resolves it (``$CAPACTIF_DB``, else the data dir)."""
    from engine.store.db import resolve_url

    return resolve_url(url)


def store_exists(url: str | None = None) -> bool:
    """True when there is a store to read: a server URL, or an existing SQLite file (never created here)."""
    resolved = store_url(url)
    if not resolved.startswith("sqlite"):
        return True
    path = resolved.split("sqlite:///", 1)[-1]
    return path not in ("", ":memory:") and Path(path).is_file()


def store_fiches(as_of: dt.date | None = None, url: str | None = None) -> list[Fiche]:
    """The stored fiches (by id), as of a date when given (see the module docstring); ``url`` as ``--db``."""
    from engine.store.db import open_store
    from engine.store.queries import ListFilter, iter_fiches

    if not store_exists(url):
        raise InputError(problems=[Problem("--fiches", 0, 0, "there is no store yet: pass fiche files instead")])
    store = open_store(url)
    try:
        with store.transaction() as conn:
            rows = list(iter_fiches(conn, ListFilter(received_to=as_of)))
            then = states_on(conn, as_of) if as_of is not None else {}
    finally:
        store.dispose()
    out = []
    for row in rows:
        fiche = row.model()
        if as_of is not None:
            changed = {name: value for name, value in then.get(fiche.id or "", {}).items() if value is not None}
            if changed.get("stage", fiche.stage) not in ACTIVE_STAGES:
                continue
            changed = {name: value for name, value in changed.items() if value != getattr(fiche, name)}
            if changed:
                fiche = fiche.model_copy(update=changed)
        out.append(fiche)
    return out


#: The events that change what routing reads of a fiche: field → (event kind, value before, value after).
CHANGES = {"stage": ("stage_changed", "from", "to"), "commune": ("commune_changed", "previous", "commune")}


def states_on(conn: Any, day: dt.date) -> dict[str, dict[str, str]]:
    """The stage and commune each fiche with a recorded change of them had at the end of ``day``.

    Before its first change a fiche had that change's value before (``from`` stage, ``previous``
    commune); a field never changed is absent (its value today is the value it had then).
    """
    from sqlalchemy import select

    from engine.store.schema import events

    kinds = {kind: (name, before, after) for name, (kind, before, after) in CHANGES.items()}
    query = (
        select(events.c.fiche_id, events.c.kind, events.c.at, events.c.payload)
        .where(events.c.kind.in_(sorted(kinds)))
        .order_by(events.c.fiche_id, events.c.at, events.c.id)
    )
    states: dict[str, dict[str, str]] = {}
    for fiche_id, kind, at, payload in conn.execute(query):
        name, before, after = kinds[kind]
        state = states.setdefault(fiche_id, {})
        if name not in state:
            state[name] = payload.get(before)
        if at <= day:
            state[name] = payload.get(after)
    return states
