"""Reading the event log: the one way every part of capactif reads a fiche's history.

Why one: the history is read by ``fiche show``, ``db verify``, the alerts, the yearly report, the
charter check, the agenda and ``rules diff``.  Each used to write its own query; this module is the
single reader, so personal values are joined back (or not) in one place, and the states a fiche went
through are computed by one function, :func:`states` (which ``db verify`` and the alerts share, and
which checks every stage change against the lifecycle: :func:`engine.store.events.apply`).

* :func:`read` returns :class:`Event` objects per fiche, oldest first, personal values joined only
  when asked (``personal=True``: the caller decides who may see them; without it a payload holds
  ``None``/``""`` where a name or a text was).
* :func:`states` turns a fiche's events into its states over time: one :class:`Step` per event,
  with the state after it and what the event contradicted, if anything.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, select

from engine.i18n import _
from engine.store import events as ev
from engine.store import personal
from engine.store.schema import events

_CHUNK = 1000


@dataclass(frozen=True)
class Event:
    """One event of a fiche's history (see :mod:`engine.store.events` for the kinds and payloads)."""

    fiche_id: str
    seq: int
    kind: str
    at: dt.date
    recorded_at: dt.datetime | None
    by: str | None
    actor: str | None
    account: str | None
    version: int
    payload: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        """``event["kind"]``: events read like the dicts they replaced."""
        return getattr(self, key)

    def to_dict(self) -> dict[str, Any]:
        """``kind, at, recorded_at, by, actor, version, payload`` (``fiche show --format json``)."""
        return {
            "kind": self.kind,
            "at": self.at,
            "recorded_at": self.recorded_at,
            "by": self.by,
            "actor": self.actor,
            "version": self.version,
            "payload": dict(self.payload),
        }


