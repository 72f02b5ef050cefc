"""``capactif db verify``: the event log's hash chain, and every stored fiche against its history.

What is checked, in one snapshot of the database (REPEATABLE READ on PostgreSQL, the read
transaction's snapshot on SQLite), so that commands writing meanwhile cause no false difference:

1. **The chain** (:mod:`engine.store.chain`): events numbered 1, 2, 3… with no gap, each hash
   recomputed from the previous stored hash and the event's content, the head (``event_chain``)
   on the last event.  A rewritten, inserted or deleted event breaks a link: the first broken link
   is named (its number, fiche and day).  ``--anchor`` gives the head hash for the committee's
   minutes; ``--check-anchor H`` says whether a hash written down earlier is still in the chain.
2. **Personal data** (:mod:`engine.store.personal`): each value's salted digest matches the one the
   chain recorded; a value missing is allowed only after a recorded erasure; a value no event refers
   to is reported (not shown).
3. **Each fiche** replayed by :func:`engine.store.history.states` (the lifecycle checked at every
   stage change; ``start_study`` without a lead, ``idea → developed``… are impossible moves), then
   compared with its stored row field by field, and the store's derived columns: ``local_network``,
   ``orphan``, ``version``, ``created_at``, ``updated_at``, the supporting structures' order, the
   current suggestion (``fiche_suggestions``) and each request's ``open`` flag (the desk's "À traiter").
4. **Actors**: an event recorded ``by`` another structure than its authenticated ``actor`` is
   allowed only when the actor is the coordinator.
5. **The projection** (:mod:`engine.store.projection`): each fiche's row of ``fiche_projection``
   (the facts of its history the alerts read) against the facts of its replayed history; a row
   missing or different is named (``capactif db rebuild-projection`` rewrites them).
6. **Id counters**: each year's counter is at or above the highest number stored (a counter set
   back would hand out a taken id).

It never stops on a bad row (a payload that is not JSON, a date that is not a date): each is one
difference.  It never prints personal data: a difference in the porteur's name, e-mail, phone or
the summary says *that* they differ, not what they are.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Text, cast, func, select

from engine.i18n import N_, _
from engine.store import chain, personal, projection, records
from engine.store import events as ev
from engine.store.history import states
from engine.store.queries import iter_fiches
from engine.store.schema import event_chain, events, fiche_sequences, fiches
from engine.store.suggestions import all_current, all_open, is_open

#: Fields whose values are personal data: a difference says that they differ, never the values.
MASKED = frozenset({"porteur.name", "porteur.email", "porteur.phone", "summary"})
HIDDEN = N_("(personal data hidden)")


@dataclass
class Difference:
    """One way the store disagrees with its history (or its chain)."""

    fiche: str | None
    field: str
    stored: Any
    rebuilt: Any

    def to_dict(self) -> dict[str, Any]:
        return {"fiche": self.fiche, "field": self.field, "stored": self.stored, "rebuilt": self.rebuilt}

    def __str__(self) -> str:
        where = self.fiche or _("store")
        if self.field in (
            "history",
            "chain",
            "personal_data",
            "actor",
            "fiche_sequences",
            "projection",
            "suggestion_open",
        ):
            return f"{where}: {self.field}: {self.rebuilt}"
        message = _("{where}: {field} is {stored} in the store but {rebuilt} from its history")
        return message.format(where=where, field=self.field, stored=repr(self.stored), rebuilt=repr(self.rebuilt))


@dataclass
class Verification:
    """The result of ``db verify``."""

    fiches: int = 0
    events: int = 0
    differences: list[Difference] = field(default_factory=list)
    head: str = chain.GENESIS
    first_broken: int | None = None
    anchor_found: bool | None = None

    @property
    def ok(self) -> bool:
        return not self.differences and self.anchor_found is not False

    def to_dict(self) -> dict[str, Any]:
        return {
            "fiches": self.fiches,
            "events": self.events,
            "ok": self.ok,
            "differences": [d.to_dict() for d in self.differences],
            "chain": {"head": self.head, "events": self.events, "first_broken": self.first_broken},
            "anchor_found": self.anchor_found,
        }


@dataclass
class _Row:
    """An event row as read raw (nothing parsed by the driver, so nothing can fail while reading)."""

    id: int
    seq: int | None
    fiche_id: str
    version: Any
    kind: str
    at: Any
    recorded_at: Any
    by: str | None
    actor: str | None
    account: str | None
    payload: Any
    hash: str | None
    problems: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


def verify(conn: Connection, *, anchor: str | None = None) -> Verification:
    """Check the chain, the personal data and every fiche (see the module docstring)."""
    result = Verification()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
    rows = _read_events(conn)
    result.events = len(rows)
    _check_chain(conn, rows, result, anchor)
    values = personal.load(conn)
    referenced: set[str] = set()
    histories: dict[str, list[_Row]] = {}
    for row in sorted(rows, key=lambda r: (r.seq is None, r.seq or 0, r.id)):
        histories.setdefault(row.fiche_id, []).append(row)
    asked = all_current(conn)
    flags = all_open(conn)
    projected = projection.stored_rows(conn)
    for stored in iter_fiches(conn):
        result.fiches += 1
        history = histories.pop(stored.id, [])
        try:
            facts = projected.pop(stored.id, None)
            mine = asked.pop(stored.id, {})
            _check_fiche(stored, history, values, referenced, result, mine, facts, flags.pop(stored.id, {}))
        except Exception as exc:
            result.differences.append(
                Difference(
                    stored.id, "history", None, _("cannot be replayed ({error})").format(error=type(exc).__name__)
                )
            )
    for fiche_id in sorted(histories):
        result.differences.append(Difference(fiche_id, "history", None, _("events of a fiche that is not stored")))
    unreferenced = [k for k in values if k not in referenced]
    if unreferenced:
        fiches_of = sorted({values[k].fiche_id for k in unreferenced})
        for fiche_id in fiches_of:
            count = sum(personal.count_values(values[k].value) for k in unreferenced if values[k].fiche_id == fiche_id)
            message = _("{count} personal value(s) stored with no event referring to them").format(count=count)
            result.differences.append(Difference(fiche_id, "personal_data", None, message))
    _check_sequences(conn, result)
    return result


def head(conn: Connection) -> tuple[int, str]:
    """The chain's head: (number of the last event, its hash)."""
    row = conn.execute(select(event_chain.c.seq, event_chain.c.hash).where(event_chain.c.id == chain.HEAD_ID)).first()
    return (row[0], row[1]) if row else (0, chain.GENESIS)


