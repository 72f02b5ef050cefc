"""Writing and reading the access log (see :mod:`engine.audit.tables`).

Only the application layer calls :func:`record`: a use case that showed a porteur's personal data,
or changed a fiche, records it in the same transaction as its work, so an entry exists exactly
when the display or the change happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, TextClause, insert, select

from engine.audit.tables import access_log
from engine.identity import Identity
from engine.store.group import MAX_ROWS, insert_rows

READ = "read"
CHANGE = "change"
ACTIONS = (READ, CHANGE)
DETAIL = 64
#: Up to this many lines (a page of a list: 20) are appended by the group commit, one statement shared
#: with the other threads logging at the same moment (:meth:`engine.store.db.Store.append`).
ONE_STATEMENT = MAX_ROWS


@dataclass(frozen=True)
class Entry:
    """One line of the access log."""

    at: dt.datetime
    fiche_id: str
    action: str
    actor: str | None
    account: str | None
    via: str
    detail: str


def lines(
    who: Identity,
    fiche_ids: Iterable[str],
    action: str,
    detail: str,
    *,
    now: dt.datetime,
    via: str | None = None,
) -> list[dict[str, object]]:
    """The rows :func:`record` writes: one per distinct fiche, in the order given.

    ``via`` is ``web`` for a signed-in account (``who.account``), else ``cli``, unless given (``email``:
    what ``capactif notify`` sent to the structure ``who``).
    """
    assert action in ACTIONS, action
    via = via or ("web" if who.account else "cli")
    return [
        {
            "at": now,
            "fiche_id": fiche_id,
            "action": action,
            "actor": who.name,
            "account": who.account,
            "via": via,
            "detail": detail[:DETAIL],
        }
        for fiche_id in dict.fromkeys(fiche_ids)
    ]


def record(
    conn: Connection,
    who: Identity,
    fiche_ids: Iterable[str],
    action: str,
    detail: str,
    *,
    now: dt.datetime,
    via: str | None = None,
) -> int:
    """Log that ``who`` read the personal data of, or changed, each fiche (the lines of :func:`lines`),
    in ``conn``'s transaction; how many lines were written."""
    rows = lines(who, fiche_ids, action, detail, now=now, via=via)
    if len(rows) == 1:
        conn.execute(insert(access_log), rows[0])
    elif rows and conn.dialect.name == "postgresql":  # one short statement of arrays (see insert_rows)
        for start in range(0, len(rows), MAX_ROWS):
            insert_rows(conn, access_log, rows[start : start + MAX_ROWS], _STATEMENTS)
    elif rows:  # SQLite: executemany of one cached statement (a multi-row VALUES is compiled at each call)
        conn.execute(insert(access_log), rows)
    return len(rows)


#: :func:`engine.store.group.insert_rows`'s statements for :func:`record`, built once.
_STATEMENTS: dict[tuple[Any, ...], TextClause] = {}


def entries(conn: Connection, fiche_id: str) -> list[Entry]:
    """Every line about one fiche, oldest first."""
    query = select(access_log).where(access_log.c.fiche_id == fiche_id).order_by(access_log.c.at, access_log.c.id)
    out = []
    for row in conn.execute(query):
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
        out.append(Entry(at, row.fiche_id, row.action, row.actor, row.account, row.via, row.detail))
    return out


def latest(conn: Connection, limit: int, *, account: str | None = None) -> list[Entry]:
    """The ``limit`` latest lines about any fiche (of one account when given), latest first."""
    query = select(access_log)
    if account is not None:
        query = query.where(access_log.c.account == account)
    query = query.order_by(access_log.c.at.desc(), access_log.c.id.desc()).limit(limit)
    out = []
    for row in conn.execute(query):
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
        out.append(Entry(at, row.fiche_id, row.action, row.actor, row.account, row.via, row.detail))
    return out
