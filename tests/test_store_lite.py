"""The start-up reads of a SQLite store with ``sqlite3`` (engine.store.lite, engine.published.lite).

``capactif suggest fiche.yaml`` with a SQLite store reads its schema revision, the rules in force and
the caseloads without SQLAlchemy or Alembic (docs/performance.md).  These tests hold the fast path
to the answers of the SQLAlchemy path on the same stores, check that anything unusual (no file, an
old revision, PostgreSQL) still goes through ``open_store`` with the same result as before, and that
the command really does not import SQLAlchemy.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from cli import main
from engine import paths
from engine.app import Workspace
from engine.app.suggest import stored_caseload, suggest_fiches
from engine.published import repository as repo
from engine.published.lite import LiteReads
from engine.store import db, lite, queries

ROOT = Path(__file__).resolve().parent.parent
FICHE = ROOT / "tests" / "data" / "fiches" / "bakery-ambert.yaml"
PUBLICATION_COLUMNS = "id version published_at published_by message decision_id tests_total tests_failed forced"


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": "", "CAPACTIF_RULES": "", "CAPACTIF_LANG": "en"})


@pytest.fixture(autouse=True)
def own_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("CAPACTIF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CAPACTIF_HOME", str(tmp_path / "home"))
    for name in ("CAPACTIF_RULES", "CAPACTIF_DB", "CAPACTIF_AS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Path:
    """A store with a synthetic year: fiches at every stage, many leads (the caseloads to compare)."""
    path = tmp_path_factory.mktemp("lite") / "demo.sqlite"
    result = CliRunner().invoke(main, ["demo", "--fiches", "150", "--seed", "11", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


def copy_of(store: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store.sqlite"
    shutil.copyfile(store, target)
    return target


def sqlalchemy_reads(path: Path) -> tuple[str | None, dict[str, int], repo.Publication | None]:
    store = db.open_store(str(path))
    try:
        with store.transaction() as conn:
            return db.current_revision(conn), queries.caseload(conn), repo.in_force(conn)
    finally:
        store.dispose()


def test_the_head_revision_is_alembic_s():
    from alembic.script import ScriptDirectory

    alembic_s = ScriptDirectory.from_config(db.alembic_config()).get_current_head()
    assert lite.head_revision() == db.head_revision() == alembic_s


def test_the_current_revision_is_what_alembic_reads(store_url):
    """``db.current_revision`` reads alembic's table without Alembic: the same answer at the head, at an
    older revision, with the table empty and without it (both backends)."""
    from alembic.runtime.migration import MigrationContext

    store = db.open_store(store_url)
    try:
        with store.transaction() as conn:
            answers = []
            for change in (
                None,
                "UPDATE alembic_version SET version_num = '0710'",
                "DELETE FROM alembic_version",
                "DROP TABLE alembic_version",
            ):
                if change:
                    conn.execute(text(change))
                answers.append((db.current_revision(conn), MigrationContext.configure(conn).get_current_revision()))
            conn.rollback()
    finally:
        store.dispose()
    assert answers == [(db.head_revision(),) * 2, ("0710", "0710"), (None, None), (None, None)]


def test_the_sqlite3_reads_give_what_sqlalchemy_reads(demo_store, tmp_path):
    """Revision, caseloads and rules in force, before and after a publication (and a second one)."""
    path = copy_of(demo_store, tmp_path)
    for publications in range(3):
        revision, caseload, in_force = sqlalchemy_reads(path)
        quick = lite.open_lite(str(path))
        assert quick is not None
        try:
            assert revision == lite.head_revision()
            assert caseload and sum(caseload.values()) > 10  # the demo's leads: a real comparison
            assert quick.caseload() == caseload
            reads = LiteReads(quick.connection)
            assert reads.in_force() == in_force
            if in_force is not None:
                store = db.open_store(str(path))
                with store.transaction() as conn:
                    assert reads.set_digest(in_force.version) == repo.find_set(conn, in_force.version).digest
                    assert reads.set_files(in_force.version) == repo.set_files(conn, in_force.version)
                store.dispose()
        finally:
            quick.close()
        assert (in_force is None) == (publications == 0)
        rules = paths.bundled("rules") if publications < 2 else changed_rules(tmp_path)
        published = run("rules", "publish", str(rules), "-m", "règles", "--as", "coordinator", "--db", str(path))
        assert published.exit_code == 0, published.output


def changed_rules(tmp_path: Path) -> Path:
    target = tmp_path / "changed"
    shutil.copytree(paths.bundled("rules"), target)
    cci = target / "structures" / "cci-ambert.yaml"
    cci.write_text(cci.read_text().replace("natures: [commercial]", "natures: [commercial, liberal]"))
    return target


def test_suggest_routes_alike_on_both_paths(demo_store, tmp_path):
    """The workspace's fast reads and the full store give the same caseloads, rules and suggestions."""
    path = copy_of(demo_store, tmp_path)
    changed = str(changed_rules(tmp_path))
    published = run("rules", "publish", changed, "-m", "r", "--as", "coordinator", "--db", str(path))
    assert published.exit_code == 0, published.output
    with Workspace.open(db=str(path)) as fast, Workspace.open(db=str(path)) as full:
        full.store  # noqa: B018 - opened first: every read then goes through SQLAlchemy
        assert stored_caseload(fast) == stored_caseload(full)
        assert fast.rules_choice == full.rules_choice
        assert not fast.store_opened
        a = suggest_fiches(fast, [str(FICHE)]).to_dict()
        b = suggest_fiches(full, [str(FICHE)]).to_dict()
        assert a == b
        assert not fast.store_opened


