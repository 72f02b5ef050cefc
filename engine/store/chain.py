"""The event log as a hash chain: each event's hash covers the previous one and all it records.

Why: the ``events`` table is the network's record of what happened to each porteur's project; a
person with write access to the database could otherwise rewrite a lead, delete a contact or forge
a note and rebuild the ``fiches`` row to match, unseen by ``db verify``.  With the chain, changing,
inserting or deleting any event changes every hash after it; ``capactif db verify`` recomputes the
chain and names the first broken link, and ``capactif db verify --anchor`` prints the head hash for
the committee's minutes, so even a rewrite of the whole chain is caught against a hash written
down outside the database.

The hash of event ``n`` is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of
``[hash of event n-1, seq, fiche, version, kind, at, recorded_at, by, actor, account, payload]``,
the first event chaining from :data:`GENESIS`.  The payload is the stored one, whose personal data
are salted digests (:mod:`engine.store.personal`): erasing a person leaves the chain intact.

Appends are serialised by the ``event_chain`` row (one row, id 1): :func:`append` updates it first,
which takes its row lock until the transaction ends, so two commands never chain from the same head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, update

from engine.store import bulk
from engine.store.schema import event_chain, events

GENESIS = "0" * 64
HEAD_ID = 1


def timestamp(value: dt.datetime | str | None) -> str | None:
    """``recorded_at`` as hashed: UTC, microseconds, ``Z`` (a naive value from SQLite is UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def day(value: dt.date | str | None) -> str | None:
    """``at`` as hashed: ISO date."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]


#: The encoders ``json.dumps`` would make at each call with these options (it reuses one only for its
#: defaults): made once, ``encode`` gives the same text (two per event appended).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_PAYLOAD = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> str:
    """The one serialisation hashed everywhere (sorted keys, no spaces, non-ASCII kept)."""
    return _CANONICAL.encode(value)


def payload_text(payload: Mapping[str, Any]) -> str:
    """The text of a payload as :func:`append` stores it in its column and hashes it: the canonical JSON.

    A payload holds JSON values only (no ``default``: anything else is refused, as the column's own
    serialiser refuses it), so this is :func:`canonical` of it, and what ``db verify`` recomputes from
    the stored text (``canonical(json.loads(text)) == text``).
    """
    return _PAYLOAD.encode(payload)


def event_hash(previous: str, row: Mapping[str, Any]) -> str:
    """The hash of one event row (``seq``, ``fiche_id``, … ``payload``) chained after ``previous``."""
    return hash_with(previous, row, canonical(row["payload"]))


def hash_with(previous: str, row: Mapping[str, Any], payload: str, *, stamp: str | None = None) -> str:
    """:func:`event_hash` given the payload's canonical text: the canonical JSON of the list is that of its
    first ten items with ``,payload]`` in place of its closing bracket (no spaces between items).
    ``stamp``: ``timestamp(row["recorded_at"])`` when the caller made it already (one for many rows)."""
    head = canonical(
        [
            previous,
            row["seq"],
            row["fiche_id"],
            row["version"],
            row["kind"],
            day(row["at"]),
            timestamp(row["recorded_at"]) if stamp is None else stamp,
            row["by"],
            row.get("actor"),
            row.get("account"),
        ]
    )
    return hashlib.sha256(f"{head[:-1]},{payload}]".encode()).hexdigest()


def append(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert event rows at the head of the chain (``seq`` and ``hash`` filled in), in order."""
    if not rows:
        return
    set_head(conn, *link(conn, rows, lock_head(conn)))


def lock_head(conn: Connection) -> tuple[int, str]:
    """The chain's head (last ``seq`` and hash), read by updating its row: that takes the row's lock
    (PostgreSQL) or the write lock (SQLite) until the transaction ends, so appends from concurrent commands
    wait here and chain one after the other."""
    head = conn.execute(
        update(event_chain)
        .where(event_chain.c.id == HEAD_ID)
        .values(seq=event_chain.c.seq)
        .returning(event_chain.c.seq, event_chain.c.hash)
    ).first()
    if head is None:
        from engine.i18n import _
        from engine.store.db import StoreError

        raise StoreError(
            _(
                "the store's event chain has no head (table event_chain): the database was changed outside "
                "capactif; nothing was written: run 'capactif db verify' and tell the coordinator"
            )
        )
    return int(head.seq), str(head.hash)


def link(conn: Connection, rows: Sequence[dict[str, Any]], head: tuple[int, str]) -> tuple[int, str]:
    """Insert event rows chained after ``head`` (from :func:`lock_head`, in this transaction); the new head,
    for :func:`set_head`."""
    seq, previous = head
    # Each payload serialised once: the text hashed is the text stored (read back and re-serialised
    # canonically, it gives the same text, which is what ``db verify`` hashes).
    texts = [payload_text(row["payload"]) for row in rows]
    stamps: dict[int, str | None] = {}  # one recording time (a command's "now") for many rows: formatted once
    for row, text in zip(rows, texts, strict=True):
        seq += 1
        row["seq"] = seq
        recorded = row["recorded_at"]
        stamp = stamps.get(id(recorded)) if recorded is not None else None
        if stamp is None and recorded is not None:
            stamp = stamps[id(recorded)] = timestamp(recorded)
        row["hash"] = previous = hash_with(previous, row, text, stamp=stamp)
    bulk.insert_rows(conn, events, rows, serialised={"payload": texts})
    return seq, previous


def set_head(conn: Connection, seq: int, hash_: str) -> None:
    """Record the chain's new head (last ``seq`` and hash)."""
    conn.execute(update(event_chain).where(event_chain.c.id == HEAD_ID).values(seq=seq, hash=hash_))