# --- reading -----------------------------------------------------------------------------------


def _read_events(conn: Connection) -> list[_Row]:
    c = events.c
    query = select(
        c.id,
        c.seq,
        c.fiche_id,
        c.version,
        c.kind,
        cast(c.at, Text),
        cast(c.recorded_at, Text),
        c.by,
        c.actor,
        c.account,
        cast(c.payload, Text),
        c.hash,
    ).order_by(c.id)
    out = []
    for values in conn.execute(query):
        raw: Sequence[Any] = values  # unpacking the row itself would type each value `object`
        ident, seq, fiche_id, version, kind, at, recorded, by, actor, account, payload, digest = raw
        row = _Row(ident, seq, fiche_id, version, kind, at, recorded, by, actor, account, payload, digest)
        try:
            row.at = dt.date.fromisoformat(str(at)[:10])
        except ValueError:
            row.problems.append(_("its date is not a date"))
        parsed = _timestamp(recorded)
        if parsed is None:
            row.problems.append(_("its recording time is not a time"))
        else:
            row.recorded_at = parsed
        try:
            row.payload = json.loads(payload) if payload is not None else None
        except (TypeError, ValueError):
            row.problems.append(_("its payload is not JSON"))
        else:
            if not isinstance(row.payload, dict):
                row.problems.append(_("its payload is not a JSON object"))
        out.append(row)
    return out


