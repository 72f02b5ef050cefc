"""Writing fiches: add, assign, move, note, consent — each change an event, each command one transaction.

Every write follows the same path: read the fiche, check that the caller may write it
(:mod:`engine.store.access`), build the events the command means, derive the new state *by applying
those events* (:func:`engine.store.events.apply`, the function ``db verify`` replays), then write the
state with ``UPDATE … WHERE id = ? AND version = ?`` and append the events.  Zero rows updated means
another command changed the fiche since it was read: :class:`~engine.errors.ConflictError`, and the
caller's transaction rolls back, so nothing is half-written.

Ids ``F-YYYY-NNNN`` (year of ``received``) come from ``fiche_sequences``: an upsert then an
``UPDATE … SET last = last + n RETURNING last`` that holds the year's row lock until commit.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, case, column, delete, func, insert, select, table, update
from sqlalchemy.sql.dml import Insert

from engine import limits
from engine.errors import AccessDenied, InputError, Problem
from engine.fiche import Fiche
from engine.i18n import N_, _
from engine.store import access, bulk, chain, personal, porteur_keys, projection, queries, records, suggestions
from engine.store import events as ev
from engine.store.db import conflict
from engine.store.schema import fiche_sequences, fiche_supports, fiches
from engine.vocabulary import ACTIVE_STAGES, ACTIVITY_STATUSES, CHANNELS, unknown

#: ``suggester(fiche, caseload, declined=None) -> suggestion`` with ``to_dict()`` in the ``suggest --format
#: json`` shape; ``declined`` is an :class:`engine.routing.Declined` (the structures that said "Pas pour nous").
Suggester = Callable[..., Any]


@dataclass
class Change:
    """What one command did to one fiche: its version afterwards and the events it appended."""

    fiche: str
    version: int
    events: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"fiche": self.fiche, "version": self.version, "events": self.events}


#: ``(fiche, structure) -> what the rules say against it leading the fiche, or None`` (routing's
#: :func:`~engine.routing.suggest.lead_competence_problem` over compiled rules, handed in by
#: engine.app so that the store never imports routing).
LeadCheck = Callable[[Any, str], "str | None"]


def now_utc() -> dt.datetime:
    """This machine's clock (UTC, aware): for callers that need a time outside a transaction."""
    return dt.datetime.now(dt.UTC)


def server_now(conn: Connection) -> dt.datetime:
    """The recording timestamp, from the database server's clock (UTC, aware), not the caller's.

    On PostgreSQL it is ``now()``, the transaction's start on the server; on SQLite, whose "server"
    is this machine, SQLite's own clock.
    """
    if conn.dialect.name == "postgresql":
        value = conn.execute(select(func.now())).scalar_one()
    else:
        text: str = conn.exec_driver_sql("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')").scalar_one()
        value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


# --- adding --------------------------------------------------------------------------------------


def add_fiches(
    conn: Connection,
    items: Sequence[Fiche],
    *,
    who: access.Viewer,
    network: Any,
    suggester: Suggester | None = None,
    assign: bool = False,
    at: dt.date | None = None,
    now: dt.datetime | None = None,
    fiche_dicts: Sequence[dict[str, Any]] | None = None,
) -> list[Change]:
    """Store new fiches (ids allocated), suggest for each, and with ``assign`` accept the suggestion.

    ``network`` gives each commune's local network.  All fiches or none: any problem raises and
    the caller's transaction rolls back.  ``fiche_dicts``: each item's fiche dict when the caller made it
    already (``records.to_dict``, as ``fiche import`` does for its guards), which this takes over.
    """
    from engine.lifecycle import state_problems

    now = now or server_now(conn)
    at = at or dt.date.today()
    given = fiche_dicts if fiche_dicts is not None and len(fiche_dicts) == len(items) else None
    dicts = []
    problems = []
    for index, item in enumerate(items):
        data = given[index] if given is not None else records.to_dict(item)
        if not data["received_by"] and who.structure:
            data["received_by"] = who.structure
        access.check_add(who, data["received_by"], item.label())
        # A fiche given at a stage passes the guards of the moves that lead there (engine.lifecycle).
        problems += [Problem(item.label(), 0, 0, f"{name}: {text}") for name, text in state_problems(data)]
        dicts.append(data)
    if problems:
        raise InputError(problems=problems)
    _check_offers(conn, items)
    _allocate_ids(conn, items, dicts)
    changes = _insert(conn, dicts, network, who, now)
    if suggester is None:
        return changes
    load = queries.caseload(conn)
    if not assign and len(dicts) >= bulk.THRESHOLD:
        _suggest_new(conn, changes, dicts, suggester, load, at=at, now=now, who=who)
        return changes
    orphans = []
    for change, data in zip(changes, dicts, strict=True):
        fiche = records.to_model(data)
        suggestion = suggester(fiche, load).to_dict()
        payload = record_suggestion(
            conn,
            data["id"],
            change.version,
            suggestion,
            at=at,
            by=who.label(),
            now=now,
            who=who,
            previous={},
            state=data,
        )
        change.events.append({"kind": ev.SUGGESTED, "payload": payload})
        if payload["orphan"]:
            orphans.append(data["id"])
        lead = payload["lead"]
        if assign and lead and not data["lead"]:
            accepted = assign_fiche(
                conn,
                data["id"],
                who=who,
                network=network,
                lead=lead,
                supports=[s for s in payload["supporting"] if s != lead],
                at=at,
                by=who.label(),
                now=now,
                check_access=False,
            )
            change.version = accepted.version
            change.events += accepted.events
            if fiche.stage in ACTIVE_STAGES:
                load[lead] = load.get(lead, 0) + 1
    if orphans:
        conn.execute(update(fiches).where(fiches.c.id.in_(orphans)).values(orphan=True))
    return changes


