"""Reads and one-statement writes without transaction round trips on PostgreSQL (engine.store.pg).

``Store.reading()`` is what every web page reads in: on PostgreSQL its statements run in autocommit
mode (READ COMMITTED gives each statement its own snapshot anyway), so it must refuse a write, which
would not be atomic with the rest of the block.  The pool's ping replaces a connection the server
closed, as ``pool_pre_ping`` did.  On both backends where it applies.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.exc import DisconnectionError

from engine.store import db, pg
from engine.store.schema import fiche_sequences
from tests.conftest import drop_schema, pg_schema_url


@pytest.fixture
def pg_store(pg_database) -> Iterator[db.Store]:
    """A fresh, migrated store on PostgreSQL only."""
    url, schema = pg_schema_url(pg_database)
    store = db.Store(url, db.make_engine(url))
    db.upgrade(store)
    try:
        yield store
    finally:
        store.dispose()
        drop_schema(pg_database, schema)


def _years(store) -> list[int]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(fiche_sequences.c.year)).scalars())


def test_reading_reads_and_refuses_a_write_leaving_nothing_written(store):
    with store.transaction() as conn:
        conn.execute(insert(fiche_sequences).values(year=2025, last=3))
    with store.reading() as conn:
        assert conn.execute(select(func.count()).select_from(fiche_sequences)).scalar_one() == 1
    with pytest.raises(RuntimeError, match=r"write inside Store\.reading"), store.reading() as conn:
        conn.execute(insert(fiche_sequences).values(year=2026, last=1))
    assert _years(store) == [2025]
    with store.transaction() as conn:  # the connection is usable for writes again afterwards
        conn.execute(insert(fiche_sequences).values(year=2027, last=1))
    assert sorted(_years(store)) == [2025, 2027]


def test_reading_on_one_held_connection_between_transactions(store):
    """A web request: session, rules, use case, access log on one held connection, in turn."""
    with store.one_connection():
        with store.reading() as conn:
            conn.execute(select(fiche_sequences.c.year)).all()
        with store.transaction() as conn:
            conn.execute(insert(fiche_sequences).values(year=2026, last=1))
        with store.one_statement() as conn:
            conn.execute(insert(fiche_sequences).values(year=2027, last=1))
        with store.reading() as conn:
            assert sorted(conn.execute(select(fiche_sequences.c.year)).scalars()) == [2026, 2027]
    with pytest.raises(RuntimeError), store.one_connection(), store.transaction() as conn:
        conn.execute(insert(fiche_sequences).values(year=2028, last=1))
        raise RuntimeError("the use case fails")
    assert sorted(_years(store)) == [2026, 2027]  # a failed transaction on the held connection: nothing


@pytest.mark.postgres
def test_on_postgresql_reading_and_one_statement_open_no_server_transaction(pg_store):
    """No BEGIN, no COMMIT: after a statement the server holds no transaction (and the ordinary
    transaction, the control, does)."""
    with pg_store.one_connection():
        with pg_store.reading() as conn:
            conn.execute(select(fiche_sequences.c.year)).all()
            assert not conn.connection.dbapi_connection.info.transaction_status  # IDLE
        with pg_store.one_statement() as conn:
            conn.execute(insert(fiche_sequences).values(year=2026, last=1))
            assert not conn.connection.dbapi_connection.info.transaction_status
        with pg_store.transaction() as conn:
            conn.execute(select(fiche_sequences.c.year)).all()
            assert conn.connection.dbapi_connection.info.transaction_status  # INTRANS
    assert _years(pg_store) == [2026]


@pytest.mark.postgres
def test_on_postgresql_a_connection_the_server_closed_is_replaced_at_checkout(pg_store, monkeypatch):
    """A server restart or an idle timeout kills pooled connections: the next request still works.

    (A connection is pinged once it rested ``pg.RESTED`` seconds in the pool: here, at once.)"""
    monkeypatch.setattr(pg, "RESTED", 0.0)
    admin = create_engine(pg_store.url.split("?")[0], isolation_level="AUTOCOMMIT")
    try:
        with pg_store.reading() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
        with pg_store.reading() as conn:  # the pooled connection is dead: the ping takes another
            second = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first
    finally:
        admin.dispose()


@pytest.mark.postgres
def test_on_postgresql_only_a_connection_that_rested_is_pinged(pg_store):
    """A busy server takes the same connection back every few milliseconds: it is not pinged again
    (one round trip saved a page); one that rested ``pg.RESTED`` seconds is, and a dead one is refused."""
    import time
    from types import SimpleNamespace

    with pg_store.engine.connect() as conn:
        dead = conn.connection.dbapi_connection
        conn.invalidate()  # closes the psycopg connection: any statement on it now fails
    just_back = SimpleNamespace(info={"capactif_returned": time.monotonic()})
    rested = SimpleNamespace(info={"capactif_returned": time.monotonic() - pg.RESTED - 1})
    pg.ping(dead, just_back, None)  # not asked: no round trip
    with pytest.raises(DisconnectionError):
        pg.ping(dead, rested, None)
    with pytest.raises(DisconnectionError):
        pg.ping(dead, SimpleNamespace(info={}), None)  # never given back yet: asked


def test_a_pool_sized_for_the_threads_opens_no_connection_after_the_first_ones(store_url):
    """A web worker's threads each hold a connection for their page: with the pool sized for them, the
    connections are opened once, not opened and closed again every few pages (on PostgreSQL a new server
    process each time).  ``capactif serve`` sizes it from ``--threads``."""
    import threading

    from sqlalchemy import event

    from web.app import create_app

    store = db.open_store(store_url, pool_size=8)
    opened: list[int] = []
    event.listen(store.engine, "connect", lambda *_args: opened.append(1))
    together = threading.Barrier(8)

    def page() -> None:
        with store.one_connection(), store.reading() as conn:
            together.wait(timeout=30)  # eight pages hold a connection at the same moment
            conn.execute(select(1)).all()

    def eight_pages() -> int:
        threads = [threading.Thread(target=page) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return len(opened)

    try:
        first = eight_pages()
        assert eight_pages() == eight_pages() == first  # SQLAlchemy's default pool (5 kept) opened 3 more each time
    finally:
        store.dispose()
    app = create_app(store_url, threads=3)
    try:
        assert app.state.ws.store.engine.pool.size() == 5  # the threads, and two for the rest
    finally:
        app.state.ws.close()


def test_a_pool_size_is_accepted_for_an_in_memory_sqlite_store_too():
    """A server over an in-memory SQLite store (a trial) starts: that store lives in one connection."""
    engine = db.make_engine("sqlite://", pool_size=10)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(1)).scalar_one() == 1
    finally:
        engine.dispose()


def test_on_postgresql_a_whole_store_read_has_more_memory_for_its_transaction_only(pg_store):
    """``load_views`` of every fiche raises ``work_mem`` for its transaction (SET LOCAL), never inside
    ``reading()`` (autocommit: a SET would be refused there and would not last); afterwards the default."""
    from engine.readmodel import load_views

    def work_mem(conn):
        return conn.exec_driver_sql("SELECT current_setting('work_mem')").scalar_one()

    with pg_store.transaction() as conn:
        default = work_mem(conn)
        load_views(conn, date.today(), local_networks={})
        assert work_mem(conn) == pg.WHOLE_STORE_WORK_MEM != default
    with pg_store.reading() as conn:
        load_views(conn, date.today(), local_networks={})  # no SET: refuse_writes would raise
        assert work_mem(conn) == default
    with pg_store.transaction() as conn:
        assert work_mem(conn) == default
        load_views(conn, date.today(), local_networks={}, ids=["F-2026-0001"])  # a few fiches: no SET
        assert work_mem(conn) == default
