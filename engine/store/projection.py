"""The projection of each fiche's history: what the alerts need to know of it, kept with its events.

Why: ``capactif alerts`` needs, besides a fiche's current state (the ``fiches`` row), a few facts
of its history — the day of its last event, when its lead was assigned and every assignment (for
``bounced``), when its structures last changed, when its follow-up structure was set, and which
structures outside the fiche recorded events on it (``consent_missing``) — and, so that the alerts'
load reads every fiche in one query, its supporting structures after its last event.  Replaying 800,000
events for 200,000 fiches at every run takes seconds; the ``fiche_projection`` table keeps these
facts per fiche, written in the same transaction as the events (every write goes through
:func:`engine.store.repository._chain`, which calls :func:`advance`), so the alerts read one row
per fiche.

One definition: :func:`step` advances the facts by one event, given the fiche's state just before
and just after it.  The alerts' replay of a history at a past date (:func:`engine.readmodel.replay.view_of`)
walks the steps of :func:`engine.store.history.states` through the same :func:`step`, and
``db verify`` rebuilds every fiche's facts with :func:`of_history` and compares them with the stored
row (``db verify --repair`` rewrites the rows that differ): the projection and the replay cannot
disagree without ``db verify`` saying so.

The facts are those of the *whole* history.  At a date ``D`` they hold for every fiche whose events
are all dated on or before ``D`` (``last_event <= D``).  They hold too, but for the day of the last
event, for a fiche whose events dated after ``D`` are all :data:`UNCHANGING` (contacts, notes, answers
to a suggestion) and shared it with nobody new (``last_change <= D``, no ``shared`` entry after ``D``):
its last event on ``D`` is then the latest of ``last_change`` and the ``later`` days up to ``D``.  The
alerts replay the others up to ``D``.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from engine.identity import ROLES
from engine.privacy import on_fiche
from engine.store import bulk
from engine.store import events as ev
from engine.store.schema import events as ev_table
from engine.store.schema import fiche_projection, fiche_supports, fiches

#: The ``by`` values of events that are not a structure (the coordination's own events never share).
NOT_STRUCTURES = frozenset({*ROLES, "anonymous"})
#: Events that change the structures on a fiche.
ASSIGNMENTS = frozenset({ev.LEAD_ASSIGNED, ev.LEAD_REMOVED, ev.SUPPORT_ASSIGNED, ev.SUPPORT_REMOVED})
#: Events that change nothing of a fiche but the day of its last event and, for a contact or a note
#: by a structure not on it, who it was shared with: :func:`engine.store.events.apply` leaves the
#: state as it is, the current suggestion moves only with ``suggested`` events, and :func:`step`
#: moves no other fact (tests/test_alerts_projection.py holds both to it).
UNCHANGING = frozenset({ev.CONTACT, ev.NOTE, ev.SUGGESTION_TAKEN, ev.SUGGESTION_DECLINED})
#: The events after which the supporting structures may differ (:func:`engine.store.events.apply`
#: changes them for no other kind).
SUPPORTING = frozenset({ev.CREATED, ev.SUPPORT_ASSIGNED, ev.SUPPORT_REMOVED})
_CHUNK = 1000


@dataclass
class Facts:
    """What the alerts need of one fiche's history (see the module docstring)."""

    #: The day of the last event (the reception at least).
    last_event: dt.date
    #: The day the lead was last assigned (whether or not there is a lead now).
    lead_since: dt.date | None = None
    #: The day the structures on the fiche (lead, supporting) last changed.
    assignment_since: dt.date | None = None
    #: The day the follow-up structure last changed (the reception when it never did).
    follow_up_set: dt.date | None = None
    #: Every lead assignment (day, structure), oldest first.
    lead_history: list[tuple[dt.date, str]] = field(default_factory=list)
    #: The first event of each structure that was on the fiche neither just before nor just after
    #: it: (day, structure, event kind), in the order found.
    shared: list[tuple[dt.date, str, str]] = field(default_factory=list)
    #: The latest of the reception and the day of every event not :data:`UNCHANGING`.
    last_change: dt.date | None = None
    #: The days of the :data:`UNCHANGING` events dated after ``last_change``, ascending, each once.
    later: list[dt.date] = field(default_factory=list)
    #: The supporting structures after the last event, in the order they were added (``fiche_supports``'
    #: positions): read with the rest of the row by the alerts' load, instead of a second query over
    #: ``fiche_supports`` grouped per fiche (migration 0760).
    supporting: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, received: dt.date) -> Facts:
        """The facts before the first event of a fiche received on ``received``."""
        return cls(last_event=received, follow_up_set=received, last_change=received)

    def last_event_on(self, day: dt.date) -> dt.date | None:
        """The day of the last event on or before ``day`` when every event after it is :data:`UNCHANGING`
        (``last_change <= day``), else None (the history must be replayed)."""
        return last_event_on(self.last_change, self.later, day)

    def to_row(self, fiche_id: str) -> dict[str, Any]:
        """The ``fiche_projection`` row (lists as JSON, empty lists as NULL)."""
        return {
            "fiche_id": fiche_id,
            "last_event": self.last_event,
            "lead_since": self.lead_since,
            "assignment_since": self.assignment_since,
            "follow_up_set": self.follow_up_set,
            "lead_assignments": len(self.lead_history),
            "lead_history": [[d.isoformat(), s] for d, s in self.lead_history] or None,
            "shared": [[d.isoformat(), s, k] for d, s, k in self.shared] or None,
            "last_change": self.last_change,
            "later": [d.isoformat() for d in self.later] or None,
            "supporting": list(self.supporting) or None,
        }

    @classmethod
    def from_row(cls, row: Any) -> Facts:
        """The facts of a ``fiche_projection`` row (as read, or as :meth:`to_row` wrote it)."""
        return cls(
            last_event=day(row["last_event"]),
            lead_since=day(row["lead_since"]) if row["lead_since"] is not None else None,
            assignment_since=day(row["assignment_since"]) if row["assignment_since"] is not None else None,
            follow_up_set=day(row["follow_up_set"]) if row["follow_up_set"] is not None else None,
            lead_history=[(day(d), s) for d, s in row["lead_history"] or ()],
            shared=[(day(d), s, k) for d, s, k in row["shared"] or ()],
            last_change=day(row["last_change"]) if row["last_change"] is not None else None,
            later=[day(d) for d in row["later"] or ()],
            supporting=list(row.get("supporting") or ()),
        )