def _suggest_new(
    conn: Connection,
    changes: list[Change],
    dicts: list[dict[str, Any]],
    suggester: Suggester,
    load: dict[str, int],
    *,
    at: dt.date,
    now: dt.datetime,
    who: access.Viewer,
) -> None:
    """The ``suggested`` event and current suggestion of many fiches just inserted (``fiche import --suggest``):
    what :func:`record_suggestion` writes for each, written for all at once.

    Why: one fiche at a time, that is nine statements per fiche (the event's chain head, its personal
    values, the projection read and updated, the suggestion's delete, reads of the fiche and its supports,
    its insert) — about 180 rows per CPU second.  Here the events go through the one write path
    (:func:`_chain`) together, in the same order (every ``created`` event, then each fiche's ``suggested``
    event), and the ``fiche_suggestions`` rows in one insert, their ``open`` flags from the fiche dicts
    just stored (a new fiche has no earlier suggestion, and its lead, supports and stage are those of its
    dict).  Nothing is assigned (``--assign`` changes the caseload from one fiche to the next, and goes
    fiche by fiche)."""
    from engine.store.schema import fiche_suggestions

    by = who.label()
    rows: list[dict[str, Any]] = []
    asked_rows: list[dict[str, Any]] = []
    orphans: list[str] = []
    for change, data in zip(changes, dicts, strict=True):
        payload = suggestion_payload(suggester(records.to_model(data), load).to_dict())
        rows.append(_event_row(data["id"], change.version, ev.SUGGESTED, payload, at, by, now, who))
        supporting = set(data["supporting"])
        for row in suggestions.rows_of(data["id"], ev.next_suggested({}, payload, at), payload):
            row["open"] = suggestions.is_open(row["role"], row["structure"], data["lead"], supporting, data["stage"])
            asked_rows.append(row)
        change.events.append({"kind": ev.SUGGESTED, "payload": payload})
        if payload["orphan"]:
            orphans.append(data["id"])
    _chain(conn, rows, {data["id"]: data for data in dicts})
    bulk.insert_rows(conn, fiche_suggestions, asked_rows)
    if orphans:
        conn.execute(update(fiches).where(fiches.c.id.in_(orphans)).values(orphan=True))


def _check_offers(conn: Connection, items: Sequence[Fiche]) -> None:
    """A fiche's ``offer`` names an offer of the store (checked here: a fiche file cannot know the store)."""
    wanted = sorted({item.offer for item in items if item.offer})
    if not wanted:
        return
    offers = table("offers", column("id"))
    found: set[str] = set(conn.execute(select(offers.c.id).where(offers.c.id.in_(wanted))).scalars())
    message = _("offer '{offer}' is not in the store: 'capactif offer list' shows the offers")
    problems = [
        Problem(item.source or item.label(), 0, 0, message.format(offer=item.offer))
        for item in items
        if item.offer and item.offer not in found
    ]
    if problems:
        raise InputError(problems=problems)


def _declined_words(role: str, at: dt.date) -> str:
    """The reason routing gives for a structure that answered "Pas pour nous" (its free text stays out)."""
    if role == ev.LEAD:
        return _("declined to lead this fiche on {date} (pas pour nous)").format(date=at.isoformat())
    return _("declined to support this fiche on {date} (pas pour nous)").format(date=at.isoformat())


