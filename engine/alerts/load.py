"""Reading the store into :class:`~engine.alerts.model.FicheView` objects at a date, set-based.

A handful of queries whatever the number of fiches — never one query per fiche:

1. the fiches received on or before ``as_of`` (their current state) and their supporting structures;
2. the events on or before ``as_of`` *aggregated per fiche* in SQL: last event, last lead
   assignment, last change of the structures on the fiche, number of lead assignments;
3. the fiches whose current state is not their state at ``as_of``, or whose check needs the detail
   of their history: a fiche with an event dated after ``as_of`` (its state then must be rebuilt; a
   ``commune_changed`` event after ``as_of`` means its commune and local network then are not
   today's), a fiche whose lead was assigned more than ``bounce_count`` times (``bounced`` says when and to
   whom), a fiche without the porteur's consent with an event recorded by a structure that is not
   on it now, or a follow-up structure not on it (``consent_missing`` says whether that structure
   was on the fiche when it acted).  Their histories are read in chunks and replayed with the
   store's own :func:`engine.store.events.apply`, stopping at ``as_of``.

With ``as_of`` today, step 3 concerns a few fiches; a date in the past replays more of them and
stays correct.  ``replay_all`` replays every fiche: the reference the fast path is tested against.

The local network of a rebuilt commune comes from the territory (``local_networks``, required): the
store keeps only the current one, and no event records the network of the commune a fiche was
received in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, literal, select

from engine.alerts.model import FicheView, Sharing
from engine.i18n import _
from engine.store import access
from engine.store import events as ev
from engine.store import history as log
from engine.store.queries import supports_by_fiche
from engine.store.schema import events, fiche_supports, fiches
from engine.store.suggestions import all_current

#: The ``by`` values of events that are not a structure.
NOT_STRUCTURES = frozenset({*access.ROLES, "anonymous"})
#: Events that change the structures on a fiche.
ASSIGNMENTS = (ev.LEAD_ASSIGNED, ev.LEAD_REMOVED, ev.SUPPORT_ASSIGNED, ev.SUPPORT_REMOVED)
_CHUNK = 1000

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

    ``with_names`` reads the porteur's name (the caller decides who may see it); ``bounce_count``
    is the ``bounced`` threshold K (fiches with K lead changes or more are replayed for the dates);
    ``local_networks`` maps each commune of the territory to its local network: a fiche that moved
    after ``as_of`` is placed in the local network of its commune on ``as_of``.
    """
    columns = [fiches.c[name] for name in _COLUMNS]
    if with_names:
        columns.append(fiches.c.porteur_name)
    received = fiches.c.received <= as_of
    only = list(ids) if ids is not None else None
    if only is not None:
        received = and_(received, fiches.c.id.in_(only))
    supports = supports_by_fiche(conn, select(fiches.c.id).where(fiches.c.id.in_(only)) if only is not None else None)
    views: dict[str, FicheView] = {}
    for row in conn.execute(select(*columns).where(received).order_by(fiches.c.year, fiches.c.number)).mappings():
        views[row["id"]] = _view(dict(row), supports.get(row["id"], []), with_names)
    _aggregate(conn, as_of, views, only)
    for fiche_id, asked in all_current(conn, only).items():
        view = views.get(fiche_id)
        if view is not None:
            view.suggested = _suggested(asked)
    replay = set(views) if replay_all else _to_replay(conn, as_of, views, bounce_count, only)
    if replay:
        _replay(conn, as_of, views, sorted(replay), with_names, local_networks)
    return list(views.values())


def local_networks_of(territory: Any) -> dict[str, str | None]:
    """``load_views``' ``local_networks``: each commune of the territory and its local network (or None)."""
    return {code: c.local_network or None for code, c in territory.communes.items()}


def _view(row: Mapping[str, Any], supporting: list[str], with_names: bool) -> FicheView:
    return FicheView(
        id=row["id"],
        received=row["received"],
        received_by=row["received_by"],
        commune=row["commune"],
        local_network=row["local_network"],
        kind=row["kind"],
        naf=row["naf"],
        nature=row["nature"],
        employees=row["employees"],
        artisan_registered=row["artisan_registered"],
        needs=list(row["needs"] or []),
        publics=list(row["publics"] or []),
        stage=row["stage"],
        lead=row["lead"],
        supporting=supporting,
        installed_on=row["installed_on"],
        follow_up_by=row["follow_up_by"],
        consent_network=bool(row["consent_network"]),
        porteur_name=row["porteur_name"] if with_names else None,
        last_event=row["received"],
    )


