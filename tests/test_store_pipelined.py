"""``bulk.pipelined``: on PostgreSQL a bulk ``COPY`` runs in a thread while the caller makes the next rows; the
order of the statements, what is stored and the errors are those of the plain path (issue 19, fiche import).
On SQLite the block changes nothing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from engine.store import bulk
from engine.store.schema import fiche_projection, fiches

NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)


def fiche_rows(n: int, start: int = 1) -> list[dict]:
    return [
        {"id": f"F-2026-{i:04d}", "year": 2026, "number": i, "received": dt.date(2026, 1, 2), "received_by": None,
         "summary": "", "porteur_name": None, "porteur_email": None, "porteur_phone": None, "consent_network": False,
         "commune": "63003", "local_network": None, "kind": "creation", "naf": None, "nature": None,
         "employees": None, "artisan_registered": None, "farm_link": None, "needs": [], "publics": [],
         "stage": "idea", "lead": None, "installed_on": None, "follow_up_by": None, "held_from": None,
         "offer": None, "orphan": False, "version": 1, "created_at": NOW, "updated_at": NOW}
        for i in range(start, start + n)
    ]  # fmt: skip


def projection_rows(ids: list[str]) -> list[dict]:
    return [
        {"fiche_id": i, "last_event": dt.date(2026, 1, 2), "lead_since": None, "assignment_since": None,
         "follow_up_set": None, "lead_assignments": 0, "lead_history": None, "shared": None,
         "last_change": dt.date(2026, 1, 2), "later": None}
        for i in ids
    ]  # fmt: skip


def test_copies_run_in_turn_beside_the_caller_and_every_statement_waits(store):
    """Parents then children (their foreign keys hold), a statement in between sees every row."""
    rows = fiche_rows(100)
    threads: list[str] = []
    with store.transaction() as conn, bulk.pipelined(conn):
        bulk.insert_rows(conn, fiches, rows)
        pipeline = bulk._PIPELINE.get()
        if store.engine.dialect.name == "postgresql":
            assert pipeline is not None and pipeline.running is not None  # the COPY went to its thread
            threads.append(pipeline.running.name)
        else:
            assert pipeline is None  # SQLite: nothing changes
        bulk.insert_rows(conn, fiche_projection, projection_rows([r["id"] for r in rows]))
        assert conn.execute(select(func.count()).select_from(fiches)).scalar_one() == 100
        assert conn.execute(select(func.count()).select_from(fiche_projection)).scalar_one() == 100
    if store.engine.dialect.name == "postgresql":
        assert threads == ["copy fiches"] and threading.current_thread().name == "MainThread"
    with store.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(fiche_projection)).scalar_one() == 100


def test_an_error_of_a_copy_is_raised_in_the_caller_and_nothing_is_written(store):
    """A child row of no fiche: the COPY's own error (not a later 'transaction aborted'), and a rollback."""
    with pytest.raises(Exception) as raised, store.transaction() as conn, bulk.pipelined(conn):
        bulk.insert_rows(conn, fiches, fiche_rows(40))
        bulk.insert_rows(conn, fiche_projection, projection_rows([f"F-2026-{i:04d}" for i in range(900, 940)]))
        conn.execute(select(func.count()).select_from(fiches)).scalar_one()
    assert "foreign key" in str(raised.value).lower() or "FOREIGN KEY" in str(raised.value)
    assert "aborted" not in str(raised.value)
    with store.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(fiches)).scalar_one() == 0


def test_the_end_of_the_block_raises_the_last_copys_error(store):
    with pytest.raises(Exception) as raised, store.transaction() as conn, bulk.pipelined(conn):
        bulk.insert_rows(conn, fiche_projection, projection_rows([f"F-2026-{i:04d}" for i in range(1, 41)]))
    assert "foreign key" in str(raised.value).lower()
    with store.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(fiche_projection)).scalar_one() == 0