def read(
    conn: Connection,
    fiche_ids: Sequence[str] | None = None,
    *,
    until: dt.date | None = None,
    personal_data: bool = False,
) -> dict[str, list[Event]]:
    """The histories of ``fiche_ids`` (every fiche when None), events dated on or before ``until``.

    ``personal_data``: join the porteur's name, e-mail, phone and texts back into the payloads.
    """
    out: dict[str, list[Event]] = {}
    chunks: list[list[str] | None]
    if fiche_ids is None:
        chunks = [None]
    else:
        ids = sorted(set(fiche_ids))
        chunks = [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    c = events.c
    for chunk in chunks:
        params: dict[str, Any] = {}
        if chunk is not None and len(chunk) == 1 and until is None:
            query = _one_history()  # a fiche's page: built once
            params["fiche_id"] = chunk[0]
        else:
            query = _history_columns().order_by(c.fiche_id, c.seq)
            if chunk is not None:
                # one fiche: "=" — an IN list is expanded into the SQL text at each execution
                query = query.where(c.fiche_id == chunk[0] if len(chunk) == 1 else c.fiche_id.in_(chunk))
            if until is not None:
                query = query.where(c.at <= until)
        values = personal.load(conn, chunk) if personal_data else {}
        for row in conn.execute(query, params):
            payload = row.payload if isinstance(row.payload, Mapping) else {}
            out.setdefault(row.fiche_id, []).append(
                Event(
                    fiche_id=row.fiche_id,
                    seq=row.seq,
                    kind=row.kind,
                    at=row.at,
                    recorded_at=row.recorded_at,
                    by=row.by,
                    actor=row.actor,
                    account=row.account,
                    version=row.version,
                    payload=personal.join(payload, values, owned=True),  # decoded for this row alone
                )
            )
    return out


def _history_columns() -> Any:
    c = events.c
    return select(c.fiche_id, c.seq, c.kind, c.at, c.recorded_at, c.by, c.actor, c.account, c.version, c.payload)


@cache
def _one_history() -> Any:
    """One fiche's events, oldest first, built once (every fiche page reads them)."""
    return _history_columns().where(events.c.fiche_id == bindparam("fiche_id")).order_by(events.c.seq)


def of_fiche(conn: Connection, fiche_id: str, *, personal_data: bool = True) -> list[Event]:
    """One fiche's history, oldest first."""
    return read(conn, [fiche_id], personal_data=personal_data).get(fiche_id, [])


@dataclass
class Step:
    """One event and the fiche's state once it was applied (``problem``: what it contradicted)."""

    event: Any
    before: dict[str, Any]
    state: dict[str, Any]
    problem: str | None = None


@dataclass
class States:
    """A fiche's states over time: every step, and the rebuilt fiche at the end."""

    steps: list[Step] = field(default_factory=list)
    rebuilt: ev.Rebuilt = field(default_factory=lambda: ev.Rebuilt({}))
    #: the local network recorded by the history (None when no event recorded one)
    local_network: str | None = None
    local_network_known: bool = False


def states(history: Iterable[Any], *, until: dt.date | None = None, keep: bool = True) -> States:
    """Replay a history (events or mappings with kind, at, version, payload) into its states over time.

    The first event must be ``created``; each next one is applied by :func:`engine.store.events.apply`
    (which checks stage changes against the lifecycle).  A stage change dated before the previous one
    is a contradiction too: a backdated move must fit where it happened.  ``keep=False`` keeps no
    step (``db verify`` over a whole store needs only the end and the problems).
    """
    out = States()
    result: ev.Rebuilt | None = None
    last_move: dt.date | None = None
    for number, event in enumerate(history, 1):
        kind, payload, at = event["kind"], event["payload"], event["at"]
        if until is not None and _day(at) > until:
            continue
        if not isinstance(payload, Mapping):
            payload = {}
        if result is None:
            if kind != ev.CREATED:
                out.rebuilt = ev.Rebuilt({}, broken=[_("event 1 is '{kind}', not 'created'").format(kind=kind)])
                return out
            fiche = payload.get("fiche")
            result = ev.Rebuilt(copy.deepcopy(dict(fiche)) if isinstance(fiche, Mapping) else {})
            before: dict[str, Any] = {}
            problem = None if isinstance(fiche, Mapping) else _("the 'created' event holds no fiche")
            if "local_network" in payload:
                out.local_network, out.local_network_known = payload.get("local_network"), True
        else:
            before = copy.deepcopy(result.state) if keep else {}
            try:
                problem = ev.apply(result, kind, payload)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problem = _("unreadable payload ({error})").format(error=type(exc).__name__)
            if kind == ev.STAGE_CHANGED:
                day = _day(at)
                if problem is None and last_move is not None and day < last_move:
                    problem = _("a stage change dated {day} before the previous one ({previous})").format(
                        day=day, previous=last_move
                    )
                last_move = max(day, last_move) if last_move else day
            if kind == ev.SUGGESTED:
                result.suggested = ev.next_suggested(result.suggested, payload, at)
            if kind == ev.COMMUNE_CHANGED:
                out.local_network, out.local_network_known = payload.get("local_network"), True
        if problem:
            result.broken.append(
                _("event {number} ({kind} on {at}): {problem}").format(number=number, kind=kind, at=at, problem=problem)
            )
        try:
            result.version = max(result.version, int(event["version"]))
        except (TypeError, ValueError):
            message = _("event {number} ({kind} on {at}): version {version} is not a number")
            result.broken.append(message.format(number=number, kind=kind, at=at, version=repr(event["version"])))
        if keep:
            out.steps.append(Step(event, before, copy.deepcopy(result.state), problem))
    out.rebuilt = result or ev.Rebuilt({}, broken=[_("no events")])
    return out


def rebuild(history: Iterable[Mapping[str, Any]]) -> ev.Rebuilt:
    """Replay events (dicts with ``kind``, ``payload``, ``version``, ``at``) in order: the fiche they lead to
    (the end of :func:`states`, no step kept)."""
    return states(history, keep=False).rebuilt


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def replay(history: Iterable[Any]) -> Iterator[Step]:
    """The steps of :func:`states`, for a caller that walks them."""
    yield from states(history).steps
