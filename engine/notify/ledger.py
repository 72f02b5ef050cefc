"""The ledger of notifications: what was told to whom, claimed before sending (see :mod:`engine.notify.tables`).

Claim, then send, then record the outcome:

1. :func:`claim` (in its own short transaction) inserts a ``sending`` row for each key not told yet to
   the address, and takes back the ``failed`` ones (``UPDATE … WHERE status = 'failed'``: of two runs,
   one updates the row, the other sees zero rows).  A key another run already holds makes the insert
   fail on the unique constraint: the whole claim is rolled back and the caller tries again with
   what is left, so two concurrent runs never both send a line.
2. The message is sent outside any transaction.
3. :func:`settle` marks the claimed rows ``sent`` or ``failed`` (with the server's answer).

A ``sending`` row older than :data:`STALE_AFTER` belongs to a run that died between 1 and 3: it is
claimed again.  That is the one case where a line may be told twice — when the run died after the
server accepted the message and before the ledger said so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, and_, insert, select, tuple_, update

from engine.notify.model import Key
from engine.notify.tables import ERROR, KEY, PERIOD, notifications

SENDING = "sending"
SENT = "sent"
FAILED = "failed"
STALE_AFTER = dt.timedelta(hours=1)


def stored(key: Key) -> tuple[str, str, str]:
    """The key as the table stores it: a content longer than the column is replaced by its SHA-256."""
    import hashlib

    content = key.content if len(key.content) <= KEY else hashlib.sha256(key.content.encode()).hexdigest()
    return key.kind, content, key.period[:PERIOD]


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def statuses(conn: Connection, recipient: str, keys: Iterable[Key]) -> dict[Key, tuple[str, dt.datetime]]:
    """The ledger's status and claim time of each key already known for ``recipient``."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    n = notifications.c
    by_stored = {stored(k): k for k in wanted}
    out: dict[Key, tuple[str, dt.datetime]] = {}
    for start in range(0, len(wanted), 200):
        chunk = wanted[start : start + 200]
        query = select(n.kind, n.content_key, n.period, n.status, n.claimed_at).where(
            n.recipient == recipient,
            tuple_(n.kind, n.content_key, n.period).in_([stored(k) for k in chunk]),
        )
        for row in conn.execute(query):
            out[by_stored[(str(row.kind), str(row.content_key), str(row.period))]] = (
                str(row.status),
                _utc(row.claimed_at),
            )
    return out


def pending(conn: Connection, recipient: str, keys: Iterable[Key], *, now: dt.datetime) -> list[Key]:
    """The keys not told yet to ``recipient``: unknown, failed, or claimed by a run that died."""
    known = statuses(conn, recipient, keys)
    out = []
    for key in dict.fromkeys(keys):
        status = known.get(key)
        if status is None or status[0] == FAILED or (status[0] == SENDING and now - status[1] > STALE_AFTER):
            out.append(key)
    return out


def claim(conn: Connection, recipient: str, keys: Sequence[Key], *, now: dt.datetime) -> list[Key]:
    """Claim ``keys`` for ``recipient`` (rows ``sending``); the keys this run now holds.

    New keys are inserted (an :class:`sqlalchemy.exc.IntegrityError` when another run inserted one
    first: the caller rolls back and tries again); failed or stale ones are taken back one by one,
    and only those whose row this run updated are kept.
    """
    known = statuses(conn, recipient, keys)
    n = notifications.c
    held = []
    new = []
    for key in keys:
        status = known.get(key)
        if status is None:
            new.append(key)
            continue
        stale = status[0] == SENDING and now - status[1] > STALE_AFTER
        if status[0] != FAILED and not stale:
            continue
        condition = (
            n.status == FAILED if status[0] == FAILED else and_(n.status == SENDING, n.claimed_at < now - STALE_AFTER)
        )
        kind, content, period = stored(key)
        updated = conn.execute(
            update(notifications)
            .where(n.recipient == recipient, n.kind == kind, n.content_key == content, n.period == period, condition)
            .values(status=SENDING, claimed_at=now, attempts=n.attempts + 1)
        ).rowcount
        if updated:
            held.append(key)
    if new:
        conn.execute(
            insert(notifications),
            [
                dict(
                    zip(("kind", "content_key", "period"), stored(k), strict=True),
                    recipient=recipient,
                    status=SENDING,
                    attempts=1,
                    claimed_at=now,
                )
                for k in new
            ],
        )
        held.extend(new)
    return held


def settle(
    conn: Connection, recipient: str, keys: Sequence[Key], *, sent: bool, now: dt.datetime, error: str | None = None
) -> None:
    """Mark the claimed ``keys`` sent, or failed with the server's answer (kept short)."""
    n = notifications.c
    for key in keys:
        kind, content, period = stored(key)
        conn.execute(
            update(notifications)
            .where(n.recipient == recipient, n.kind == kind, n.content_key == content, n.period == period)
            .values(
                status=SENT if sent else FAILED,
                sent_at=now if sent else None,
                error=None if sent else (error or "")[:ERROR],
            )
        )