def record_suggestion(
    conn: Connection,
    fiche_id: str,
    version: int,
    suggestion: dict[str, Any],
    *,
    at: dt.date | str,
    by: str | None,
    now: dt.datetime,
    who: access.Viewer,
    previous: dict[tuple[str, str], str] | None = None,
    state: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Append a ``suggested`` event and make it the fiche's current suggestion (``fiche_suggestions``).

    ``previous`` is the current suggestion before it (read from the store when not given): a
    structure suggested again keeps the day it was first asked.  ``state``: the fiche as it stands
    (read from the store when not given), for the projection.  Returns the event's payload.
    """
    payload = suggestion_payload(suggestion)
    _append(conn, fiche_id, version, [(ev.SUGGESTED, payload)], at, by, now, who, state)
    if previous is None:
        previous = suggestions.current(conn, fiche_id)
    suggestions.replace(conn, fiche_id, ev.next_suggested(previous, payload, at), payload)
    return payload


def suggestion_payload(suggestion: dict[str, Any]) -> dict[str, Any]:
    """The ``suggested`` event of a suggestion dict (``suggest --format json`` shape)."""
    lead = suggestion.get("lead")
    return {
        "rules_version": suggestion.get("rules_version"),
        "lead": lead["structure"] if lead else None,
        "supporting": [s["structure"] for s in suggestion.get("supporting", [])],
        "orphan": bool(suggestion.get("orphan")),
        "suggestion": suggestion,
    }


def _allocate_ids(conn: Connection, items: Sequence[Fiche], dicts: list[dict[str, Any]]) -> None:
    """Give every fiche without an id the next number of its year; keep (and reserve) given ids."""
    problems = []
    given: dict[str, str] = {}
    highest: dict[int, int] = {}
    for item, data in zip(items, dicts, strict=True):
        if data["id"]:
            if data["id"] in given:
                message = _("id {id} is also given to {other}").format(id=data["id"], other=given[data["id"]])
                problems.append(Problem(item.label(), 0, 0, message))
            given[data["id"]] = item.source or data["id"]
            year, number = records.split_id(data["id"])
            highest[year] = max(highest.get(year, 0), number)
    # Writes first: on SQLite the first write takes the database's write lock for the transaction.
    for year in sorted(highest):
        _reserve(conn, year, at_least=highest[year])
    wanted = Counter(dt.date.fromisoformat(d["received"]).year for d in dicts if not d["id"])
    next_number = {year: _reserve(conn, year, count=n) for year, n in sorted(wanted.items())}
    for data in dicts:
        if not data["id"]:
            year = dt.date.fromisoformat(data["received"]).year
            data["id"] = records.format_id(year, next_number[year])
            next_number[year] += 1
    if given:
        taken: set[str] = set()
        ids = sorted(given)
        for start in range(0, len(ids), 1000):
            taken |= set(conn.execute(select(fiches.c.id).where(fiches.c.id.in_(ids[start : start + 1000]))).scalars())
        problems += [
            Problem(given[i], 0, 0, _("fiche {id} is already in the store").format(id=i)) for i in sorted(taken)
        ]
    if problems:
        raise InputError(problems=problems)


def _reserve(conn: Connection, year: int, *, count: int = 0, at_least: int = 0) -> int:
    """Reserve ``count`` numbers of ``year`` (returns the first), or raise the counter to ``at_least``."""
    counter: Insert
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        counter = postgresql_insert(fiche_sequences).on_conflict_do_nothing(index_elements=["year"])
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        counter = sqlite_insert(fiche_sequences).on_conflict_do_nothing(index_elements=["year"])
    conn.execute(counter.values(year=year, last=0))
    # A counter set back behind the stored fiches (by hand, or a restored backup) must not hand out
    # a taken number: it starts again after the highest one stored.
    stored = conn.execute(select(func.max(fiches.c.number)).where(fiches.c.year == year)).scalar() or 0
    floor = max(at_least, int(stored))
    last = fiche_sequences.c.last
    raised = case((last < floor, floor), else_=last)
    value = raised + count if count else raised
    new_last: int = conn.execute(
        update(fiche_sequences).where(fiche_sequences.c.year == year).values(last=value).returning(last)
    ).scalar_one()
    return new_last - count + 1


def _insert(
    conn: Connection, dicts: list[dict[str, Any]], network: Any, who: access.Viewer, now: dt.datetime
) -> list[Change]:
    communes = network.territory.communes if network is not None else {}
    rows, supports, created = [], [], []
    # What every created event of the command shares (its author, time), made once: _event_row per fiche.
    common = _event_row("", 1, ev.CREATED, {}, now.date(), who.label(), now, who)
    for data in dicts:
        fiche_id = data["id"]  # F-YYYY-NNNN: allocated, or a given id _allocate_ids checked with split_id
        year, number = int(fiche_id[2:6]), int(fiche_id[7:])
        commune = communes.get(data["commune"])
        row = records.to_row(data)
        row.update(
            year=year,
            number=number,
            local_network=commune.local_network if commune else None,
            orphan=False,
            version=1,
            created_at=now,
            updated_at=now,
        )
        rows.append(row)
        supports += [{"fiche_id": fiche_id, "structure": s, "position": i} for i, s in enumerate(data["supporting"])]
        payload = {"fiche": data, "local_network": row["local_network"]}
        # The event's day is the fiche's, which to_row parsed as _event_row would have.
        created.append({**common, "fiche_id": fiche_id, "at": row["received"], "payload": payload})
    if rows:
        key = porteur_keys.secret(conn)  # read before the fiches' COPY, whose server work the digests then overlap
        with bulk.pipelined(conn):
            bulk.insert_rows(conn, fiches, rows)
            porteur_keys.record(conn, {d["id"]: d.get("porteur") or {} for d in dicts}, key=key, new=True)
            bulk.insert_rows(conn, fiche_supports, supports)
            _chain(conn, created, {})
    return [Change(d["id"], 1, [{"kind": ev.CREATED, "payload": {"fiche": d}}]) for d in dicts]


# --- changing a stored fiche ---------------------------------------------------------------------


def assign_fiche(
    conn: Connection,
    fiche_id: str,
    *,
    who: access.Viewer,
    network: Any,
    lead: str | None = None,
    supports: Sequence[str] = (),
    remove_supports: Sequence[str] = (),
    remove_lead: bool = False,
    at: dt.date | None = None,
    by: str | None = None,
    now: dt.datetime | None = None,
    check_access: bool = True,
    expected_version: int | None = None,
    check_competence: LeadCheck | None = None,
    force_reason: str | None = None,
) -> Change:
    """Set the lead and add or remove supporting structures; a structure is never both lead and support.

    With ``check_competence`` (a person's assignment, not the acceptance of a suggestion) a lead the
    rules say is not competent for the fiche's nature, commune or kind is refused, unless
    ``force_reason`` says why: the ``lead_assigned`` event then records ``forced`` (the reason) and
    ``not_competent`` (what the rules say).
    """
    current = _read(conn, fiche_id, expected_version)
    if check_access:
        access.check_write(who, fiche_id, _on(current), N_("assign"))
    problems = _unknown_structures(network, {"--lead": [lead] if lead else [], "--support": list(supports)})
    if force_reason is not None and not force_reason.strip():
        problems.append(Problem("--reason", 0, 0, _("the reason is empty: say why the rules are overridden")))
    not_competent = None
    if check_competence is not None and lead and lead != current.fiche["lead"] and not problems:
        not_competent = check_competence(current.model(), lead)
        if not_competent and force_reason is None:
            problems.append(
                Problem(
                    "--lead",
                    0,
                    0,
                    _(
                        "{lead} is not competent to lead fiche {fiche} according to the rules: {why}; choose a "
                        "competent lead (capactif suggest {fiche}), or assign it anyway with --force --reason 'why'"
                    ).format(lead=lead, fiche=fiche_id, why=not_competent),
                )
            )
    supporting = list(current.fiche["supporting"])
    state_lead = current.fiche["lead"]
    planned: list[tuple[str, dict[str, Any]]] = []
    for sid in remove_supports:
        if sid not in supporting:
            problems.append(
                Problem(
                    "--remove-support",
                    0,
                    0,
                    _("{structure} is not supporting fiche {fiche}").format(structure=sid, fiche=fiche_id),
                )
            )
        else:
            supporting.remove(sid)
            planned.append((ev.SUPPORT_REMOVED, {"structure": sid}))
    if remove_lead:
        if state_lead is None:
            problems.append(
                Problem("--remove-lead", 0, 0, _("fiche {fiche} has no lead to remove").format(fiche=fiche_id))
            )
        else:
            planned.append((ev.LEAD_REMOVED, {"lead": state_lead}))
            state_lead = None
    if lead and lead != state_lead:
        if lead in supporting:
            supporting.remove(lead)
            planned.append((ev.SUPPORT_REMOVED, {"structure": lead}))
        assigned: dict[str, Any] = {"lead": lead, "previous": state_lead}
        if not_competent:
            assigned.update(forced=force_reason, not_competent=not_competent)
        planned.append((ev.LEAD_ASSIGNED, assigned))
        state_lead = lead
    for sid in dict.fromkeys(supports):
        if sid == state_lead:
            message = _("{structure} is the lead of {fiche}: it cannot also support it").format(
                structure=sid, fiche=fiche_id
            )
            problems.append(Problem("--support", 0, 0, message))
        elif sid not in supporting:
            supporting.append(sid)
            planned.append((ev.SUPPORT_ASSIGNED, {"structure": sid}))
    if problems:
        raise InputError(problems=problems)
    return _commit(conn, current, planned, at=at, by=_by(who, by), now=now, who=who)


def move_fiche(
    conn: Connection,
    fiche_id: str,
    trigger: str,
    *,
    who: access.Viewer,
    network: Any,
    at: dt.date | None = None,
    by: str | None = None,
    comment: str | None = None,
    installed_on: dt.date | None = None,
    follow_up_by: str | None = None,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    expected_version: int | None = None,
) -> Change:
    """Move the fiche through the lifecycle by ``trigger`` (guards checked by engine.lifecycle)."""
    from engine.lifecycle import lifecycle

    limits.require_text(comment, "--comment")
    current = _read(conn, fiche_id, expected_version)
    access.check_write(who, fiche_id, _on(current), N_("move"))
    at = at or dt.date.today()
    by = _by(who, by)
    problems = _unknown_structures(network, {"--follow-up-by": [follow_up_by] if follow_up_by else []})
    problems += _check_date(current, at, "--date", today)
    if installed_on:
        problems += _check_date(current, installed_on, "--installed-on", today)
    if problems:
        raise InputError(problems=problems)
    if at < (today or dt.date.today()):
        _check_backdated(conn, current, trigger, at)
    record = current.model()
    if trigger == "install" and installed_on is None and record.installed_on is None:
        installed_on = at
    change = lifecycle().fire(
        record, trigger, at=at, by=by, comment=comment, installed_on=installed_on, follow_up_by=follow_up_by
    )
    payload = {
        "trigger": change.trigger,
        "from": change.from_stage,
        "to": change.to_stage,
        "comment": comment,
        "installed_on": record.installed_on.isoformat() if record.installed_on else None,
        "follow_up_by": record.follow_up_by,
        "held_from": record.held_from,
    }
    return _commit(conn, current, [(ev.STAGE_CHANGED, payload)], at=at, by=by, now=now, who=who)


def _check_backdated(conn: Connection, current: records.StoredFiche, trigger: str, at: dt.date) -> None:
    """A move dated in the past must fit its date: after the last stage change, with the guards true then.

    The fiche's states over time (:func:`engine.store.history.states`) say what it was on ``at``:
    ``start_study`` dated before the référent was designated is refused, like a move dated before
    the stage change it follows.
    """
    from engine.store import history

    events = history.of_fiche(conn, current.id, personal_data=False)
    moves = [e.at for e in events if e.kind == ev.STAGE_CHANGED]
    if moves and at < max(moves):
        raise InputError(
            problems=[
                Problem("--date", 0, 0, _("{date} is before the fiche's last change of stage ({last}): a move "
                                          "cannot be dated before the one it follows").format(date=at, last=max(moves)))
            ]
        )  # fmt: skip
    then = history.states(events, until=at, keep=False).rebuilt.state
    if trigger == "start_study" and current.fiche.get("lead") and not then.get("lead"):
        assigned = next((e.at for e in events if e.kind == ev.LEAD_ASSIGNED and e.at > at), None)
        when = _(" (it was designated on {day})").format(day=assigned) if assigned else ""
        raise InputError(
            problems=[
                Problem("--date", 0, 0, _("'start_study' on {date} needs a référent on that day, and fiche {fiche} "
                                          "had none then{when}: date the move on or after that day")
                        .format(date=at, fiche=current.id, when=when))
            ]
        )  # fmt: skip


def check_channel(channel: str | None) -> None:
    """A contact's channel is one of :data:`engine.vocabulary.CHANNELS` (or none)."""
    if channel is not None and channel not in CHANNELS:
        raise InputError(_("--contact: {problem}").format(problem=unknown("channel", channel, CHANNELS)))


def note_fiche(
    conn: Connection,
    fiche_id: str,
    text: str,
    *,
    who: access.Viewer,
    kind: str = ev.NOTE,
    channel: str | None = None,
    at: dt.date | None = None,
    by: str | None = None,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    expected_version: int | None = None,
    activity: str | None = None,
) -> Change:
    """Append a note or a contact to the history (the fiche's state and version do not change).

    ``activity`` (``active`` or ``ceased``, :data:`engine.vocabulary.ACTIVITY_STATUSES`): what
    post-creation follow-up found of the installed activity on that day (the report's ``survival``).

    With ``expected_version`` the fiche's row is held at that version until the transaction ends, so
    a change written meanwhile by another command is a conflict, as for the other writes.
    """
    if not text.strip():
        raise InputError(_("the note is empty: write what happened, e.g. 'porteur called, meeting on 12 May'"))
    limits.require_text(text, "text")
    if kind == ev.CONTACT:
        check_channel(channel)
    current = _read(conn, fiche_id, expected_version)
    access.check_write(who, fiche_id, _on(current), N_("add a note to"))
    at = at or dt.date.today()
    problems = _check_date(current, at, "--date", today)
    if problems:
        raise InputError(problems=problems)
    if activity is not None:
        if activity not in ACTIVITY_STATUSES:
            problem = unknown("activity", activity, ACTIVITY_STATUSES)
            raise InputError(_("--activity: {problem}").format(problem=problem))
        if current.fiche.get("installed_on") is None:
            raise InputError(
                _("--activity: fiche {fiche} has no installed activity to follow up").format(fiche=fiche_id)
            )
    payload: dict[str, Any] = {"text": text} if kind == ev.NOTE else {"text": text, "channel": channel}
    if activity is not None:
        payload["activity"] = activity
    if expected_version is not None:
        _hold(conn, current)
    now = now or server_now(conn)
    _append(conn, fiche_id, current.version, [(kind, payload)], at, _by(who, by), now, who, current.fiche)
    return Change(fiche_id, current.version, [{"kind": kind, "payload": payload}])


def set_consent(
    conn: Connection,
    fiche_id: str,
    consent: bool,
    *,
    who: access.Viewer,
    at: dt.date | None = None,
    by: str | None = None,
    now: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Change:
    """Record that the porteur agreed (or no longer agrees) to share the fiche with the whole network."""
    current = _read(conn, fiche_id, expected_version)
    access.check_write(who, fiche_id, _on(current), N_("change the consent of"))
    previous = bool(current.fiche["porteur"]["consent_network"])
    if previous == consent:
        return Change(fiche_id, current.version, [])
    payload = {"consent_network": consent, "previous": previous}
    return _commit(conn, current, [(ev.CONSENT_CHANGED, payload)], at=at, by=_by(who, by), now=now, who=who)


def change_commune(
    conn: Connection,
    fiche_id: str,
    commune: str,
    *,
    who: access.Viewer,
    network: Any,
    at: dt.date | None = None,
    by: str | None = None,
    comment: str | None = None,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    expected_version: int | None = None,
) -> Change:
    """Record that the project moved to another commune (name or INSEE code); the local network follows.

    The ``commune_changed`` event keeps the previous commune, so reports and agendas dated before
    the change still place the fiche where it was (:meth:`engine.readmodel.StoredFiche.commune_on`).
    """
    current = _read(conn, fiche_id, expected_version)
    access.check_write(who, fiche_id, _on(current), N_("change the commune of"))
    at = at or dt.date.today()
    problems = _check_date(current, at, "--date", today)
    code = None
    try:
        code = network.territory.resolve(commune).insee
    except ValueError as exc:
        problems.append(Problem("--commune", 0, 0, str(exc)))
    if code is not None and code == current.fiche["commune"]:
        where = network.territory.communes[code]
        problems.append(
            Problem("--commune", 0, 0, _("fiche {fiche} is already in {where}").format(fiche=fiche_id, where=where))
        )
    if problems:
        raise InputError(problems=problems)
    assert code is not None
    local_network = network.territory.communes[code].local_network or None
    previous = current.fiche["commune"]
    payload = {"commune": code, "previous": previous, "local_network": local_network, "comment": comment}
    change = _commit(conn, current, [(ev.COMMUNE_CHANGED, payload)], at=at, by=_by(who, by), now=now, who=who)
    # ``local_network`` is the store's copy of the territory (an indexed column), not a fiche field.
    conn.execute(update(fiches).where(fiches.c.id == fiche_id).values(local_network=local_network))
    return change


# --- answering a suggestion -------------------------------------------------------------------

TAKE, DECLINE = "take", "decline"
ANSWERS = (TAKE, DECLINE)


def answer_suggestion(
    conn: Connection,
    fiche_id: str,
    answer: str,
    *,
    who: access.Viewer,
    suggester: Suggester,
    reason: str | None = None,
    at: dt.date | None = None,
    now: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Change:
    """The answer of a structure suggested for a fiche: ``take`` ("Prendre en charge") or ``decline``
    ("Pas pour nous", with a ``reason``).

    Being suggested is what allows a structure that is not on the fiche yet to take it: it becomes
    lead or supporting structure, in the role it was suggested for (``suggestion_taken`` then
    ``lead_assigned`` / ``support_assigned``).  A decline is recorded (``suggestion_declined``, the
    reason kept as free text) and the fiche is routed again without every structure that declined
    that role: a new ``suggested`` event, the next alternative now asked.  Only the structure
    itself answers; an answer to a suggestion already answered (or a closed fiche) is refused with
    what happened instead.
    """
    if answer not in ANSWERS:
        raise InputError(
            _("'{answer}' is not an answer: use 'take' (prendre en charge) or 'decline' (pas pour nous)").format(
                answer=answer
            )
        )
    current = _read(conn, fiche_id, expected_version)
    structure = who.structure
    if structure is None:
        what = _("the committee") if who.is_committee else who.label()
        raise AccessDenied(
            _("{who} may not answer a suggestion: only the structure suggested answers it (--as STRUCTURE)").format(
                who=what
            )
        )
    asked = suggestions.current(conn, fiche_id)
    roles = [role for (s, role) in asked if s == structure]
    if not roles:
        names = ", ".join(sorted({s for s, _role in asked})) or _("no structure")
        raise InputError(
            _("fiche {fiche} is not suggested to {structure} (suggested: {names}): there is nothing to answer").format(
                fiche=fiche_id, structure=structure, names=names
            )
        )
    role = roles[0]
    data = current.fiche
    if not suggestions.is_open(role, structure, data["lead"], data["supporting"], data["stage"]):
        raise InputError(_already_answered(fiche_id, structure, role, data))
    at = at or dt.date.today()
    problems = _check_date(current, at, "--date", None)
    if problems:
        raise InputError(problems=problems)
    now = now or server_now(conn)
    needs = suggestions.needs_asked(conn, fiche_id, structure, role)
    if answer == TAKE:
        planned: list[tuple[str, dict[str, Any]]] = [
            (ev.SUGGESTION_TAKEN, {"structure": structure, "role": role, "needs": needs})
        ]
        if role == ev.LEAD:
            planned.append((ev.LEAD_ASSIGNED, {"lead": structure, "previous": None}))
        else:
            planned.append((ev.SUPPORT_ASSIGNED, {"structure": structure}))
        return _commit(conn, current, planned, at=at, by=structure, now=now, who=who)
    text = (reason or "").strip()
    if not text:
        raise InputError(
            _(
                "--reason: say why the fiche is not for your structure (e.g. 'hors de notre territoire', "
                "'activité agricole : la chambre d'agriculture est plus indiquée'); the coordinator reads it"
            )
        )
    payload = {"structure": structure, "role": role, "needs": needs, "reason": text}
    change = _commit(conn, current, [(ev.SUGGESTION_DECLINED, payload)], at=at, by=structure, now=now, who=who)
    declined: dict[str, dict[str, str]] = {ev.LEAD: {}, ev.SUPPORT: {}}
    for d in [*suggestions.declines(conn, fiche_id)]:
        declined[d.role].setdefault(d.structure, _declined_words(d.role, d.at))
    fiche = records.to_model(current.fiche)
    suggestion = suggester(fiche, queries.caseload(conn), declined).to_dict()
    again = record_suggestion(
        conn, fiche_id, change.version, suggestion, at=at, by=structure, now=now, who=who, previous=asked
    )
    conn.execute(update(fiches).where(fiches.c.id == fiche_id).values(orphan=again["orphan"]))
    change.events.append({"kind": ev.SUGGESTED, "payload": again})
    return change


def _already_answered(fiche_id: str, structure: str, role: str, data: dict[str, Any]) -> str:
    if data["stage"] not in ACTIVE_STAGES:
        return _("fiche {fiche} is closed (stage {stage}): there is nothing to answer").format(
            fiche=fiche_id, stage=data["stage"]
        )
    if role == ev.LEAD and data["lead"] == structure:
        return _("{structure} is already the référent of fiche {fiche}").format(structure=structure, fiche=fiche_id)
    if role == ev.LEAD:
        return _(
            "fiche {fiche} already has a référent ({lead}): the suggestion to {structure} is answered; "
            "ask the référent or the coordinator"
        ).format(fiche=fiche_id, lead=data["lead"], structure=structure)
    if data["lead"] == structure:
        return _("{structure} is the référent of fiche {fiche}: it cannot also support it").format(
            structure=structure, fiche=fiche_id
        )
    return _("{structure} already supports fiche {fiche}").format(structure=structure, fiche=fiche_id)


def edit_fiche(
    conn: Connection,
    fiche_id: str,
    changes: dict[str, Any],
    *,
    who: access.Viewer,
    network: Any,
    suggester: Suggester | None = None,
    at: dt.date | None = None,
    by: str | None = None,
    comment: str | None = None,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    expected_version: int | None = None,
) -> Change:
    """Change any field of a fiche (``changes``: field → new value; ``porteur.name`` for the porteur's).

    The new fiche is validated as ``fiche add`` would (each problem named by its option, nothing
    written).  A change of commune is a ``commune_changed`` event (reports dated before it keep the old
    commune); the other fields one ``fiche_edited`` event holding old → new per field.  A nature that
    was derived (from the NAF code or a farm link) is derived again when what it came from changes.
    Then a fresh suggestion is recorded (``suggested``) for the fiche as it now is.
    """
    from pydantic import ValidationError

    from engine import activities

    current = _read(conn, fiche_id, expected_version)
    access.check_write(who, fiche_id, _on(current), N_("edit"))
    at = at or dt.date.today()
    now = now or server_now(conn)
    problems = _check_date(current, at, "--date", today)
    unknown_fields = sorted(set(changes) - set(ev.EDITABLE) - {"commune"})
    problems += [
        Problem(f"--{name}", 0, 0, _("'{field}' cannot be edited").format(field=name)) for name in unknown_fields
    ]
    if not changes:
        problems.append(Problem("fiche edit", 0, 0, _("nothing to change: give at least one field (see --help)")))
    if problems:
        raise InputError(problems=problems)
    old = current.fiche
    data = copy.deepcopy(old)
    data["porteur"] = dict(data.get("porteur") or {})
    for name, value in changes.items():
        if name.startswith("porteur."):
            data["porteur"][name.split(".", 1)[1]] = value
        else:
            data[name] = value
    derived_from = ("naf", "farm_link", "publics")
    if "nature" not in changes and any(name in changes for name in derived_from):
        was = activities.farm_nature(old.get("farm_link"), old.get("publics") or [])
        if was is None and old.get("naf"):
            was = activities.nature_of(old["naf"]).nature
        if old.get("nature") == was:
            data["nature"] = None  # derived then: derive it again from the new facts
    try:
        fiche = Fiche.model_validate(data, context=network.fiche_context())
    except ValidationError as exc:
        raise InputError(
            problems=[
                Problem(_option(error["loc"]), 0, 0, error["msg"].removeprefix("Value error, "))
                for error in exc.errors()
            ]
        ) from None
    new = records.to_dict(fiche)
    edited = {}
    for name in ev.EDITABLE:
        before, after = _field(old, name), _field(new, name)
        if before != after:
            edited[name] = {"old": before, "new": after}
    planned: list[tuple[str, dict[str, Any]]] = []
    local_network = None
    if new["commune"] != old["commune"]:
        local_network = network.territory.communes[new["commune"]].local_network or None
        planned.append(
            (
                ev.COMMUNE_CHANGED,
                {"commune": new["commune"], "previous": old["commune"], "local_network": local_network,
                 "comment": comment},
            )
        )  # fmt: skip
    if edited:
        planned.append((ev.FICHE_EDITED, {"changes": edited, "comment": comment}))
    if not planned:
        if set(changes) == {"commune"}:
            where = network.territory.communes[new["commune"]]
            raise InputError(
                problems=[
                    Problem(
                        "--commune", 0, 0, _("fiche {fiche} is already in {where}").format(fiche=fiche_id, where=where)
                    )
                ]
            )
        raise InputError(
            problems=[Problem("fiche edit", 0, 0, _("fiche {fiche} already has these values").format(fiche=fiche_id))]
        )
    change = _commit(conn, current, planned, at=at, by=_by(who, by), now=now, who=who)
    if new["commune"] != old["commune"]:
        conn.execute(update(fiches).where(fiches.c.id == fiche_id).values(local_network=local_network))
    if suggester is not None:
        declined: dict[str, dict[str, str]] = {ev.LEAD: {}, ev.SUPPORT: {}}
        for d in suggestions.declines(conn, fiche_id):
            declined[d.role].setdefault(d.structure, _declined_words(d.role, d.at))
        suggestion = suggester(fiche, queries.caseload(conn), declined).to_dict()
        payload = record_suggestion(
            conn, fiche_id, change.version, suggestion, at=at, by=_by(who, by), now=now, who=who
        )
        conn.execute(update(fiches).where(fiches.c.id == fiche_id).values(orphan=payload["orphan"]))
        change.events.append({"kind": ev.SUGGESTED, "payload": payload})
    return change


def _field(data: dict[str, Any], name: str) -> Any:
    """A fiche dict's field, ``porteur.name`` for the porteur's."""
    if name.startswith("porteur."):
        return (data.get("porteur") or {}).get(name.split(".", 1)[1])
    return data.get(name)


def _option(loc: tuple[Any, ...]) -> str:
    """The ``fiche edit`` option of a validation error's location (``--name`` for porteur.name)."""
    named = [str(p) for p in loc if isinstance(p, str)]
    if not named:
        return "fiche edit"
    return "--" + named[-1].replace("_", "-")


# --- the common write path -----------------------------------------------------------------------


def _read(conn: Connection, fiche_id: str, expected_version: int | None) -> records.StoredFiche:
    """The fiche to change; with ``expected_version`` (the version the user looked at), a newer one is a conflict."""
    current = queries.get(conn, fiche_id)
    if expected_version is not None and current.version != expected_version:
        raise conflict(fiche_id)
    return current


def _hold(conn: Connection, current: records.StoredFiche) -> None:
    """Lock the fiche's row at the version read without changing it; a newer version is a conflict."""
    held = conn.execute(
        update(fiches)
        .where(fiches.c.id == current.id, fiches.c.version == current.version)
        .values(version=current.version)
    )
    if held.rowcount != 1:
        raise conflict(current.id)


def record(
    conn: Connection,
    current: records.StoredFiche,
    planned: list[tuple[str, dict[str, Any]]],
    *,
    who: access.Viewer,
    at: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Change:
    """Write events another module planned (``porteur erase``): applied, checked, chained like every change."""
    return _commit(conn, current, planned, at=at, by=who.label(), now=now, who=who)


def _commit(
    conn: Connection,
    current: records.StoredFiche,
    planned: list[tuple[str, dict[str, Any]]],
    *,
    at: dt.date | None,
    by: str | None,
    now: dt.datetime | None,
    who: access.Viewer,
) -> Change:
    """Apply the planned events to the fiche's state, write it if nobody else did, append the events."""
    if not planned:
        return Change(current.id, current.version, [])
    now = now or server_now(conn)
    at = at or dt.date.today()
    result = ev.Rebuilt(copy.deepcopy(current.fiche), orphan=current.orphan, version=current.version)
    for kind, payload in planned:
        problem = ev.apply(result, kind, payload)
        assert problem is None, problem  # the planner read the same state: a bug if it disagrees
    before, after = records.to_row(current.fiche), records.to_row(result.state)
    values = {k: v for k, v in after.items() if before[k] != v}
    version = current.version + 1
    written = conn.execute(
        update(fiches)
        .where(fiches.c.id == current.id, fiches.c.version == current.version)
        .values(**values, version=version, updated_at=now)
    )
    if written.rowcount != 1:
        raise conflict(current.id)
    if any(kind == ev.PERSONAL_ERASED for kind, _payload in planned):
        porteur_keys.pseudonymise(conn, current.id)
    elif any(k in values for k in ("porteur_name", "porteur_email", "porteur_phone")):
        porteur_keys.record(conn, {current.id: result.state.get("porteur") or {}})
    old, new = current.fiche["supporting"], result.state["supporting"]
    gone = [s for s in old if s not in new]
    if gone:
        conn.execute(
            delete(fiche_supports).where(fiche_supports.c.fiche_id == current.id, fiche_supports.c.structure.in_(gone))
        )
    added = [s for s in new if s not in old]
    if added:
        highest = func.coalesce(func.max(fiche_supports.c.position), -1)
        top: int = conn.execute(select(highest).where(fiche_supports.c.fiche_id == current.id)).scalar_one()
        conn.execute(
            insert(fiche_supports),
            [{"fiche_id": current.id, "structure": s, "position": top + 1 + i} for i, s in enumerate(added)],
        )
    state = result.state
    if ("lead" in values or "stage" in values or gone or added) and state.get("stage"):
        suggestions.refresh_open(conn, current.id, state.get("lead"), state.get("supporting") or (), state["stage"])
    _append(conn, current.id, version, planned, at, by, now, who, current.fiche)
    return Change(current.id, version, [{"kind": k, "payload": p} for k, p in planned])


def _append(
    conn: Connection,
    fiche_id: str,
    version: int,
    planned: list[tuple[str, dict[str, Any]]],
    at: dt.date | str,
    by: str | None,
    now: dt.datetime,
    who: access.Viewer,
    state: Mapping[str, Any] | None = None,
) -> None:
    """Append one fiche's events; ``state``: the fiche before them (read from the store when None)."""
    _chain(conn, [_event_row(fiche_id, version, k, p, at, by, now, who) for k, p in planned], {fiche_id: state})


def _event_row(
    fiche_id: str,
    version: int,
    kind: str,
    payload: dict[str, Any],
    at: dt.date | str,
    by: str | None,
    now: dt.datetime,
    who: access.Viewer,
) -> dict[str, Any]:
    """An event row: ``actor`` is the authenticated caller, ``account`` the web account (None on the CLI)."""
    return {
        "fiche_id": fiche_id,
        "version": version,
        "kind": kind,
        "at": dt.date.fromisoformat(at) if isinstance(at, str) else at,
        "recorded_at": now if now.tzinfo is dt.UTC else now.astimezone(dt.UTC),  # one object for a command's rows
        "by": by,
        "actor": who.label(),
        "account": getattr(who, "account", None),
        "payload": payload,
    }


def append_events(
    conn: Connection, rows: list[dict[str, Any]], before: Mapping[str, Mapping[str, Any] | None] | None = None
) -> None:
    """Append prepared event rows that change no fiche's state (contacts, notes) in bulk: the path every
    write takes (personal data split, chained, projected).  For bulk writers of past histories (the
    benchmarks); a person's write goes through the commands above, which check it first."""
    _chain(conn, rows, before or {})


def _chain(conn: Connection, rows: list[dict[str, Any]], before: Mapping[str, Mapping[str, Any] | None]) -> None:
    """Append event rows: personal values to ``personal_data``, the rest chained (engine.store.chain),
    and the fiches' projection advanced in the same transaction (engine.store.projection; ``before``:
    each fiche's state before its rows, see :func:`engine.store.projection.advance`)."""
    values: list[dict[str, Any]] = []
    token = personal.tokens() if len(rows) > 1 else None  # fewer system calls for many rows (fiche import)
    for row in rows:
        row["payload"], extracted = personal.split(row["payload"], row["fiche_id"], token=token)
        values += extracted
    if not rows:
        return
    # The head first, its new value last: in between, nothing waits for the database (bulk.pipelined: on
    # PostgreSQL each table's COPY runs while the next rows are made).
    head = chain.lock_head(conn)
    personal.store(conn, values)
    head = chain.link(conn, rows, head)
    projection.advance(conn, rows, before)
    chain.set_head(conn, *head)


def _by(who: access.Viewer, by: str | None) -> str:
    """Who did it: the caller, or (for the coordinator only) the structure it records on behalf of."""
    if by and by != who.name and not who.is_coordinator:
        from engine.errors import AccessDenied

        raise AccessDenied(
            _(
                "--by {by}: {who} may record only in their own name; only the coordinator records on behalf "
                "of another structure (remove --by, or ask the coordinator)"
            ).format(by=by, who=who.label())
        )
    return by or who.label()


def _on(current: records.StoredFiche) -> set[str]:
    data = current.fiche
    return access.on_fiche(data["lead"], data["supporting"], data["received_by"])


def _unknown_structures(network: Any, values: dict[str, list[str]]) -> list[Problem]:
    known = network.structure_ids if network is not None else None
    if not known:
        return []
    return [
        Problem(option, 0, 0, unknown("structure", sid, sorted(known)))
        for option, ids in values.items()
        for sid in ids
        if sid not in known
    ]


def _check_date(current: records.StoredFiche, day: dt.date, option: str, today: dt.date | None) -> list[Problem]:
    received = dt.date.fromisoformat(current.fiche["received"])
    if day < received:
        return [
            Problem(
                option,
                0,
                0,
                _("{day} is before fiche {fiche} was received ({received})").format(
                    day=day, fiche=current.id, received=received
                ),
            )
        ]
    today = today or dt.date.today()
    if day > today:
        return [Problem(option, 0, 0, _("{day} is in the future (today is {today})").format(day=day, today=today))]
    return []
