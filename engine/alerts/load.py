"""Reading the store into :class:`~engine.alerts.model.FicheView` objects at a date, set-based.

A handful of queries whatever the number of fiches — never one query per fiche:

1. the fiches received on or before ``as_of`` (their current state, the ``fiches`` row) joined with
   their projection (``fiche_projection``, :mod:`engine.store.projection`: the facts of their
   history the checks need — last event, lead assignments, last change of their structures,
   structures outside them that recorded events), their supporting structures and their current
   suggestion;
2. the fiches whose current state is not their state at ``as_of``: those with an event dated after
   ``as_of`` (the projection's ``last_event`` says which, no scan of the events), and any fiche
   without a projection row.  Only they are replayed: their histories are read in chunks and
   replayed with the store's own :func:`engine.store.history.states`, stopping at ``as_of``, and
   their facts are computed by the projection's own :func:`engine.store.projection.step`.

With ``as_of`` today nothing is replayed; a date in the past replays the fiches that changed
since, and stays exact.  ``replay_all`` replays every fiche: the reference the projection is tested
against (tests/test_alerts_projection.py, bench/bench_alerts_scale.py).

The local network of a rebuilt commune comes from the territory (``local_networks``, required): the
store keeps only the current one, and no event records the network of the commune a fiche was
received in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, String, and_, select, type_coerce

from engine.alerts.model import FicheView, Sharing
from engine.i18n import _
from engine.store import events as ev
from engine.store import history as log
from engine.store.projection import NOT_STRUCTURES, Facts, of_history
from engine.store.queries import supports_by_fiche
from engine.store.schema import fiche_projection, fiches
from engine.store.suggestions import all_current

__all__ = ["NOT_STRUCTURES", "load_views", "local_networks_of", "replayed"]

_CHUNK = 1000
_FACTS = ("last_event", "lead_since", "assignment_since", "follow_up_set", "lead_history", "shared")

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
    columns = [_raw(fiches.c[name]) for name in _COLUMNS] + [_raw(p[name]) for name in _FACTS]
    columns.append(p.fiche_id.label("projected"))
    if with_names:
        columns.append(fiches.c.porteur_name)
    received = fiches.c.received <= as_of
    only = list(ids) if ids is not None else None
    if only is not None:
        received = and_(received, fiches.c.id.in_(only))
    supports = supports_by_fiche(conn, select(fiches.c.id).where(fiches.c.id.in_(only)) if only is not None else None)
    joined = fiches.outerjoin(fiche_projection, p.fiche_id == fiches.c.id)
    query = select(*columns).select_from(joined).where(received).order_by(fiches.c.year, fiches.c.number)
    views: dict[str, FicheView] = {}
    replay: set[str] = set()
    lists = _Lists()
    date = _date
    rows: Any = conn.execute(query)
    for values in rows:  # 200,000 rows: unpacked by position, in the order of the columns
        (fiche_id, received, received_by, commune, local_network, kind, naf, nature, employees, artisan,
         needs, publics, stage, lead, installed_on, follow_up_by, consent, last, lead_since, assignment_since,
         follow_up_set, lead_history, shared, projected, *name) = values  # fmt: skip
        day = date(received)
        view = FicheView(
            id=fiche_id,
            received=day,  # type: ignore[arg-type]
            received_by=received_by,
            commune=commune,
            local_network=local_network,
            kind=kind,
            naf=naf,
            nature=nature,
            employees=employees,
            artisan_registered=artisan,
            needs=lists(needs),
            publics=lists(publics),
            stage=stage,
            lead=lead,
            supporting=supports.get(fiche_id, []),
            installed_on=date(installed_on),
            follow_up_by=follow_up_by,
            consent_network=bool(consent),
            porteur_name=name[0] if with_names else None,
            last_event=day,
        )
        views[fiche_id] = view
        last = date(last)
        if projected is None or replay_all or last is None or last > as_of:
            replay.add(fiche_id)  # it changed after as_of (or has no projection): rebuilt from its history
        elif lead_history is None and shared is None and follow_up_by is None:
            view.last_event = last  # the common case, without a Facts object: nothing shared, no lead changes
            view.lead_since = date(lead_since) if lead else None
            view.assignment_since = date(assignment_since)
            view.replayed = True
        else:
            facts = dict(zip(_FACTS, (last, lead_since, assignment_since, follow_up_set), strict=False))
            facts |= {"lead_history": _json(lead_history), "shared": _json(shared)}
            with_facts(view, Facts.from_row(facts))
    for fiche_id, asked in all_current(conn, only).items():
        found = views.get(fiche_id)
        if found is not None:
            found.suggested = _suggested(asked)
    if replay:
        _replay(conn, as_of, views, sorted(replay), with_names, local_networks)
    return list(views.values())


def with_facts(view: FicheView, facts: Facts) -> FicheView:
    """Fill the view's history facts from its projection (or from the replay up to ``as_of``)."""
    view.last_event = facts.last_event
    view.lead_since = facts.lead_since if view.lead else None
    view.assignment_since = facts.assignment_since
    view.lead_assignments = len(facts.lead_history)
    view.lead_history = tuple(facts.lead_history)
    how = _("{event} recorded by {structure}, not on the fiche")
    shared = {s: Sharing(at, s, how.format(event=ev.kind_label(kind), structure=s)) for at, s, kind in facts.shared}
    follow = view.follow_up_by
    if follow and follow not in view.on_fiche and follow not in shared:
        since = facts.follow_up_set or view.received
        shared[follow] = Sharing(
            since, follow, _("{structure} is in charge of the follow-up, not on the fiche").format(structure=follow)
        )
    view.shared_beyond = tuple(sorted(shared.values(), key=lambda s: (s.at, s.structure)))
    view.replayed = True
    return view


