"""engine.store.bulk stores rows exactly as ``conn.execute(insert(table), rows)`` does, on both backends.

Two copies of the same rows (ids apart) go in, one through SQLAlchemy's executemany and one through
the bulk path (the driver's executemany on SQLite, COPY on PostgreSQL); what the database holds for
them, read raw through the driver and through SQLAlchemy, is the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, insert, select

from engine.store import bulk
from engine.store.schema import events, fiche_projection, fiches, personal_data

COUNT = bulk.THRESHOLD + 8
NOW = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)


def fiche_row(fiche_id: str, i: int, offset: int) -> dict[str, Any]:
    return {
        "id": fiche_id, "year": 2026, "number": offset + i, "received": dt.date(2026, 1, 1) + dt.timedelta(days=i),
        "received_by": "cma-63" if i % 2 else None, "summary": f"Fournil « bio » n°{i}", "porteur_name": None,
        "porteur_email": "a@b.fr" if i % 3 else None, "porteur_phone": None, "consent_network": bool(i % 2),
        "commune": "63003", "local_network": None, "kind": "creation", "naf": None, "nature": "artisanal",
        "employees": i if i % 4 else None, "artisan_registered": None if i % 5 else True, "farm_link": None,
        "needs": ["premises", "grant"][: i % 3], "publics": [], "stage": "idea", "lead": None,
        "installed_on": dt.date(2026, 6, 1) if i % 7 == 0 else None, "follow_up_by": None, "held_from": None,
        "offer": None, "orphan": i % 6 == 0, "version": 1, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip


def rows_for(prefix: str, offset: int) -> dict[Table, list[dict[str, Any]]]:
    ids = [f"F-2026-{prefix}{i:03d}" for i in range(COUNT)]
    return {
        fiches: [fiche_row(fiche_id, i, offset) for i, fiche_id in enumerate(ids)],
        personal_data: [
            {"key": f"{prefix}{i:031d}", "fiche_id": fiche_id, "salt": "ab" * 16, "value": f"Hélène {i}\n'\"\\"}
            for i, fiche_id in enumerate(ids)
        ],
        events: [
            {
                "fiche_id": fiche_id,
                "version": 1,
                "kind": "created",
                "at": dt.date(2026, 1, 2),
                "recorded_at": NOW,
                "by": None if i % 2 else "cma-63",
                "actor": "coordinator",
                "account": None,
                "payload": {"fiche": {"summary": "", "needs": ["é", None, 1.5, True]}, "$personal": {}},
                "seq": offset + i,
                "hash": f"{i:064d}",
            }
            for i, fiche_id in enumerate(ids)
        ],
        fiche_projection: [
            {
                "fiche_id": fiche_id,
                "last_event": dt.date(2026, 1, 2),
                "lead_since": None,
                "assignment_since": dt.date(2026, 1, 3) if i % 2 else None,
                "follow_up_set": dt.date(2026, 1, 2),
                "lead_assignments": i % 3,
                "lead_history": [["2026-01-03", "cma-63"]] if i % 3 else None,
                "shared": None,
            }
            for i, fiche_id in enumerate(ids)
        ],
    }


def stored(conn: Any, table: Table, prefix: str) -> tuple[list[Any], list[Any]]:
    """The rows of one copy, read raw (driver values) and through SQLAlchemy, ids and keys made alike."""
    key = table.c.key if table is personal_data else table.c.fiche_id if "fiche_id" in table.c else table.c.id
    numbers = ("id", "seq") if table is events else ("number",)  # unique integers, different in each copy
    columns = [c for c in table.c if c.name not in numbers]
    names = ", ".join(f'"{c.name}"' for c in columns)
    pattern = f"{prefix}%" if table is personal_data else f"F-2026-{prefix}%"
    position = columns.index(key)
    everything = conn.exec_driver_sql(f"SELECT {names} FROM {table.name}").all()  # no LIKE: '%' is psycopg's
    raw = sorted((row for row in everything if str(row[position]).startswith(pattern[:-1])), key=lambda r: r[position])
    typed = conn.execute(select(*columns).where(key.like(pattern)).order_by(key)).all()

    def alike(rows: list[Any]) -> list[Any]:
        return [
            tuple(
                v.replace(f"F-2026-{prefix}", "F-2026-?").removeprefix(prefix) if isinstance(v, str) else v for v in row
            )
            for row in rows
        ]

    return alike(raw), alike(typed)


def test_bulk_rows_are_stored_as_sqlalchemy_stores_them(store):
    plain, fast = rows_for("A", 0), rows_for("B", 1000)
    with store.transaction() as conn:
        for table in (fiches, personal_data, events, fiche_projection):
            conn.execute(insert(table), plain[table])
            bulk.insert_rows(conn, table, fast[table])
        for table in (fiches, personal_data, events, fiche_projection):
            assert stored(conn, table, "A") == stored(conn, table, "B"), table.name
            assert len(stored(conn, table, "B")[0]) == COUNT


def test_rows_without_a_column_s_default_go_through_sqlalchemy(store):
    rows = rows_for("C", 2000)[fiches]
    for row in rows:
        del row["summary"]  # a Python-side default ("")
    with store.transaction() as conn:
        bulk.insert_rows(conn, fiches, rows)
        assert set(conn.execute(select(fiches.c.summary).where(fiches.c.id.like("F-2026-C%"))).scalars()) == {""}


def test_the_collector_is_paused_for_the_job_only_and_back_after_an_error():
    import gc

    assert gc.isenabled()
    with bulk.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with bulk.collector_paused():
            raise ValueError("bad row")
    except ValueError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a caller's pause is kept
    finally:
        gc.enable()


def test_what_a_job_leaves_alive_is_frozen_until_the_next_job_then_collected_as_usual():
    """The objects a paused job leaves alive are not traversed by the first collections after it (frozen);
    the next job unfreezes them, so a reference cycle dropped meanwhile is collected after that job."""
    import gc
    import weakref

    class Node:
        pass

    gc.collect()
    with bulk.collector_paused():
        kept = [Node() for _ in range(1000)]
        cycle = Node()
        cycle.me = cycle  # type: ignore[attr-defined]
        gone = weakref.ref(cycle)
    assert gc.get_freeze_count() >= len(kept)
    assert all(not gc.is_finalized(k) for k in kept)
    del cycle
    gc.collect()
    assert gone() is not None  # frozen: the collector does not look at it
    with bulk.collector_paused():
        assert gc.get_freeze_count() == 0  # unfrozen on entry, and collected once
        assert gone() is None
    assert kept[0] is not None


def test_an_import_refused_or_done_leaves_the_collector_running(store_url, tmp_path):
    import gc

    from engine.app import Workspace
    from engine.app import fiches as fiche_cases
    from engine.errors import InputError
    from engine.identity import Identity

    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("received,commune,kind\n2026-03-02,63003,creation\n", encoding="utf-8")
    bad.write_text("received,commune,kind\n2026-03-02,63003,nothing\n", encoding="utf-8")
    with Workspace.open(db=store_url) as ws:
        try:
            fiche_cases.import_file(ws, Identity("coordinator"), bad)
        except InputError:
            pass
        else:
            raise AssertionError("a bad row was imported")
        assert gc.isenabled()
        assert len(fiche_cases.import_file(ws, Identity("coordinator"), good).changes) == 1
        assert gc.isenabled()


def test_a_row_with_as_many_but_other_keys_goes_through_sqlalchemy(store, monkeypatch):
    """Rows of one size whose keys differ (a default column left out, another key given): SQLAlchemy's
    executemany gets them, as it did before the bulk path existed."""
    rows = rows_for("D", 3000)[fiches]
    del rows[5]["summary"]
    rows[5]["bogus"] = 1
    calls = []
    try:
        with store.transaction() as conn:
            real = conn.execute

            def spy(statement, parameters=None, *args, **kwargs):
                calls.append(parameters)
                return real(statement, parameters, *args, **kwargs)

            monkeypatch.setattr(conn, "execute", spy)
            bulk.insert_rows(conn, fiches, rows)
    except Exception:  # what SQLAlchemy makes of such rows is its own business (it refuses these)
        pass
    assert calls and calls[0] == rows


def test_sqlite_leaves_out_the_columns_null_in_every_row(store):
    """On SQLite a column no row fills is left out of the statement (NULL all the same, stored alike above)."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    rows = rows_for("D", 3000)[fiches]
    event.listen(store.engine, "before_cursor_execute", record)
    try:
        with store.transaction() as conn:
            bulk.insert_rows(conn, fiches, rows)
            lead = conn.execute(select(fiches.c.lead).where(fiches.c.id.like("F-2026-D%"))).scalars().all()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    assert lead == [None] * COUNT
    if store.engine.dialect.name == "sqlite":
        (statement,) = [s for s in seen if s.startswith("INSERT INTO fiches")]
        assert "lead" not in statement.split("VALUES")[0] and "porteur_phone" not in statement
        assert "received_by" in statement and "installed_on" in statement  # filled in some rows
    else:  # PostgreSQL: COPY from the driver's cursor, every column
        assert not [s for s in seen if s.startswith("INSERT INTO fiches")]
