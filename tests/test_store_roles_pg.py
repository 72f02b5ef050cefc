"""PostgreSQL only: the application's role may insert events but never update or delete one
(capactif db roles), and a db verify running while people write reports nothing false."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, delete, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from cli import main
from engine.fiche import Fiche
from engine.store import access, db, repository
from engine.store import events as ev
from engine.store.schema import events
from engine.store.verify import verify
from tests.conftest import drop_schema, pg_schema_url

pytestmark = pytest.mark.postgres
COORD = access.Viewer(access.COORDINATOR)
CMA = access.Viewer("cma-63")
DAY = dt.date(2026, 3, 2)


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


@pytest.fixture
def pg_url(pg_database):
    """A migrated schema of its own on the test server."""
    url, schema = pg_schema_url(pg_database)
    store = db.Store(url, db.make_engine(url))
    db.upgrade(store)
    store.dispose()
    yield url
    drop_schema(pg_database, schema)


def add(store, network, n: int = 1) -> list[str]:
    data = {"received": DAY.isoformat(), "received_by": "cma-63", "commune": "63003", "kind": "creation",
            "naf": "10.71C", "porteur": {"name": "Jeanne Martin"}}  # fmt: skip
    fiches = [Fiche.model_validate(data, context=network.fiche_context()) for _ in range(n)]
    with store.transaction() as conn:
        changes = repository.add_fiches(conn, fiches, who=COORD, network=network, at=DAY)
        for c in changes:
            repository.assign_fiche(conn, c.fiche, who=COORD, network=network, lead="cma-63", at=DAY)
    return [c.fiche for c in changes]


def test_the_application_role_is_refused_an_update_of_an_event(pg_url, pg_database, network):
    """db roles grants events SELECT/INSERT only: the role writes fiches and events, UPDATE/DELETE are refused."""
    role = f"capactif_app_{uuid.uuid4().hex[:8]}"
    try:
        result = run("db", "roles", "--role", role, "--db", pg_url)
        assert result.exit_code == 0, result.output
        assert f"{role} peut ajouter des événements, jamais les modifier ni les supprimer." in result.output
        app_url = make_url(pg_url).set(username=role).render_as_string(hide_password=False)
        app = db.open_store(app_url)
        try:
            (fiche_id,) = add(app, network)  # inserts events, updates fiches and the chain's head
            for statement in (
                update(events).where(events.c.fiche_id == fiche_id).values(by="adie"),
                delete(events).where(events.c.fiche_id == fiche_id),
            ):
                with pytest.raises(DBAPIError, match="permission denied"), app.transaction() as conn:
                    conn.execute(statement)
            assert run("db", "verify", "--db", app_url).exit_code == 0
        finally:
            app.dispose()
    finally:
        admin = create_engine(pg_database, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_db_roles_on_sqlite_says_what_protects_the_file(tmp_path):
    """No roles in SQLite: exit 2 and what to do instead."""
    result = run("db", "roles", "--db", str(tmp_path / "s.sqlite"))
    assert result.exit_code == 2
    assert "un store SQLite n'a pas de rôles" in result.output


def test_a_verify_during_writes_reports_nothing_false(pg_url, network):
    """One thread writes notes, moves and assignments while another verifies again and again: never a difference."""
    store = db.open_store(pg_url)
    try:
        ids = add(store, network, 4)
        results: list[list[str]] = []
        start = threading.Barrier(2)

        def write() -> None:
            start.wait()
            for round_ in range(12):
                for fiche_id in ids:
                    with store.transaction(fiche_id) as conn:
                        repository.note_fiche(conn, fiche_id, f"appel {round_}", who=CMA, at=DAY, today=DAY)
                        if round_ == 3:
                            repository.move_fiche(conn, fiche_id, "start_study", who=CMA, network=network, at=DAY,
                                                  today=DAY)  # fmt: skip
                        if round_ % 4 == 1:
                            repository.assign_fiche(conn, fiche_id, who=COORD, network=network,
                                                    supports=["pfil-ambert"] if round_ % 8 == 1 else [],
                                                    remove_supports=[] if round_ % 8 == 1 else ["pfil-ambert"],
                                                    at=DAY)  # fmt: skip

        def check() -> None:
            start.wait()
            for _ in range(8):
                with store.transaction(snapshot=True) as conn:
                    results.append([str(d) for d in verify(conn).differences])

        threads = [threading.Thread(target=write), threading.Thread(target=check)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results and all(r == [] for r in results), results
        with store.transaction() as conn:
            kinds = set(conn.execute(text("SELECT DISTINCT kind FROM events")).scalars())
        assert {ev.NOTE, ev.STAGE_CHANGED, ev.SUPPORT_ASSIGNED} <= kinds
    finally:
        store.dispose()
