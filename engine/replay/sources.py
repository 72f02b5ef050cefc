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
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from engine import activities
from engine.errors import InputError, Problem
from engine.fiche import Fiche, read_fiches
from engine.i18n import _
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


class Fiches(Protocol):
    """What a replay routes: fiches (or :class:`StoredRouting`) it can count before it iterates them."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


#: The columns of ``fiches`` routing reads, in the order of :attr:`StoredRouting.key` (needs and publics as
#: their JSON text: fiches declaring the same lists share the text, parsed once per distinct routing).
ROUTING_COLUMNS = (
    "commune",
    "kind",
    "stage",
    "naf",
    "nature",
    "employees",
    "artisan_registered",
    "farm_link",
    "needs",
    "publics",
)


@dataclass(frozen=True, slots=True)
class StoredRouting:
    """What routing reads of one stored fiche: its id and the values of :data:`ROUTING_COLUMNS`.

    A replay of the store routes each distinct ``key`` once per rule set (``engine.replay.diff``):
    routing is a pure function of these fields (no caseload, no declines in a replay).
    """

    id: str
    key: tuple[Any, ...]

    @property
    def commune(self) -> str:
        return self.key[0]

    def label(self) -> str:
        """The fiche's id (how routing names it)."""
        return self.id

    def model(self) -> RoutingFiche:
        """The fiche as routing reads it (the stored values, not validated again, as ``StoredFiche.model``)."""
        return RoutingFiche(self.id, self.key)


class RoutingFiche:
    """A stored fiche as routing reads it: what :class:`~engine.fiche.Fiche` gives routing, from the
    values of :data:`ROUTING_COLUMNS` (building a pydantic fiche per distinct row cost more than routing it)."""

    __slots__ = (
        "artisan_registered",
        "commune",
        "employees",
        "farm_link",
        "id",
        "kind",
        "naf",
        "nature",
        "needs",
        "publics",
        "stage",
    )

    def __init__(self, fiche_id: str, key: tuple[Any, ...]) -> None:
        self.id = fiche_id
        (self.commune, self.kind, self.stage, self.naf, self.nature, self.employees, registered,
         self.farm_link) = key[:8]  # fmt: skip
        self.artisan_registered = None if registered is None else bool(registered)  # 0/1 on SQLite
        self.needs = list(_json_list(key[8]))
        self.publics = list(_json_list(key[9]))

    @property
    def effective_nature(self) -> str | None:
        """As :attr:`engine.fiche.Fiche.effective_nature`."""
        return activities.effective_nature(self.nature, self.employees, self.kind, self.artisan_registered)

    def nature_reasons(self) -> list[str]:
        """As :meth:`engine.fiche.Fiche.nature_reasons` (the same code, on these values)."""
        return Fiche.nature_reasons(self)  # type: ignore[arg-type]

    def label(self) -> str:
        """The fiche's id (how routing names it)."""
        return self.id


@lru_cache(maxsize=4096)
def _json_list(value: Any) -> tuple[str, ...]:
    """A needs or publics column as read (JSON text, or a list on a driver that parses it), once per text."""
    if value is None:
        return ()
    return tuple(json.loads(value) if isinstance(value, str) else value)


class StoredRoutings:
    """The stored fiches as :class:`StoredRouting`, in id order: ``len()`` counts them, iterating streams
    them from the store (narrow columns, a chunk at a time; never a pydantic fiche per row)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            from sqlalchemy import func, select

            from engine.store.db import open_store
            from engine.store.schema import fiches

            store = open_store(self.url)
            try:
                with store.transaction() as conn:
                    self._count = int(conn.execute(select(func.count()).select_from(fiches)).scalar_one())
            finally:
                store.dispose()
        return self._count

    def __iter__(self) -> Iterator[StoredRouting]:
        from engine.store.db import open_store

        store = open_store(self.url)
        try:
            with store.transaction() as conn:
                yield from _routing_rows(conn, None)
        finally:
            store.dispose()


def _routing_query(received_to: dt.date | None) -> Any:
    from sqlalchemy import Text, cast, select

    from engine.store.schema import fiches

    columns: list[Any] = [fiches.c[name] for name in ROUTING_COLUMNS]
    columns[-2:] = [cast(fiches.c.needs, Text), cast(fiches.c.publics, Text)]
    query = select(fiches.c.id, *columns).order_by(fiches.c.year, fiches.c.number)
    if received_to is not None:
        query = query.where(fiches.c.received <= received_to)
    return query


def _routing_rows(conn: Any, received_to: dt.date | None) -> Iterator[StoredRouting]:
    """The rows of :func:`_routing_query`, straight from the driver's cursor (a server-side cursor on
    PostgreSQL), a chunk at a time: the values are the driver's own (text, integers, a boolean as 0/1 on
    SQLite), none needs SQLAlchemy's conversion, and a row object per fiche cost more than the reading."""
    keys: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # one tuple per distinct key, shared by its fiches
    compiled = _routing_query(received_to).compile(dialect=conn.dialect)
    named = compiled.construct_params()
    if received_to is not None and conn.dialect.name == "sqlite":
        named = {name: v.isoformat() if isinstance(v, dt.date) else v for name, v in named.items()}  # as stored
    params: Any = tuple(named[name] for name in compiled.positiontup or ()) if compiled.positional else named
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor(name="capactif_routings") if conn.dialect.name == "postgresql" else driver.cursor()
    try:
        cursor.execute(compiled.string, params)
        made = StoredRouting
        while rows := cursor.fetchmany(_CHUNK):
            for row in rows:
                key = row[1:]
                yield made(row[0], keys.setdefault(key, key))
    finally:
        cursor.close()


_CHUNK = 5000


def store_routings(as_of: dt.date | None = None, url: str | None = None) -> StoredRoutings | list[StoredRouting]:
    """What routing reads of the stored fiches (by id), as of a date when given (see the module docstring).

    Without a date: streamed from the store (:class:`StoredRoutings`); with one, the fiches then
    accompanied, each with the stage and commune it had then, in a list.
    """
    if not store_exists(url):
        raise InputError(problems=[Problem("--fiches", 0, 0, _("there is no store yet: pass fiche files instead"))])
    if as_of is None:
        return StoredRoutings(url)
    from engine.store.db import open_store

    store = open_store(url)
    try:
        with store.transaction() as conn:
            then = states_on(conn, as_of)
            out = []
            for item in _routing_rows(conn, as_of):
                key = item.key
                state = {name: value for name, value in then.get(item.id, {}).items() if value is not None}
                commune, stage = state.get("commune", key[0]), state.get("stage", key[2])
                if stage not in ACTIVE_STAGES:
                    continue
                if commune != key[0] or stage != key[2]:
                    item = StoredRouting(item.id, (commune, key[1], stage, *key[3:]))
                out.append(item)
    finally:
        store.dispose()
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
