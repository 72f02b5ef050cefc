"""The porteurs' rights over their data (GDPR arts. 15, 17 and 5.1.e): find, export, erase, purge.

* :func:`find` — a person's fiches by name or e-mail (case and accents ignored, part of a word is
  enough), for the coordinator answering a request.
* :func:`export` — everything the store holds about those fiches, personal data included: the fiche,
  its whole history with the texts, the offer contacts (the access request's answer, as JSON).
* :func:`erase` — the porteur's name, e-mail, phone and every free text (summary, notes, contacts,
  comments, reasons) removed from the fiche, its history (``personal_data``, the values outside the
  chained payloads: :mod:`engine.store.personal`) and the offer contacts; the project's facts
  (commune, activity, stages, structures, dates) stay, so the yearly figures do not change, and the
  chain still verifies.  The erasure is itself an event (``personal_erased``), holding what kind
  of data was erased, never the data.
* :func:`due_for_purge` / :func:`erase` with ``cause="retention"`` — the charter's retention period
  (``retention: personal_data_years`` in ``commitments.yaml``): fiches with no event for that long.

The messages visitors send about an offer through the public exchange (``offer_requests``: name,
e-mail, phone, text) are a porteur's data too: :func:`find` finds them, :func:`export` includes
them (those that became one of the fiches, and those asked for by number), :func:`erase` blanks
those of the fiche, :func:`erase_messages` the others, and :func:`messages_due_for_purge` lists
those that never became a fiche and are older than the retention period.  An erased message keeps
its offer and its day (the yearly report counts it as a contact); it has no history of its own, so
its erasure is recorded by the command's output only.

Deleted content must not linger in the database files: SQLite runs with ``secure_delete`` (freed
pages are zeroed) and :func:`scrub` checkpoints and truncates the write-ahead log; on PostgreSQL
:func:`scrub` runs ``VACUUM FULL`` on the tables that held the values, which rewrites them without
the dead rows.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select, update

from engine.store import access, personal, queries, repository
from engine.store import events as ev
from engine.store import history as log
from engine.store.schema import events, fiches, personal_data

#: The tables whose rows held personal values and are rewritten by :func:`scrub`.
SCRUBBED = ("personal_data", "fiches", "offer_contacts", "offer_requests", "events")
#: What an erased message about an offer keeps of its sender: nothing.
BLANK_MESSAGE = {"name": "", "email": None, "phone": None, "message": "", "sender": ""}
REQUEST, RETENTION = "request", "retention"


@dataclass(frozen=True)
class Match:
    """A fiche of the person looked for."""

    fiche: str
    received: str
    stage: str
    name: str | None
    email: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"fiche": self.fiche, "received": self.received, "stage": self.stage, "name": self.name,
                "email": self.email}  # fmt: skip


def _fold(text: str) -> str:
    """Lower case without accents: 'Hélène' and 'helene' are the same person to someone searching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


@dataclass(frozen=True)
class MessageMatch:
    """A message about an offer whose sender is the person looked for."""

    message: int
    offer: str
    received: str
    name: str
    email: str | None
    fiche: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "offer": self.offer, "received": self.received, "name": self.name,
                "email": self.email, "fiche": self.fiche}  # fmt: skip


def _wanted(query: str) -> str:
    wanted = _fold(query)
    if len(wanted) < 2:
        from engine.errors import InputError
        from engine.i18n import _

        raise InputError(_("give at least two letters of the porteur's name or e-mail"))
    return wanted


def find_messages(conn: Connection, query: str) -> list[MessageMatch]:
    """The messages about offers whose sender's name or e-mail contains ``query``, by number."""
    from engine.offers.tables import offer_requests

    wanted = _wanted(query)
    c = offer_requests.c
    rows = conn.execute(select(c.id, c.offer_id, c.received_on, c.name, c.email, c.fiche_id).order_by(c.id))
    return [
        MessageMatch(row.id, row.offer_id, row.received_on.isoformat(), row.name, row.email, row.fiche_id)
        for row in rows
        if any(wanted in _fold(v) for v in (row.name, row.email) if v)
    ]


def find(conn: Connection, query: str) -> list[Match]:
    """The fiches whose porteur's name or e-mail contains ``query`` (accents and case ignored), by id."""
    wanted = _wanted(query)
    c = fiches.c
    rows = conn.execute(
        select(c.id, c.received, c.stage, c.porteur_name, c.porteur_email)
        .where(or_(c.porteur_name.is_not(None), c.porteur_email.is_not(None)))
        .order_by(c.year, c.number)
    )
    out = []
    for row in rows:
        name, email = row.porteur_name, row.porteur_email
        if any(wanted in _fold(v) for v in (name, email) if v):
            out.append(Match(row.id, row.received.isoformat(), row.stage, name, email))
    return out