_TZ = re.compile(r"([+-]\d\d)$")


def _timestamp(value: Any) -> dt.datetime | None:
    """A timestamp as the database gives it as text (SQLite naive UTC, PostgreSQL ``…+00``)."""
    if value is None:
        return None
    text = _TZ.sub(r"\1:00", str(value).strip().replace(" ", "T", 1))
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# --- 1. the chain --------------------------------------------------------------------------------


def _check_chain(conn: Connection, rows: list[_Row], result: Verification, anchor: str | None) -> None:
    chained = sorted((r for r in rows if r.seq is not None), key=lambda r: r.seq or 0)
    for row in rows:
        if row.seq is None:
            _broken(result, row, _("event outside the chain (added without capactif)"))
    previous, expected = chain.GENESIS, 1
    hashes = {chain.GENESIS}
    for row in chained:
        assert row.seq is not None
        if row.seq != expected:
            if row.seq < expected:
                _broken(result, row, _("number {seq} used twice").format(seq=row.seq))
                continue
            missing = (
                f"{expected}"
                if row.seq == expected + 1
                else _("{first} to {last}").format(first=expected, last=row.seq - 1)
            )
            _broken(result, row, _("event(s) no. {missing} deleted before this one").format(missing=missing))
        else:
            data = {
                "seq": row.seq,
                "fiche_id": row.fiche_id,
                "version": row.version,
                "kind": row.kind,
                "at": row.at,
                "recorded_at": row.recorded_at,
                "by": row.by,
                "actor": row.actor,
                "account": row.account,
                "payload": row.payload,
            }
            if chain.event_hash(previous, data) != row.hash:
                _broken(result, row, _("content changed (its fingerprint no longer matches)"))
        previous, expected = row.hash or "", row.seq + 1
        hashes.add(previous)
    seq, stored_head = head(conn)
    last = (chained[-1].seq or 0) if chained else 0
    result.head = previous if chained else chain.GENESIS
    if (seq, stored_head) != (last, result.head):
        if seq > last:
            message = _(
                "the chain's head expects {seq} events, there are only {last}: the last ones were deleted"
            ).format(seq=seq, last=last)
        else:
            message = _("the chain's head (no. {seq}) does not match the last event (no. {last})").format(
                seq=seq, last=last
            )
        result.differences.insert(0, Difference(None, "chain", None, message))
        result.first_broken = result.first_broken or (min(seq, last) + 1)
    if anchor is not None:
        result.anchor_found = anchor.strip().lower() in hashes


def _broken(result: Verification, row: _Row, message: str) -> None:
    at = row.at.isoformat() if isinstance(row.at, dt.date) else "?"
    number = row.seq if row.seq is not None else "?"
    text = _("link no. {seq} ({kind} of {at}): {message}").format(seq=number, kind=row.kind, at=at, message=message)
    if result.first_broken is None or (row.seq is not None and row.seq < result.first_broken):
        result.first_broken = row.seq
    result.differences.append(Difference(row.fiche_id, "chain", None, text))


# --- 2–4. each fiche -----------------------------------------------------------------------------


