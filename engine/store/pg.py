"""What a PostgreSQL store does differently: fewer round trips for reads and one-statement writes.

A web page on PostgreSQL used to talk to the server about seventeen times (issue 12): the pool's
pre-ping (``BEGIN`` and ``SELECT 1``), then for each of its transactions (the session, the rules in
force, the use case, the access log) a ``BEGIN``, its statements and a ``COMMIT``.  Each round trip
is a wait on another process and, on a busy server, a wait for the GIL to come back; the desk's p95
was twice SQLite's on the same store.

Two facts make most of them useless:

* The store runs at PostgreSQL's default level, READ COMMITTED, where **each statement reads its own
  snapshot** even inside a transaction.  A transaction that only reads therefore sees exactly what
  the same statements see in autocommit mode: :func:`autocommit` runs them without ``BEGIN`` and
  ``COMMIT`` (:meth:`engine.store.db.Store.reading`).
* **One statement is atomic by itself**: a write of exactly one statement needs no ``BEGIN`` either
  (:meth:`engine.store.db.Store.one_statement`, the access log's group insert).

And the liveness check of a pooled connection (:func:`ping`) is one ``SELECT 1`` in autocommit mode,
which leaves no transaction open, instead of SQLAlchemy's ``pool_pre_ping``, which opens one.

A transaction that writes more than one statement, or reads at REPEATABLE READ (``db verify``), is an
ordinary transaction as before.  SQLite never comes here: its transactions are in-process (no round
trip) and give a read one snapshot, which its callers rely on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DisconnectionError

#: ``Connection.info`` key set while a block declared read-only runs (see :func:`refuse_writes`).
READING = "capactif_reading"


#: A connection given back to the pool less than this many seconds ago is not pinged again.
RESTED = 1.0


def ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Pool ``checkout`` hook: is the server still there?  One ``SELECT 1`` in autocommit mode.

    A connection the server closed (a restart, an idle timeout) raises
    :class:`~sqlalchemy.exc.DisconnectionError`: the pool discards it and checks out another, so a
    request never fails on a stale connection — what ``pool_pre_ping`` did, with one round trip
    instead of two and no transaction left open for the next ``BEGIN`` to skip.

    Only a connection that rested in the pool for :data:`RESTED` seconds or more is pinged: a busy
    server takes the same connection back every few milliseconds, and a server that restarts is gone
    for longer than a second, so a connection given back just now either still works or was given
    back by a request that failed against the stopped server (and SQLAlchemy then discarded the pool's
    connections).  The rare exception — one backend killed by hand right after a page — costs that
    one page an error, against a round trip saved on every page.
    """
    returned = record.info.get(_RETURNED)
    if returned is not None and time.monotonic() - returned < RESTED:
        return
    try:
        dbapi_connection.autocommit = True
        try:
            dbapi_connection.execute("SELECT 1")
        finally:
            dbapi_connection.autocommit = False
    except Exception as exc:  # psycopg.OperationalError and kin: the connection is unusable
        raise DisconnectionError(str(exc)) from exc


def configure(engine: Engine) -> None:
    """Install the ping on a PostgreSQL engine created without ``pool_pre_ping``."""
    event.listen(engine, "checkout", ping)
    event.listen(engine, "checkin", _given_back)


#: ``ConnectionRecord.info`` key: when the connection was last given back to the pool (monotonic).
_RETURNED = "capactif_returned"


def _given_back(_dbapi_connection: Any, record: Any) -> None:
    """Pool ``checkin`` hook: note when (see :func:`ping`)."""
    if record is not None:
        record.info[_RETURNED] = time.monotonic()


@contextmanager
def autocommit(conn: Connection) -> Iterator[Connection]:
    """``conn`` (outside any transaction) with each statement committed on its own.

    SQLAlchemy's ``begin()`` and ``commit()`` still frame the block (so the caller's code is the same
    as for a transaction); psycopg sends neither ``BEGIN`` nor ``COMMIT`` in autocommit mode.  When the
    connection is already inside a server transaction (it should not be), the block is an ordinary
    transaction: correct, only not faster.
    """
    raw: Any = conn.connection.dbapi_connection  # psycopg.Connection
    idle = raw is not None and not raw.info.transaction_status  # TransactionStatus.IDLE is 0
    if idle:
        raw.autocommit = True
    try:
        with conn.begin():
            yield conn
    finally:
        if idle:
            raw.autocommit = False


def refuse_writes(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    """``before_cursor_execute`` hook: inside :meth:`~engine.store.db.Store.reading`, only SELECT.

    A write there would be committed statement by statement on PostgreSQL (and not at all with the
    rest of a failing block); refusing it on both backends makes the mistake show in the tests, which
    mostly run on SQLite.
    """
    if conn.info.get(READING) and statement.lstrip()[:6].upper() != "SELECT":
        raise RuntimeError(f"a write inside Store.reading(): {statement.split(chr(10))[0][:80]}")


#: The working memory (``work_mem``) of a transaction that reads every fiche at once (:func:`roomy`).
WHOLE_STORE_WORK_MEM = "64MB"


def roomy(conn: Connection) -> None:
    """More working memory for the rest of this transaction (``SET LOCAL work_mem``), before a read of every
    fiche: ``capactif alerts`` joins 200,000 fiches with their projection, and at the server's default 4 MB
    the hash join spilled to temporary files in 8 batches (410 ms of execution, 280-330 ms in memory).
    Nothing inside :meth:`~engine.store.db.Store.reading` or in autocommit mode, where ``SET LOCAL`` would
    not outlast its own statement; the setting ends with the transaction."""
    raw: Any = conn.connection.dbapi_connection
    if conn.info.get(READING) or raw is None or raw.autocommit:
        return
    # on the driver's connection: a caller's stream_results option would wrap the SET in a server cursor
    raw.execute(f"SET LOCAL work_mem = '{WHOLE_STORE_WORK_MEM}'")