def _messages(conn: Connection, *, ids: Sequence[int] = (), fiche_ids: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The messages about offers with these numbers, or that became these fiches, as exported."""
    from engine.offers.tables import offer_requests

    c = offer_requests.c
    query = select(offer_requests).where(or_(c.id.in_(list(ids)), c.fiche_id.in_(list(fiche_ids)))).order_by(c.id)
    return [
        {"message": row.id, "offer": row.offer_id, "received_at": repository_time(row.received_at),
         "name": row.name, "email": row.email, "phone": row.phone, "text": row.message,
         "consent": bool(row.consent), "fiche": row.fiche_id}
        for row in conn.execute(query)
    ]  # fmt: skip


def check_messages(conn: Connection, ids: Sequence[int]) -> None:
    """NotFound naming the first of ``ids`` that is no message about an offer."""
    from engine.errors import NotFound
    from engine.i18n import _
    from engine.offers.tables import offer_requests

    known: set[int] = set(conn.execute(select(offer_requests.c.id).where(offer_requests.c.id.in_(list(ids)))).scalars())
    for number in ids:
        if number not in known:
            raise NotFound(_("no message {id} about an offer in the store").format(id=number))


def export(conn: Connection, fiche_ids: Sequence[str], message_ids: Sequence[int] = ()) -> dict[str, Any]:
    """Everything stored about the fiches' porteur: ``{"fiches": [{"fiche", "history", "offer_contacts",
    "offer_messages"}], "messages": [...]}`` (``messages``: those asked for by number)."""
    from engine.offers.repository import list_contacts

    check_messages(conn, message_ids)
    out = []
    contacts = list_contacts(conn, fiche_ids=list(fiche_ids))
    sent = _messages(conn, fiche_ids=fiche_ids)
    for fiche_id in fiche_ids:
        stored = queries.get(conn, fiche_id)
        history = [e.to_dict() for e in log.of_fiche(conn, fiche_id)]
        for event in history:
            event["at"] = event["at"].isoformat()
            event["recorded_at"] = repository_time(event["recorded_at"])
        mine = [
            {"offer": c.offer, "at": c.at.isoformat(), "by": c.by, "note": c.note}
            for c in contacts
            if c.fiche == fiche_id
        ]
        messages = [m for m in sent if m["fiche"] == fiche_id]
        out.append({"fiche": stored.fiche, "history": history, "offer_contacts": mine, "offer_messages": messages})
    return {"fiches": out, "messages": _messages(conn, ids=message_ids)}


def repository_time(value: Any) -> str | None:
    """A recording time as ISO 8601 UTC text."""
    from engine.store.chain import timestamp

    return timestamp(value)


def erase(
    conn: Connection,
    fiche_id: str,
    *,
    who: access.Viewer,
    cause: str = REQUEST,
    at: dt.date | None = None,
    now: dt.datetime | None = None,
) -> repository.Change:
    """Erase the porteur's personal data from the fiche and its history (see the module docstring)."""
    from engine.offers.tables import offer_contacts, offer_requests

    current = queries.get(conn, fiche_id)
    paths: set[str] = set()
    payloads: Iterable[object] = conn.execute(select(events.c.payload).where(events.c.fiche_id == fiche_id)).scalars()
    for stored in payloads:
        paths.update(personal.refs_of(stored) if isinstance(stored, dict) else ())
    personal.erase(conn, fiche_id)
    conn.execute(update(offer_contacts).where(offer_contacts.c.fiche_id == fiche_id).values(note=""))
    conn.execute(update(offer_requests).where(offer_requests.c.fiche_id == fiche_id).values(**BLANK_MESSAGE))
    payload: dict[str, Any] = {"paths": sorted(paths), "cause": cause}
    return repository.record(conn, current, [(ev.PERSONAL_ERASED, payload)], who=who, at=at, now=now)


def erase_messages(conn: Connection, ids: Sequence[int]) -> list[int]:
    """Blank the sender's name, e-mail, phone and text of these messages about offers (their offer and
    day stay for the report's count of contacts); NotFound for a number that is no message."""
    from engine.offers.tables import offer_requests

    check_messages(conn, ids)
    wanted = list(dict.fromkeys(ids))
    conn.execute(update(offer_requests).where(offer_requests.c.id.in_(wanted)).values(**BLANK_MESSAGE))
    return wanted


def _limit(years: int, today: dt.date | None) -> dt.date:
    """The day before which data is past a retention period of ``years`` years."""
    today = today or dt.date.today()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def messages_due_for_purge(conn: Connection, years: int, today: dt.date | None = None) -> list[int]:
    """Messages about offers that never became a fiche, received more than ``years`` years ago and still
    holding their sender's data (those that became a fiche follow their fiche)."""
    from engine.offers.tables import offer_requests

    c = offer_requests.c
    query = (
        select(c.id)
        .where(c.fiche_id.is_(None), c.received_on < _limit(years, today))
        .where(or_(c.name != "", c.message != "", c.email.is_not(None), c.phone.is_not(None), c.sender != ""))
        .order_by(c.id)
    )
    return list(conn.execute(query).scalars())


def due_for_purge(conn: Connection, years: int, today: dt.date | None = None) -> list[str]:
    """The fiches still holding personal data whose last event is more than ``years`` years old."""
    limit = _limit(years, today)
    last = select(events.c.fiche_id, func.max(events.c.at).label("last")).group_by(events.c.fiche_id).subquery()
    held = select(personal_data.c.fiche_id).distinct()
    c = fiches.c
    query = (
        select(c.id)
        .join(last, last.c.fiche_id == c.id)
        .where(last.c.last < limit)
        .where(
            or_(
                c.porteur_name.is_not(None),
                c.porteur_email.is_not(None),
                c.porteur_phone.is_not(None),
                c.summary != "",
                c.id.in_(held),
            )
        )
        .order_by(c.year, c.number)
    )
    return list(conn.execute(query).scalars())


def scrub(engine: Engine) -> None:
    """After an erasure is committed: rewrite what still holds the deleted values on disk."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.rollback()
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in SCRUBBED:
            conn.exec_driver_sql(f"VACUUM FULL {table}")
