"""The ``fiches`` indexes of an upgraded store are the schema's, and a filter on ``lead`` or ``received_by``
alone still reads an index after migration 0750 dropped their single-column ones (issue 19)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from engine.store import db, queries
from engine.store.schema import fiches


@pytest.fixture
def lite(tmp_path):
    """A fresh SQLite store: the query plans below are SQLite's (PostgreSQL chooses by its statistics)."""
    opened = db.open_store(str(tmp_path / "store.sqlite"))
    yield opened
    opened.dispose()


def plan(store: db.Store, query) -> str:
    with store.engine.connect() as conn:
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        return " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


def test_the_upgraded_indexes_are_the_schemas(store):
    with store.engine.connect() as conn:
        found = {ix["name"] for ix in inspect(conn).get_indexes("fiches")}
    declared = {ix.name for ix in fiches.indexes}
    assert found - {"uq_fiches_year_number"} == declared
    assert "ix_fiches_lead" not in found and "ix_fiches_received_by" not in found
    assert {"ix_fiches_lead_received", "ix_fiches_received_by_received"} <= found


@pytest.mark.parametrize(
    "where",
    [
        queries.ListFilter(lead="cma-63"),
        queries.ListFilter(no_lead=True),
        queries.ListFilter(lead="cma-63", stages=["idea"]),
    ],
)
def test_a_filter_on_the_lead_reads_an_index(lite, where):
    assert "USING INDEX ix_fiches_lead_" in plan(lite, where.where(select(fiches.c.id)))


def test_a_filter_on_who_received_reads_an_index(lite):
    query = select(fiches.c.id).where(fiches.c.received_by == "cma-63")
    assert "USING INDEX ix_fiches_received_by_" in plan(lite, query)