def last_event_on(last_change: dt.date | None, later: Sequence[dt.date], on: dt.date) -> dt.date | None:
    """:meth:`Facts.last_event_on` from a row's ``last_change`` and ``later`` (None: replay the history)."""
    if last_change is None or last_change > on:
        return None
    found = last_change
    for d in later:  # ascending
        if d > on:
            break
        found = d
    return found


def day(value: Any) -> dt.date:
    """A date from a row, an event or a fiche dict (ISO text, a date or a datetime)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def step(
    facts: Facts,
    kind: str,
    at: dt.date,
    by: str | None,
    payload: Mapping[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> None:
    """Advance ``facts`` by one event (``before``/``after``: the fiche's state around it)."""
    facts.last_event = max(facts.last_event, at)
    _changes(facts, kind, at)
    if kind == ev.LEAD_ASSIGNED:
        facts.lead_history.append((at, payload.get("lead")))  # type: ignore[arg-type]
        facts.lead_since = at
    if kind in ASSIGNMENTS:
        facts.assignment_since = at
    if kind in SUPPORTING:
        facts.supporting = list(after.get("supporting") or ())
    if kind != ev.CREATED and after.get("follow_up_by") != before.get("follow_up_by"):
        facts.follow_up_set = at
    # A structure answering the network's suggestion ("Prendre en charge", "Pas pour nous") was asked by
    # the network: "take" puts it on the fiche in the same change (the next event), "decline" shares nothing.
    answering = kind in (ev.SUGGESTION_TAKEN, ev.SUGGESTION_DECLINED)
    if (
        by
        and not answering
        and by not in NOT_STRUCTURES
        and by not in _on(before)
        and by not in _on(after)
        and by not in _reached(facts)
    ):
        facts.shared.append((at, by, kind))


def _changes(facts: Facts, kind: str, at: dt.date) -> None:
    """Advance ``last_change`` and ``later`` by one event (whatever the order of the events, the same end)."""
    if facts.last_change is None:
        return  # a row written before migration 0740 and never rebuilt: its fiche is always replayed
    if kind in UNCHANGING:
        if at > facts.last_change and at not in facts.later:
            bisect.insort(facts.later, at)
    elif at > facts.last_change:
        facts.last_change = at
        facts.later = [d for d in facts.later if d > at]


def fill_changes(conn: Connection) -> int:
    """Write every row's ``last_change`` and ``later`` from the kinds and days of the fiche's events
    (migration 0740): the same :func:`_changes` as :func:`step`, which needs nothing else of an event.
    Returns the rows written."""
    e = ev_table.c
    received = {str(i): day(r) for i, r in conn.execute(select(fiches.c.id, fiches.c.received))}
    projected: set[str] = set(conn.execute(select(fiche_projection.c.fiche_id)).scalars())
    query = select(e.fiche_id, e.kind, e.at).order_by(e.fiche_id, e.seq)
    facts: dict[str, Facts] = {}
    for row in conn.execute(query):
        fiche_id, kind, at = str(row[0]), str(row[1]), row[2]
        found = facts.get(fiche_id)
        if found is None:
            if fiche_id not in received:
                continue
            found = facts[fiche_id] = Facts.start(received[fiche_id])
        _changes(found, kind, day(at))
    rows = [
        {"projected": fiche_id, "last_change": f.last_change, "later": [d.isoformat() for d in f.later] or None}
        for fiche_id, f in facts.items()
        if fiche_id in projected
    ]
    key = fiche_projection.c.fiche_id == bindparam("projected")
    for start in range(0, len(rows), 10 * _CHUNK):
        conn.execute(update(fiche_projection).where(key), rows[start : start + 10 * _CHUNK])
    return len(rows)


def fill_supporting(conn: Connection) -> int:
    """Write every row's ``supporting`` from ``fiche_supports`` (migration 0760): the fiche's current
    supporting structures, in their positions' order, which are those after its last event (``db verify``
    compares the stored fiche and the projection with its replayed history).  Returns the rows written."""
    from engine.store.queries import supports_by_fiche  # a migration's only: not on every write's imports

    projected: set[str] = set(conn.execute(select(fiche_projection.c.fiche_id)).scalars())
    supports = supports_by_fiche(conn)
    rows = [{"projected": i, "supporting": s} for i, s in supports.items() if i in projected]
    key = fiche_projection.c.fiche_id == bindparam("projected")
    for start in range(0, len(rows), 10 * _CHUNK):
        conn.execute(update(fiche_projection).where(key), rows[start : start + 10 * _CHUNK])
    return len(rows)


def _reached(facts: Facts) -> set[str]:
    return {s for _, s, _ in facts.shared}


def _on(state: Mapping[str, Any]) -> set[str]:
    return on_fiche(state.get("lead"), state.get("supporting") or (), state.get("received_by"))


def of_history(received: dt.date, steps: Iterable[Any]) -> Facts:
    """The facts of a history from the steps of :func:`engine.store.history.states` (kept)."""
    facts = Facts.start(received)
    for s in steps:
        event = s.event
        step(facts, event["kind"], day(event["at"]), event["by"], _payload(event["payload"]), s.before, s.state)
    return facts


def _payload(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# --- keeping the table with the events -------------------------------------------------------------


def advance(
    conn: Connection, rows: Sequence[Mapping[str, Any]], before: Mapping[str, Mapping[str, Any] | None]
) -> None:
    """Advance the projection of the fiches of ``rows`` (event rows just appended, in order).

    ``before``: each fiche's state before its first row (absent or None for a fiche created by
    these rows, or to read it from the store: the events it is not given for change nothing the
    projection reads but the day and the author).  The rows of one fiche are applied to a copy of
    that state, one by one, with the function ``db verify`` replays (:func:`engine.store.events.apply`).
    """
    by_fiche: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_fiche.setdefault(row["fiche_id"], []).append(row)
    existing = [fiche_id for fiche_id, own in by_fiche.items() if own[0]["kind"] != ev.CREATED]
    stored = load(conn, existing) if existing else {}
    unknown = [fiche_id for fiche_id in existing if before.get(fiche_id) is None]
    states = _states(conn, unknown) if unknown else {}
    created: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for fiche_id, own in by_fiche.items():
        if len(own) == 1 and (lone := created_row(fiche_id, own[0])) is not None:
            created.append(lone)
            continue
        if own[0]["kind"] == ev.CREATED:
            fiche = _payload(own[0]["payload"]).get("fiche") or {}
            facts = Facts.start(day(fiche.get("received") or own[0]["at"]))
            state: dict[str, Any] = {}
        else:
            found = stored.get(fiche_id)
            if found is None:
                continue  # outside the projection: "db verify" names it, "db rebuild-projection" adds it
            facts = found
            known = before.get(fiche_id)
            # Read, never changed: step() reads the states around an event, and _applied() applies an event to a
            # deep copy (fiche import --suggest: a deep copy of each fiche here was 8 % of its time).
            state = dict(known) if known is not None else states.get(fiche_id, {})
        for row in own:
            after = _applied(state, row)
            step(facts, row["kind"], day(row["at"]), row["by"], _payload(row["payload"]), state, after)
            state = after
        (created if own[0]["kind"] == ev.CREATED else changed).append(facts.to_row(fiche_id))
    bulk.insert_rows(conn, fiche_projection, created)
    if changed:
        key = fiche_projection.c.fiche_id == bindparam("projected")
        values = [{**{k: v for k, v in r.items() if k != "fiche_id"}, "projected": r["fiche_id"]} for r in changed]
        conn.execute(update(fiche_projection).where(key), values)  # SET: the columns of each row given


def created_row(fiche_id: str, row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``fiche_projection`` row of a fiche whose history is its ``created`` event alone (``fiche import``,
    ``fiche add``): ``Facts.start`` of its reception advanced by :func:`step` over that event, written out
    (None for another event, or a payload whose fiche is not a dict: :func:`advance`'s general path decides).

    Why: one per imported row, the general path (the facts' object, a copy of the fiche as the state after it,
    the step's tests of every kind of event, the row built from the facts) was about 6 µs of a row's 100 written;
    ``tests/test_store_projection_created.py`` holds both to the same row."""
    if row["kind"] != ev.CREATED:
        return None
    payload = row["payload"]
    fiche = payload.get("fiche") if type(payload) is dict else None
    if type(fiche) is not dict:
        return None
    received = day(fiche.get("received") or row["at"])
    at = day(row["at"])
    last = at if at > received else received
    by = row["by"]
    shared = None
    if by and by not in NOT_STRUCTURES and by not in _on(fiche):  # nobody was on it before: only after counts
        shared = [[at.isoformat(), by, ev.CREATED]]
    return {
        "fiche_id": fiche_id,
        "last_event": last,
        "lead_since": None,
        "assignment_since": None,
        "follow_up_set": received,
        "lead_assignments": 0,
        "lead_history": None,
        "shared": shared,
        "last_change": last,
        "later": None,
        "supporting": list(fiche.get("supporting") or ()) or None,
    }


def _applied(state: dict[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    """The state after one event row (a created event's fiche, else :func:`engine.store.events.apply`)."""
    payload = _payload(row["payload"])
    if row["kind"] == ev.CREATED:
        fiche = payload.get("fiche")
        # A copy of the top level is enough: nothing changes a state in place (ev.apply works on a deep copy).
        return dict(fiche) if isinstance(fiche, Mapping) else {}
    if row["kind"] not in ASSIGNMENTS and row["kind"] != ev.STAGE_CHANGED:
        return state  # nothing the projection reads changes (lead, supporting, received_by, follow-up)
    result = ev.Rebuilt(copy.deepcopy(state))
    with contextlib.suppress(KeyError, TypeError, ValueError, AttributeError):  # as the replay does
        ev.apply(result, row["kind"], payload)
    return result.state


def _states(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """What the projection reads of these fiches' stored state: lead, supporting, received_by, follow-up."""

    c, f = fiches.c, fiche_supports.c
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        query = select(c.id, c.lead, c.received_by, c.follow_up_by).where(c.id.in_(chunk))
        supports: dict[str, list[str]] = {}
        ordered = select(f.fiche_id, f.structure).where(f.fiche_id.in_(chunk)).order_by(f.fiche_id, f.position)
        for fiche_id, structure in conn.execute(ordered):
            supports.setdefault(str(fiche_id), []).append(str(structure))
        for row in conn.execute(query):
            out[row.id] = {
                "lead": row.lead,
                "received_by": row.received_by,
                "follow_up_by": row.follow_up_by,
                "supporting": supports.get(row.id, []),
            }
    return out


# --- reading, rebuilding ---------------------------------------------------------------------------


def load(conn: Connection, ids: Sequence[str] | None = None) -> dict[str, Facts]:
    """The stored facts of every fiche (of ``ids`` when given)."""
    out: dict[str, Facts] = {}
    chunks: list[list[str] | None] = [None]
    if ids is not None:
        chunks = [list(ids[i : i + _CHUNK]) for i in range(0, len(ids), _CHUNK)]
    for chunk in chunks:
        query = select(fiche_projection)
        if chunk is not None:
            query = query.where(fiche_projection.c.fiche_id.in_(chunk))
        for row in conn.execute(query).mappings():
            out[row["fiche_id"]] = Facts.from_row(row)
    return out


_DATES = ("last_event", "lead_since", "assignment_since", "follow_up_set", "last_change")


def stored_rows(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every row of the table as :meth:`Facts.to_row` writes one (dates as dates), by fiche: what
    ``db verify`` compares, column by column, with the facts of the replayed history."""
    out: dict[str, dict[str, Any]] = {}
    for row in conn.execute(select(fiche_projection)).mappings():
        values = dict(row)
        for name in _DATES:
            if values[name] is not None:
                values[name] = day(values[name])
        out[values["fiche_id"]] = values
    return out


def replace(conn: Connection, facts: Mapping[str, Facts]) -> None:
    """Write the facts of these fiches over what the table holds for them."""
    ids = sorted(facts)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        conn.execute(delete(fiche_projection).where(fiche_projection.c.fiche_id.in_(chunk)))
        conn.execute(insert(fiche_projection), [facts[i].to_row(i) for i in chunk])


def rebuilt(conn: Connection, ids: Sequence[str] | None = None) -> Iterable[tuple[str, Facts]]:
    """Each fiche's facts (of ``ids``, else every stored fiche) replayed from its history, by id."""
    from engine.store import history

    query = select(fiches.c.id, fiches.c.received).order_by(fiches.c.id)
    received = {str(fiche_id): day(value) for fiche_id, value in conn.execute(query)}
    wanted = sorted(received) if ids is None else sorted(i for i in set(ids) if i in received)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        histories = history.read(conn, chunk)
        for fiche_id in chunk:
            steps = history.states(histories.get(fiche_id, [])).steps
            yield fiche_id, of_history(received[fiche_id], steps)


def rebuild(conn: Connection) -> Rebuild:
    """Rebuild the whole projection from the histories (``db rebuild-projection``, migration 0710)."""
    stored = stored_rows(conn)
    out = Rebuild()
    batch: dict[str, Facts] = {}
    for fiche_id, facts in rebuilt(conn):
        out.fiches += 1
        if stored.pop(fiche_id, None) != facts.to_row(fiche_id):
            out.changed += 1
            batch[fiche_id] = facts
        if len(batch) >= _CHUNK:
            replace(conn, batch)
            batch = {}
    replace(conn, batch)
    return out


@dataclass
class Rebuild:
    """What ``db rebuild-projection`` did: fiches replayed, rows written (those that differed or were missing)."""

    fiches: int = 0
    changed: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"fiches": self.fiches, "changed": self.changed}
