"""A web request's transactions share one pooled connection (Store.one_connection) yet stay separate
transactions: what one commits is in the store before the next begins, a failed one rolls back alone,
and a transaction that needs its own settings or is opened inside another gets its own connection."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from engine.store.schema import fiche_sequences


def _years(conn) -> list[int]:
    return sorted(conn.execute(select(fiche_sequences.c.year)).scalars())


def test_transactions_share_the_connection_and_commit_each(store):
    with store.one_connection():
        with store.transaction() as first:
            first.execute(insert(fiche_sequences).values(year=2031, last=0))
        # committed: another connection (outside the shared one) sees it before the next transaction
        with store.engine.connect() as other:
            assert 2031 in _years(other)
        with store.transaction() as second:
            assert second is first
            assert 2031 in _years(second)
    with store.transaction() as after:  # the block is over: a connection of its own again
        assert after is not first


def test_a_failed_transaction_rolls_back_alone(store):
    with store.one_connection():
        with store.transaction() as conn:
            conn.execute(insert(fiche_sequences).values(year=2032, last=0))
        with pytest.raises(RuntimeError), store.transaction() as conn:
            conn.execute(insert(fiche_sequences).values(year=2033, last=0))
            raise RuntimeError("the use case failed")
        with store.transaction() as conn:  # the shared connection is usable again
            years = _years(conn)
    assert 2032 in years and 2033 not in years


def test_nested_and_special_transactions_get_their_own_connection(store):
    with store.one_connection():
        with store.transaction() as outer, store.transaction() as inner:
            assert inner is not outer
        with store.transaction(snapshot=True) as snap:
            assert snap is not outer
        with store.transaction(immediate=True) as immediate:
            assert immediate is not outer
        with store.transaction() as again:
            assert again is outer


def test_changed_options_are_not_carried_to_the_next_transaction(store):
    with store.one_connection():
        with store.transaction() as first:
            first.execution_options(yield_per=10)  # changes the Connection in place
        with store.transaction() as second:
            assert second is not first
            assert "yield_per" not in second.get_execution_options()


def test_one_statement_is_its_own_transaction_all_or_nothing(store):
    """Store.one_statement (the access log's write): committed when the block ends, and one multi-row
    statement is all or nothing (on SQLite it runs in autocommit: no BEGIN)."""
    with store.one_statement() as conn:
        conn.execute(insert(fiche_sequences).values([{"year": 2041, "last": 0}, {"year": 2042, "last": 0}]))
    with store.engine.connect() as other:
        assert {2041, 2042} <= set(_years(other))
    with pytest.raises(IntegrityError), store.one_statement() as conn:  # 2042 again: the whole statement fails
        conn.execute(insert(fiche_sequences).values([{"year": 2043, "last": 0}, {"year": 2042, "last": 1}]))
    with store.transaction() as conn:  # an ordinary transaction afterwards still begins and commits
        assert 2043 not in _years(conn)
        conn.execute(insert(fiche_sequences).values(year=2044, last=0))
    with store.engine.connect() as other:
        assert 2044 in _years(other)


def test_a_page_of_reads_is_logged_in_one_statement(store, network):
    """The access log of a list's page (20 fiches) is written whole, each line as before."""
    import datetime as dt

    from engine.app import Workspace
    from engine.app.audit import record_reads
    from engine.audit.log import entries
    from engine.identity import Identity

    ids = [f"F-2026-{n:04d}" for n in range(1, 21)]
    with Workspace.open(db=store.url) as ws:
        who = Identity.of_structure("cma-63", account="a@b.example", display_name="A")
        at = dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC)
        assert record_reads(ws, who, ids + ids[:3], "Mes fiches", now=at) == 20
        with ws.store.transaction() as conn:
            lines = [entries(conn, fiche_id) for fiche_id in ids]
    assert all(len(found) == 1 for found in lines)
    first = lines[0][0]
    assert (first.at, first.action, first.actor, first.account, first.via, first.detail) == (
        at,
        "read",
        "cma-63",
        "a@b.example",
        "web",
        "Mes fiches",
    )
