"""Shared fixtures: the bundled network, and a fresh store on each backend (SQLite and PostgreSQL).

``store`` is parametrized over ``sqlite`` (a file in the test's tmp dir) and ``postgresql`` (a schema
of its own, in a database created for this test session and dropped at the end).  PostgreSQL is
``$CAPACTIF_TEST_PG`` or ``postgresql+psycopg://postgres@127.0.0.1:5432/test``.  With ``CI=true`` an
unreachable server fails the PostgreSQL tests; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from engine.store import db
from tests import browser as browser_support

PG_URL = os.environ.get("CAPACTIF_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))


@pytest.fixture(autouse=True)
def _language_from_the_test(monkeypatch):
    """Tests see capactif's default language (French) whatever $CAPACTIF_LANG the developer has set."""
    monkeypatch.delenv("CAPACTIF_LANG", raising=False)


@pytest.fixture(autouse=True)
def _terminal_width(monkeypatch):
    """Tables are laid out for 120 columns whatever the developer's terminal (tables follow $COLUMNS)."""
    monkeypatch.setenv("COLUMNS", "120")


@pytest.fixture
def english(monkeypatch):
    """The test reads English messages (the catalog's msgids): ``CAPACTIF_LANG=en`` for its duration.

    For tests of what routing decides, whose reasons are checked word for word in the language they are
    written in; the French of the same messages is checked by tests/test_french_output.py and the catalog.
    """
    monkeypatch.setenv("CAPACTIF_LANG", "en")


@pytest.fixture(scope="session")
def network():
    """The bundled Cap Actif network (rules and territory), loaded once."""
    from engine import network as net

    return net.load(None)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of its own for this test session (dropped at the end); its URL."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"capactif_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        reason = f"PostgreSQL unreachable at {db.display(PG_URL)}: {str(exc.orig).strip().splitlines()[0]}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: the PostgreSQL tests must run)")
        pytest.skip(reason)
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_schema_url(database_url: str) -> tuple[str, str]:
    """A new empty schema in the test database, and a URL whose connections use it."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def drop_schema(database_url: str, schema: str) -> None:
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path) -> Iterator[str]:
    """The URL of a fresh, migrated, empty store on each backend."""
    if request.param == "sqlite":
        url = str(tmp_path / "store.sqlite")
        db.open_store(url).dispose()
        yield url
        return
    database = request.getfixturevalue("pg_database")
    url, schema = pg_schema_url(database)
    store = db.Store(url, db.make_engine(url))
    db.upgrade(store)
    store.dispose()
    try:
        yield url
    finally:
        drop_schema(database, schema)


@pytest.fixture
def store(store_url) -> Iterator[db.Store]:
    """A fresh, migrated store on each backend (closed after the test)."""
    opened = db.open_store(store_url)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright: one browser per test module."""
    from playwright.sync_api import sync_playwright

    if browser_support.CHROMIUM is None:
        pytest.fail("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_support.CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            yield browser
        finally:
            browser.close()
