"""Reading the store into the read model: :class:`StoredFiche` (with its events) and :class:`FicheView` (on a day).

:func:`load_fiches`: every stored fiche with its history, two queries and the one reader of the
event log (:func:`engine.store.history.read`) — what the report, the charter and the agenda read.

:func:`load_views`: every fiche as it stood on ``as_of``, set-based — what the alerts, the agenda
and the notifications read.  A handful of queries whatever the number of fiches, never one query
per fiche:

1. the fiches received on or before ``as_of`` (their current state, the ``fiches`` row) joined with
   their projection (``fiche_projection``, :mod:`engine.store.projection`: the facts of their
   history the checks need — last event, lead assignments, last change of their structures,
   structures outside them that recorded events, their supporting structures), and their current
   suggestion;
2. the fiches whose current state is not their state at ``as_of``: those with an event dated after
   ``as_of`` (the projection's ``last_event`` says which, no scan of the events), and any fiche
   without a projection row.  Only they are replayed (:func:`engine.readmodel.replay.view_of`, the
   replay :meth:`StoredFiche.on` uses too), their histories read in chunks, stopping at ``as_of``.

With ``as_of`` today nothing is replayed; a date in the past replays the fiches that changed
since, and stays exact.  ``replay_all`` replays every fiche: the reference the projection is tested
against (tests/test_alerts_projection.py, tests/test_readmodel.py, bench/bench_alerts_scale.py).

The local network of a rebuilt commune comes from the territory (``local_networks``, required): the
store keeps only the current one, and no event records the network of the commune a fiche was
received in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import BigInteger, Connection, String, Text, and_, case, cast, null, select, type_coerce

from engine.readmodel.fiche import StoredFiche
from engine.readmodel.replay import facts_fields, suggested_of, view_of
from engine.readmodel.view import FicheView
from engine.store import history as log
from engine.store import pg, porteur_keys
from engine.store.projection import Facts, last_event_on
from engine.store.queries import supports_by_fiche
from engine.store.raw import fetch_all
from engine.store.schema import fiche_projection, fiches
from engine.store.suggestions import all_current

__all__ = ["load_fiches", "load_views", "local_networks_of"]

_CHUNK = 1000
_FACTS = (
    "last_event",
    "lead_since",
    "assignment_since",
    "follow_up_set",
    "lead_history",
    "shared",
    "last_change",
    "later",
    "supporting",
)

#: The order of the fiches: by year, then number (``F-2026-10000`` after ``F-2026-9999``), as one
#: integer read with each row: year × :data:`_YEAR` + number.
_ORDINAL = itemgetter(0)
_YEAR = 1_000_000_000

_COLUMNS = (
    "id",
    "received",
    "received_by",
    "commune",
    "local_network",
    "kind",
    "naf",
    "nature",
    "employees",
    "artisan_registered",
    "needs",
    "publics",
    "stage",
    "lead",
    "installed_on",
    "follow_up_by",
    "consent_network",
)


def load_fiches(conn: Connection, *, received_to: Any = None) -> list[StoredFiche]:
    """Every stored fiche (received on or before ``received_to`` when given) with its events, by id."""
    query = select(fiches)
    if received_to is not None:
        query = query.where(fiches.c.received <= received_to)
    supports = supports_by_fiche(conn)
    rows = {row["id"]: row for row in conn.execute(query.order_by(fiches.c.year, fiches.c.number)).mappings()}
    groups = porteur_keys.porteurs_of(conn, rows)
    histories = log.read(conn, sorted(rows) if received_to is not None else None)
    return [
        StoredFiche(
            id=fiche_id,
            received=row["received"],
            received_by=row["received_by"],
            commune=row["commune"],
            local_network=row["local_network"],
            stage=row["stage"],
            lead=row["lead"],
            supporting=tuple(supports.get(fiche_id, ())),
            offer=row["offer"],
            consent_network=bool(row["consent_network"]),
            porteur_name=row["porteur_name"],
            kind=row["kind"],
            nature=row["nature"],
            naf=row["naf"],
            needs=tuple(row["needs"] or ()),
            events=tuple(histories.get(fiche_id, ())),
            porteur=groups.get(fiche_id, ""),
        )
        for fiche_id, row in rows.items()
    ]


def load_views(
    conn: Connection,
    as_of: dt.date,
    *,
    local_networks: Mapping[str, str | None],
    bounce_count: int | None = None,
    with_names: bool = False,
    replay_all: bool = False,
    ids: Sequence[str] | None = None,
) -> list[FicheView]:
    """Every fiche received on or before ``as_of``, as it stood that day, by id (year, number).

    ``with_names`` reads the porteur's name (the caller decides who may see it); ``local_networks``
    maps each commune of the territory to its local network: a fiche that moved after ``as_of`` is
    placed in the local network of its commune on ``as_of``.  ``bounce_count`` is no longer needed
    (the projection keeps every fiche's lead assignments); it is accepted for existing callers.
    """
    del bounce_count
    p = fiche_projection.c
    # Each value the driver makes costs (200,000 rows: about a second for the values alone); a fact the
    # loop below does not read for a row comes as NULL: ``follow_up_set`` serves only a fiche with a
    # follow-up structure, ``last_change`` and ``later`` only a fiche with events after ``as_of``.
    # (``last_event`` is never NULL in a projection row: NULL says the fiche has none.)
    later_events = p.last_event > as_of
    read = {name: _raw(p[name]) for name in _FACTS}
    read["follow_up_set"] = _only_if(fiches.c.follow_up_by.is_not(None), p.follow_up_set)
    read["last_change"] = _only_if(later_events, p.last_change)
    read["later"] = _only_if(later_events, p.later)
    columns: list[Any] = [(cast(fiches.c.year, BigInteger) * _YEAR + fiches.c.number).label("ordinal")]
    columns += [_raw(fiches.c[name]) for name in _COLUMNS] + list(read.values())
    columns.append(fiches.c.porteur_name if with_names else null().label("porteur_name"))
    received = fiches.c.received <= as_of
    only = list(ids) if ids is not None else None
    if only is not None:
        received = and_(received, fiches.c.id.in_(only))
    suggested = {fiche_id: suggested_of(asked) for fiche_id, asked in all_current(conn, only).items()}
    joined = fiches.outerjoin(fiche_projection, p.fiche_id == fiches.c.id)
    # Sorted here rather than by the database: PostgreSQL sorted 200,000 rows of 28 columns on disk
    # (work_mem) after its hash join, 1.1 of the query's 1.7 s; SQLite walked the (year, number) index
    # and looked each row up. Two integers sorted in Python cost a tenth of that.
    query = select(*columns).select_from(joined).where(received)
    if only is None and conn.dialect.name == "postgresql":
        pg.roomy(conn)
    rows = fetch_all(conn, query)
    rows.sort(key=_ORDINAL)
    views: list[FicheView] = []
    add = views.append
    replay: dict[str, int] = {}  # the fiches to rebuild from their history, by id: where their view is
    lists = _Lists()
    date = _Dates()
    none = ()
    new = tuple.__new__  # a FicheView from its fields in order: no keyword arguments, no Python call
    for values in rows:  # 200,000 rows: unpacked by position, in the order of the columns
        (_ordinal, fiche_id, received, received_by, commune, local_network, kind, naf, nature, employees, artisan,
         needs, publics, stage, lead, installed_on, follow_up_by, consent, last, lead_since, assignment_since,
         follow_up_set, lead_history, shared, last_change, later, supporting, name) = values  # fmt: skip
        day = date[received]
        supporting = lists[supporting] if supporting.__class__ is not list else tuple(supporting)  # text or None
        needs = lists[needs] if needs.__class__ is str else _list(lists, needs)
        publics = lists[publics] if publics.__class__ is str else _list(lists, publics)
        consent = bool(consent)
        artisan = artisan if artisan is None else bool(artisan)
        projected = last is not None
        last = date[last]
        if projected and not replay_all and last > as_of:
            # events after as_of: when they only record contacts, notes or answers (and share the fiche
            # with nobody new), the fiche stood then as it stands now, but for the day of its last event
            if shared is not None and any(date[d] > as_of for d, _s, _k in _json(shared)):
                last = None
            else:
                last = last_event_on(date[last_change], [date[d] for d in _json(later) or none], as_of)
        common = lead_history is None and shared is None and follow_up_by is None
        if common and projected and not replay_all and last is not None:
            # the common case, written out: nothing shared, no lead changes
            add(new(FicheView, (
                fiche_id, day, received_by, commune, local_network, kind, naf, nature, employees, needs, publics,
                stage, lead, supporting, date[installed_on], follow_up_by, consent, artisan, name,
                last, date[lead_since] if lead else None, date[assignment_since], 0, none, none, True,
                suggested.get(fiche_id, none))))  # fmt: skip
            continue
        if not projected or replay_all or last is None:
            replay[fiche_id] = len(views)  # it changed after as_of (or has no projection): rebuilt from its history
            facts: tuple[Any, ...] = (day, None, None, 0, none, none, False)
        else:
            row = dict(zip(_FACTS, (last, lead_since, assignment_since, follow_up_set), strict=False))
            row |= {"lead_history": _json(lead_history), "shared": _json(shared), "last_change": None, "later": None}
            on = {*supporting, *(s for s in (lead, received_by) if s)}
            facts = tuple(facts_fields(lead, day, follow_up_by, on, Facts.from_row(row)).values())
        add(new(FicheView, (
            fiche_id, day, received_by, commune, local_network, kind, naf, nature, employees, needs, publics, stage,
            lead, supporting, date[installed_on], follow_up_by, consent, artisan, name,
            *facts,  # last_event, lead_since, assignment_since, lead_assignments, lead_history, shared_beyond, replayed
            suggested.get(fiche_id, none))))  # fmt: skip
    if replay:
        replayed = {fiche_id: views[i] for fiche_id, i in replay.items()}
        _replay(conn, as_of, replayed, sorted(replay), with_names, local_networks)
        for fiche_id, i in replay.items():
            views[i] = replayed[fiche_id]
    return views


def local_networks_of(territory: Any) -> dict[str, str | None]:
    """``load_views``' ``local_networks``: each commune of the territory and its local network (or None)."""
    return {code: c.local_network or None for code, c in territory.communes.items()}


#: Columns read as the driver gives them (SQLite: ISO text, JSON text), parsed here: SQLAlchemy's
#: own processors (a regular expression per date) cost more than the rest of a row at 200,000 rows.
_AS_TEXT = frozenset({"received", "installed_on", "needs", "publics", *_FACTS})


#: JSON lists read as their text on every backend (PostgreSQL too: psycopg would parse each row's list),
#: parsed once per distinct text by :class:`_Lists`.
_JSON_TEXT = frozenset({"needs", "publics", "supporting"})


def _raw(column: Any) -> Any:
    if column.name in _JSON_TEXT:
        return cast(column, Text).label(column.name)
    return type_coerce(column, String).label(column.name) if column.name in _AS_TEXT else column


def _only_if(condition: Any, column: Any) -> Any:
    """``column`` (read as :func:`_raw` reads it) where ``condition`` holds, else NULL."""
    return case((condition, _raw(column)), else_=None).label(column.name)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class _Dates(dict[Any, Any]):
    """Dates as read raw — ISO text (SQLite) or a date (PostgreSQL) — parsed once per distinct value:
    ``dates[value]`` (a few hundred distinct days for 200,000 fiches)."""

    def __missing__(self, value: Any) -> dt.date | None:
        found = value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
        self[value] = found
        return found


class _Lists(dict[Any, Any]):
    """JSON lists read as text (:data:`_JSON_TEXT`), parsed once per distinct text (200,000 fiches share a
    few thousand): ``lists[value]`` is a dictionary lookup when the text was seen, no call per row."""

    def __missing__(self, value: Any) -> tuple[Any, ...]:
        found = self[value] = tuple(json.loads(value) or ()) if isinstance(value, str) else ()
        return found


def _list(lists: _Lists, value: Any) -> tuple[Any, ...]:
    """``lists[value]`` for a text or None; a list a driver parsed already, as a tuple."""
    return tuple(value) if isinstance(value, list) else lists[value]


def _replay(
    conn: Connection,
    as_of: dt.date,
    views: dict[str, FicheView],
    ids: list[str],
    with_names: bool,
    local_networks: Mapping[str, str | None],
) -> None:
    """Rebuild each fiche of ``ids`` from its events dated on or before ``as_of``."""
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        histories = log.read(conn, chunk, until=as_of, personal_data=with_names)
        for fiche_id in chunk:
            views[fiche_id] = view_of(views[fiche_id], histories.get(fiche_id, []), with_names, local_networks)
