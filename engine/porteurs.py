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
SCRUBBED = ("personal_data", "fiches", "offer_contacts", "events")
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


def find(conn: Connection, query: str) -> list[Match]:
    """The fiches whose porteur's name or e-mail contains ``query`` (accents and case ignored), by id."""
    wanted = _fold(query)
    if len(wanted) < 2:
        from engine.errors import InputError
        from engine.i18n import _

        raise InputError(_("give at least two letters of the porteur's name or e-mail"))
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


def export(conn: Connection, fiche_ids: Sequence[str]) -> dict[str, Any]:
    """Everything stored about the fiches' porteur: ``{"fiches": [{"fiche", "history", "offer_contacts"}]}``."""
    from engine.offers.repository import list_contacts

    out = []
    contacts = list_contacts(conn, fiche_ids=list(fiche_ids))
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
        out.append({"fiche": stored.fiche, "history": history, "offer_contacts": mine})
    return {"fiches": out}


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
    from engine.offers.tables import offer_contacts

    current = queries.get(conn, fiche_id)
    paths: set[str] = set()
    payloads: Iterable[object] = conn.execute(select(events.c.payload).where(events.c.fiche_id == fiche_id)).scalars()
    for stored in payloads:
        paths.update(personal.refs_of(stored) if isinstance(stored, dict) else ())
    personal.erase(conn, fiche_id)
    conn.execute(update(offer_contacts).where(offer_contacts.c.fiche_id == fiche_id).values(note=""))
    payload: dict[str, Any] = {"paths": sorted(paths), "cause": cause}
    return repository.record(conn, current, [(ev.PERSONAL_ERASED, payload)], who=who, at=at, now=now)


def due_for_purge(conn: Connection, years: int, today: dt.date | None = None) -> list[str]:
    """The fiches still holding personal data whose last event is more than ``years`` years old."""
    today = today or dt.date.today()
    try:
        limit = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year - years, day=28)
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