def local_networks_of(territory: Any) -> dict[str, str | None]:
    """``load_views``' ``local_networks``: each commune of the territory and its local network (or None)."""
    return {code: c.local_network or None for code, c in territory.communes.items()}


#: Columns read as the driver gives them (SQLite: ISO text, JSON text), parsed here: SQLAlchemy's
#: own processors (a regular expression per date) cost more than the rest of a row at 200,000 rows.
_AS_TEXT = frozenset({"received", "installed_on", "needs", "publics", *_FACTS})


def _raw(column: Any) -> Any:
    return type_coerce(column, String).label(column.name) if column.name in _AS_TEXT else column


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _date(value: Any) -> dt.date | None:
    """A date as read raw: ISO text (SQLite) or a date (PostgreSQL)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


class _Lists:
    """JSON lists as read raw, parsed once per distinct text (200,000 fiches share a few thousand)."""

    def __init__(self) -> None:
        self.parsed: dict[str, tuple[Any, ...]] = {}

    def __call__(self, value: Any) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, str):
            return list(value)
        found = self.parsed.get(value)
        if found is None:
            found = self.parsed[value] = tuple(json.loads(value) or ())
        return list(found)


def _suggested(asked: Mapping[tuple[str, str], str]) -> tuple[tuple[str, str, dt.date], ...]:
    return tuple(sorted((s, role, dt.date.fromisoformat(since)) for (s, role), since in asked.items()))


def _day(value: Any) -> dt.date | None:
    """A date from an aggregate (SQLite returns ISO text for MAX over a CASE)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


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
            old = views[fiche_id]
            views[fiche_id] = replayed(old, histories.get(fiche_id, []), with_names, local_networks)


def replayed(
    old: FicheView, history: Iterable[Any], with_names: bool, local_networks: Mapping[str, str | None]
) -> FicheView:
    """The view of a fiche rebuilt from its history (rows with kind, at, by, payload), oldest first.

    Its facts (last event, lead assignments, structures it reached without being on it…) are the
    projection's, computed by the same :func:`engine.store.projection.step` over the replay's steps.
    """
    rows = list(history)
    if not rows or rows[0].kind != ev.CREATED:
        return old  # a broken history: 'capactif db verify' reports it; keep the stored state
    replay = log.states(rows)  # the one replay of a history (engine.store.history)
    state = replay.rebuilt.state
    asked: ev.Suggested = {}
    for step in replay.steps:
        if step.event.kind == ev.SUGGESTED:
            asked = ev.next_suggested(asked, step.event.payload, _day(step.event.at) or old.received)
    porteur = state.get("porteur") or {}
    installed = state.get("installed_on")
    commune = state.get("commune") or old.commune
    local_network = old.local_network
    if commune != old.commune:  # it moved after as_of: the local network of its commune then
        local_network = local_networks.get(commune) or None
    view = FicheView(
        id=old.id,
        received=old.received,
        received_by=state.get("received_by"),
        commune=commune,
        local_network=local_network,
        kind=state.get("kind") or old.kind,
        naf=state.get("naf"),
        nature=state.get("nature"),
        employees=state.get("employees"),
        artisan_registered=state.get("artisan_registered"),
        needs=list(state.get("needs") or []),
        publics=list(state.get("publics") or []),
        stage=state.get("stage") or "idea",
        lead=state.get("lead"),
        supporting=list(state.get("supporting") or []),
        installed_on=dt.date.fromisoformat(installed) if isinstance(installed, str) else installed,
        follow_up_by=state.get("follow_up_by"),
        consent_network=bool(porteur.get("consent_network")),
        porteur_name=porteur.get("name") if with_names else None,
        suggested=_suggested(asked),
    )
    return with_facts(view, of_history(old.received, replay.steps))