def test_a_store_to_upgrade_is_refused_as_before(demo_store, tmp_path):
    """An older revision: no fast path, and the same refusal (exit 2, 'db upgrade') as open_store's."""
    path = copy_of(demo_store, tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0550'")
    conn.close()
    assert lite.open_lite(str(path)) is None
    result = run("suggest", str(FICHE), "--db", str(path))
    assert result.exit_code == 2
    assert "capactif db upgrade" in result.output and "0550" in result.output


def test_no_file_is_created_by_the_fast_path(tmp_path):
    missing = tmp_path / "none.sqlite"
    assert lite.open_lite(str(missing)) is None
    assert not missing.exists()


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://postgres@127.0.0.1:5432/test", "sqlite://", "sqlite:///:memory:", "sqlite:///a.db?mode=ro"],
)
def test_anything_but_a_plain_sqlite_file_goes_through_sqlalchemy(url):
    assert lite.open_lite(url) is None


def test_an_empty_file_is_created_as_before(tmp_path):
    """A configured but empty SQLite file is given its schema by open_store, as it always was."""
    path = tmp_path / "new.sqlite"
    path.touch()
    assert lite.open_lite(str(path)) is None
    result = run("suggest", str(FICHE), "--db", str(path))
    assert result.exit_code == 0, result.output
    assert lite.open_lite(str(path)) is not None


def test_the_workspace_reads_sqlite_files_quickly_and_postgresql_through_sqlalchemy(store_url):
    """Both backends give the caseloads; only a SQLite file is read without opening the full store."""
    sqlite_file = not store_url.startswith("postgresql")
    with Workspace.open(db=store_url) as ws:
        with ws.quick_reads() as quick:
            assert (quick is not None) == sqlite_file
        assert stored_caseload(ws) == {}
        assert ws.rules_choice.in_force is None
        assert ws.store_opened != sqlite_file


def started_modules(tmp_path: Path, env: dict[str, str]) -> tuple[int, list[str], str]:
    """Run ``capactif suggest FICHE`` in a new interpreter; its exit code, the SQL modules it imported (and the
    contact validators: the fiche's e-mail has the common shape ``engine.fiche`` checks without them), its output."""
    code = (
        "import sys, json\n"
        "from cli import main\n"
        "try:\n"
        f"    main([{'suggest'!r}, {str(FICHE)!r}])\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
        "watched = {'sqlalchemy', 'alembic', 'psycopg', 'mako', 'email_validator', 'phonenumbers'}\n"
        "names = sorted({m.split('.')[0] for m in sys.modules} & watched)\n"
        "print(json.dumps({'status': status, 'modules': names}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["status"], report["modules"], done.stdout


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAPACTIF_")}
    return {**env, "CAPACTIF_HOME": str(tmp_path / "home"), "CAPACTIF_CACHE": str(tmp_path / "cache"),
            "PYTHONPATH": str(ROOT)}  # fmt: skip


def test_suggest_with_a_sqlite_store_imports_no_sqlalchemy(demo_store, tmp_path):
    path = copy_of(demo_store, tmp_path)
    status, modules, output = started_modules(tmp_path, {**base_env(tmp_path), "CAPACTIF_DB": str(path)})
    assert status == 0, output
    assert modules == []
    assert "cma-63" in output
    assert not Path(str(path) + "-wal").exists()  # closed cleanly: the store file alone


def test_suggest_without_a_store_imports_no_sqlalchemy(tmp_path):
    status, modules, output = started_modules(tmp_path, base_env(tmp_path))
    assert status == 0, output
    assert modules == []


def test_suggest_with_a_store_to_upgrade_uses_sqlalchemy_to_say_so(demo_store, tmp_path):
    """The fallback really is the full store (the subprocess imports SQLAlchemy; Alembic is no longer
    needed to read the revision and say which command upgrades it)."""
    path = copy_of(demo_store, tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0550'")
    conn.close()
    status, modules, _output = started_modules(tmp_path, {**base_env(tmp_path), "CAPACTIF_DB": str(path)})
    assert status == 2
    assert "sqlalchemy" in modules


def test_the_store_s_tables_are_what_the_fast_path_reads(demo_store, tmp_path):
    """The plain SQL of the fast path names real columns (a migration renaming one breaks this test)."""
    store = db.open_store(str(copy_of(demo_store, tmp_path)))
    with store.transaction() as conn:
        for table, columns in {
            "fiches": {"lead", "stage"},
            "rules_publications": {*PUBLICATION_COLUMNS.split(), "force_reason"},
            "rules_sets": {"version", "digest"},
            "rules_set_files": {"version", "path", "digest"},
            "rules_blobs": {"digest", "content"},
        }.items():
            names = {row[1] for row in conn.execute(text(f"PRAGMA table_info({table})"))}
            assert columns <= names, table
    store.dispose()


def test_a_cold_suggest_reads_no_installed_distribution_s_entry_points(tmp_path):
    """pydantic's plugin search reads every installed distribution's entry points when the first model is
    built (tens of ms of a cold start): the command line turns it off, and nothing else reads them."""
    code = (
        "import importlib.metadata as md, json, sys\n"
        "calls = []\n"
        "real = md.entry_points\n"
        "md.entry_points = lambda *a, **k: calls.append(1) or real(*a, **k)\n"
        "from cli import main\n"
        "try:\n"
        f"    main([{'suggest'!r}, {str(FICHE)!r}])\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
        "print(json.dumps({'status': status, 'calls': len(calls)}))\n"
    )
    env = {k: v for k, v in base_env(tmp_path).items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"status": 0, "calls": 0}, done.stdout + done.stderr