def _check_fiche(
    stored: records.StoredFiche,
    history: list[_Row],
    values: Mapping[str, personal.Value],
    referenced: set[str],
    result: Verification,
    asked: Mapping[tuple[str, str], str],
    facts: dict[str, Any] | None = None,
    flags: Mapping[tuple[str, str], bool] | None = None,
) -> None:
    fiche_id = stored.id
    usable: list[_Row] = []
    erased = any(r.kind == ev.PERSONAL_ERASED for r in history)
    for number, row in enumerate(history, 1):
        for problem in row.problems:
            message = _("event {number} ({kind}): {problem}").format(number=number, kind=row.kind, problem=problem)
            result.differences.append(Difference(fiche_id, "history", None, message))
        if row.problems:
            continue
        payload = row.payload
        for ref in personal.refs_of(payload).values():
            referenced.add(ref["key"])
        for problem in personal.check(payload, values, fiche_id):
            result.differences.append(
                Difference(
                    fiche_id,
                    "personal_data",
                    None,
                    _("event {number} ({kind}): {problem}").format(number=number, kind=row.kind, problem=problem),
                )
            )
        gone = personal.missing(payload, values)
        if gone and not erased:
            message = _("event {number} ({kind}): {paths} deleted without a recorded erasure").format(
                number=number, kind=row.kind, paths=", ".join(gone)
            )
            result.differences.append(Difference(fiche_id, "personal_data", None, message))
        row.payload = personal.join(payload, values)
        usable.append(row)
        if row.actor is not None and row.by != row.actor and row.actor != "coordinator":
            message = _("event {number} ({kind}): recorded by {actor} on behalf of {by}").format(
                number=number, kind=row.kind, actor=row.actor, by=row.by
            )
            result.differences.append(Difference(fiche_id, "actor", None, message))
    if not history:
        result.differences.append(Difference(fiche_id, "history", None, _("no events")))
        return
    replay = states(usable)
    rebuilt = replay.rebuilt
    result.differences += [Difference(fiche_id, "history", None, b) for b in rebuilt.broken]
    if not rebuilt.state:
        return
    from engine.lifecycle import state_problems

    created = _created_state(usable)
    for name, problem in state_problems(created):
        message = _("event 1 (created): {field}: {problem}").format(field=name, problem=problem)
        result.differences.append(Difference(fiche_id, "history", None, message))
    _compare(stored, rebuilt, result)
    if replay.local_network_known and stored.local_network != replay.local_network:
        result.differences.append(Difference(fiche_id, "local_network", stored.local_network, replay.local_network))
    _check_times(stored, usable, rebuilt.version, result)
    if asked != rebuilt.suggested:  # the current suggestion (fiche_suggestions, the desk's lists)
        result.differences.append(
            Difference(fiche_id, "suggested", _asked_words(asked), _asked_words(rebuilt.suggested))
        )
    _check_open(fiche_id, flags or {}, rebuilt.state, result)
    _check_projection(
        stored, facts, projection.of_history(projection.day(stored.fiche["received"]), replay.steps), result
    )


def _check_open(
    fiche_id: str, flags: Mapping[tuple[str, str], bool], state: Mapping[str, Any], result: Verification
) -> None:
    """Each request's ``open`` flag ("À traiter" reads it) says what the fiche's history says: waiting for
    an answer while the fiche is active and the structure is not on it in the role asked."""
    lead, supporting, stage = state.get("lead"), state.get("supporting") or (), str(state.get("stage") or "")
    for (structure, role), flag in sorted(flags.items()):
        if flag == is_open(role, structure, lead, supporting, stage):
            continue
        message = (
            _("the request to {structure} {role} is marked waiting for its answer, but its history answered it")
            if flag
            else _("the request to {structure} {role} is marked answered, but its history still waits for it")
        )
        words = _("as référent") if role == ev.LEAD else _("as support")
        result.differences.append(
            Difference(fiche_id, "suggestion_open", flag, message.format(structure=structure, role=words))
        )


def _check_projection(
    stored: records.StoredFiche, facts: dict[str, Any] | None, replayed: projection.Facts, result: Verification
) -> None:
    """The fiche's row of ``fiche_projection`` holds the facts of its history (what the alerts read)."""
    if facts is None:
        message = _("no row in fiche_projection (run 'capactif db rebuild-projection')")
        result.differences.append(Difference(stored.id, "projection", None, message))
        return
    mine, theirs = facts, replayed.to_row(stored.id)
    for name in theirs:
        if mine.get(name) != theirs[name]:
            result.differences.append(
                Difference(stored.id, f"projection.{name}", _plain(mine[name]), _plain(theirs[name]))
            )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _asked_words(asked: Mapping[tuple[str, str], str]) -> list[str]:
    """A current suggestion as sorted ``structure role since`` words (``db verify``'s output)."""
    words = _("{structure} {role} since {since}")
    return sorted(
        words.format(structure=structure, role=role, since=since) for (structure, role), since in asked.items()
    )