def _aggregate(conn: Connection, as_of: dt.date, views: dict[str, FicheView], only: list[str] | None = None) -> None:
    """Step 2: one GROUP BY over the events on or before ``as_of`` (of the fiches ``only``, when given)."""
    kind, at = events.c.kind, events.c.at
    query = (
        select(
            events.c.fiche_id,
            func.max(at),
            func.max(case((kind == ev.LEAD_ASSIGNED, at))),
            func.max(case((kind.in_(ASSIGNMENTS), at))),
            func.sum(case((kind == ev.LEAD_ASSIGNED, 1), else_=0)),
        )
        .where(at <= as_of)
        .group_by(events.c.fiche_id)
    )
    if only is not None:
        query = query.where(events.c.fiche_id.in_(only))
    for fiche_id, last, lead_at, assigned_at, assignments in conn.execute(query):
        view = views.get(str(fiche_id))
        if view is None:
            continue
        view.last_event = max(_day(last), view.received)  # type: ignore[type-var]
        view.lead_since = _day(lead_at) if view.lead else None
        view.assignment_since = _day(assigned_at)
        view.lead_assignments = int(assignments or 0)  # type: ignore[call-overload]


def _suggested(asked: Mapping[tuple[str, str], str]) -> tuple[tuple[str, str, dt.date], ...]:
    return tuple(sorted((s, role, dt.date.fromisoformat(since)) for (s, role), since in asked.items()))


def _day(value: Any) -> dt.date | None:
    """A date from an aggregate (SQLite returns ISO text for MAX over a CASE)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _to_replay(
    conn: Connection,
    as_of: dt.date,
    views: dict[str, FicheView],
    bounce_count: int | None,
    only: list[str] | None = None,
) -> set[str]:
    """Step 3: the fiches whose history must be replayed (see the module docstring)."""
    later = select(events.c.fiche_id).where(events.c.at > as_of)
    if only is not None:
        later = later.where(events.c.fiche_id.in_(only))
    out: set[str] = set(conn.execute(later.distinct()).scalars())
    if bounce_count is not None:
        out.update(v.id for v in views.values() if v.lead_changes >= bounce_count)
    e, f, s = events.c, fiches.c, fiche_supports.c
    supporting = exists().where(and_(s.fiche_id == e.fiche_id, s.structure == e.by))
    strangers = (
        select(e.fiche_id)
        .join(fiches, f.id == e.fiche_id)
        .where(
            e.at <= as_of,
            f.consent_network.is_(False),
            e.by.is_not(None),
            e.by.not_in(sorted(NOT_STRUCTURES)),
            e.by != func.coalesce(f.received_by, literal("")),
            e.by != func.coalesce(f.lead, literal("")),
            ~supporting,
        )
        .distinct()
    )
    if only is not None:
        strangers = strangers.where(e.fiche_id.in_(only))
    out.update(conn.execute(strangers).scalars())
    out.update(
        v.id for v in views.values() if not v.consent_network and v.follow_up_by and v.follow_up_by not in v.on_fiche
    )
    return out & set(views)


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

    Also finds the structures it reached without being on it: an event recorded ``by`` a structure
    that was on the fiche neither before nor after that event, and a follow-up structure not on it.
    """
    rows = list(history)
    if not rows or rows[0].kind != ev.CREATED:
        return old  # a broken history: 'capactif db verify' reports it; keep the stored state
    replay = log.states(rows)  # the one replay of a history (engine.store.history)
    state = replay.rebuilt.state
    last, lead_since, assigned_at, follow_up_set = old.received, None, None, old.received
    lead_history: list[tuple[dt.date, str]] = []
    shared: dict[str, Sharing] = {}
    asked: ev.Suggested = {}
    for step in replay.steps:
        row = step.event
        at = _day(row.at) or old.received
        before, follow_up_before = _on(step.before), step.before.get("follow_up_by")
        after = _on(step.state)
        last = max(last, at)
        if row.kind == ev.SUGGESTED:
            asked = ev.next_suggested(asked, row.payload, at)
        if row.kind == ev.LEAD_ASSIGNED:
            lead_history.append((at, row.payload["lead"]))
            lead_since = at
        if row.kind in ASSIGNMENTS:
            assigned_at = at
        if row.kind != ev.CREATED and step.state.get("follow_up_by") != follow_up_before:
            follow_up_set = at
        by = row.by
        if by and by not in NOT_STRUCTURES and by not in before and by not in after and by not in shared:
            how = _("{event} recorded by {structure}, not on the fiche")
            shared[by] = Sharing(at, by, how.format(event=ev.kind_label(row.kind), structure=by))
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
        last_event=last,
        lead_since=lead_since if state.get("lead") else None,
        assignment_since=assigned_at,
        lead_assignments=len(lead_history),
        lead_history=tuple(lead_history),
        replayed=True,
        suggested=_suggested(asked),
    )
    follow = view.follow_up_by
    if follow and follow not in view.on_fiche and follow not in shared:
        how = _("{structure} is in charge of the follow-up, not on the fiche").format(structure=follow)
        shared[follow] = Sharing(follow_up_set, follow, how)
    view.shared_beyond = tuple(sorted(shared.values(), key=lambda s: (s.at, s.structure)))
    return view


def _on(state: Mapping[str, Any]) -> set[str]:
    return access.on_fiche(state.get("lead"), state.get("supporting") or (), state.get("received_by"))