def _created_state(history: list[_Row]) -> dict[str, Any]:
    fiche = history[0].payload.get("fiche") if history else None
    return dict(fiche) if isinstance(fiche, Mapping) else {}


def _compare(stored: records.StoredFiche, rebuilt: ev.Rebuilt, result: Verification) -> None:
    fiche_id = stored.id
    for name in records.FICHE_FIELDS:
        if name == "id":
            continue
        if name == "porteur":
            mine = stored.fiche.get("porteur") or {}
            theirs = rebuilt.state.get("porteur") or {}
            for key in ("name", "email", "phone", "consent_network"):
                if mine.get(key) != theirs.get(key):
                    _differ(result, fiche_id, f"porteur.{key}", mine.get(key), theirs.get(key))
            continue
        if stored.fiche.get(name) != rebuilt.state.get(name):
            _differ(result, fiche_id, name, stored.fiche.get(name), rebuilt.state.get(name))
    if stored.orphan != rebuilt.orphan:
        result.differences.append(Difference(fiche_id, "orphan", stored.orphan, rebuilt.orphan))
    if stored.version != rebuilt.version:
        result.differences.append(Difference(fiche_id, "version", stored.version, rebuilt.version))


def _differ(result: Verification, fiche_id: str, name: str, mine: Any, theirs: Any) -> None:
    if name in MASKED:
        hidden = _(HIDDEN)
        mine, theirs = (hidden if mine else mine), (hidden if theirs else theirs)
        if mine == theirs:
            mine, theirs = hidden, hidden + " " + _("(another value)")
    result.differences.append(Difference(fiche_id, name, mine, theirs))


def _check_times(stored: records.StoredFiche, history: list[_Row], version: int, result: Verification) -> None:
    """``created_at`` is the ``created`` event's recording time, ``updated_at`` that of the last new version."""
    created = history[0].recorded_at
    updated = next((r.recorded_at for r in history if _int(r.version) == version), None)
    stored_created = _timestamp(stored.created_at)
    stored_updated = _timestamp(stored.updated_at)
    if isinstance(created, dt.datetime) and not _same(stored_created, created):
        result.differences.append(Difference(stored.id, "created_at", _iso(stored_created), _iso(created)))
    if isinstance(updated, dt.datetime) and not _same(stored_updated, updated):
        result.differences.append(Difference(stored.id, "updated_at", _iso(stored_updated), _iso(updated)))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _same(a: dt.datetime | None, b: dt.datetime) -> bool:
    return a is not None and chain.timestamp(a) == chain.timestamp(b)


def _iso(value: dt.datetime | None) -> str | None:
    return chain.timestamp(value) if value else None


# --- 5. id counters ------------------------------------------------------------------------------


def _check_sequences(conn: Connection, result: Verification) -> None:
    highest: dict[int, int] = dict(
        conn.execute(select(fiches.c.year, func.max(fiches.c.number)).group_by(fiches.c.year)).all()
    )
    counters: dict[int, int] = dict(conn.execute(select(fiche_sequences.c.year, fiche_sequences.c.last)).all())
    for year in sorted(highest):
        last = counters.get(year)
        if last is None or last < highest[year]:
            message = _(
                "the id counter of {year} is at {last}, below the highest number stored ({highest}): "
                "it was set back outside capactif"
            ).format(year=year, last=last if last is not None else _("missing"), highest=highest[year])
            result.differences.append(Difference(None, "fiche_sequences", last, message))
