"""Read-only reads of a SQLite store with the standard library, for the start-up of read-only commands.

``capactif suggest fiche.yaml`` with a store needs three things from it: that its schema is the one
this capactif works with, the rules in force (``engine.published.resolve``) and the caseloads.
Importing SQLAlchemy and Alembic for those costs more than the whole rest of the command
(docs/performance.md), so for a SQLite file this module reads them with :mod:`sqlite3` and plain
SQL.  It answers only when everything is as expected — a SQLite file that exists, at the head
revision of the migrations shipped with capactif — and otherwise says ``None``: the caller then
opens the full :class:`~engine.store.db.Store`, which creates, refuses or explains exactly as
before.  PostgreSQL and every write always go through SQLAlchemy.

The SQL here mirrors :func:`engine.store.queries.caseload`;
``tests/test_store_lite.py`` checks that both give the same answers on the same stores.  The rules
in force are read over the same connection by :mod:`engine.published.lite`.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from engine import paths
from engine.vocabulary import ACTIVE_STAGES

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_BUSY_TIMEOUT_SECONDS = 30
_REVISION = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*['\"]([^'\"]+)['\"]\s*$", re.M)
_DOWN = re.compile(r"^down_revision(?:\s*:[^=]+)?\s*=\s*(None|['\"]([^'\"]+)['\"])\s*$", re.M)


def resolve_url(option: str | None = None) -> str:
    """The store URL: ``--db``, else ``$CAPACTIF_DB``, else the embedded SQLite file of the data dir."""
    value = option or os.environ.get("CAPACTIF_DB") or str(paths.default_store_file())
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().absolute())
    return value


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL; None for anything else (PostgreSQL, memory, options).

    Only the spelling :func:`resolve_url` gives a path, and the same written by hand, are read
    here: a URL with a query, escapes or another driver goes through SQLAlchemy's parser.
    """
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    database = url[len(prefix) :]
    if not database or database == ":memory:" or any(c in database for c in "?%#"):
        return None
    return Path(database)


@cache
def head_revision() -> str | None:
    """The head of the shipped migrations, read from their ``revision``/``down_revision`` lines.

    None when a file does not say them plainly (a merge, a computed value): Alembic then decides.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in VERSIONS.glob("*.py"):
        text = script.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(text), _DOWN.findall(text)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0][0] != "None":
            parents.add(down[0][1])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


class LiteStore:
    """A SQLite store opened with :mod:`sqlite3` for reading, known to be at the head revision."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path

    def caseload(self) -> dict[str, int]:
        """Active fiches per structure as lead: :func:`engine.store.queries.caseload`."""
        marks = ", ".join("?" for _ in ACTIVE_STAGES)
        rows = self.connection.execute(
            f"SELECT lead, count(*) FROM fiches WHERE lead IS NOT NULL AND stage IN ({marks}) "
            "GROUP BY lead ORDER BY lead",
            ACTIVE_STAGES,
        )
        return {lead: int(n) for lead, n in rows}

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every read in the block sees the same state of the store."""
        self.connection.execute("BEGIN")
        try:
            yield
        finally:
            self.connection.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (the last one to close a WAL database checkpoints and removes the -wal file)."""
        self.connection.close()


def open_lite(url: str | None = None) -> LiteStore | None:
    """The store at ``url`` opened with :mod:`sqlite3` when it is a SQLite file at the head revision, else None.

    None also for a file that does not exist (never created here), an empty one, one at another
    revision or unreadable: :func:`engine.store.db.open_store` then does what it always did.
    """
    path = sqlite_file(resolve_url(url))
    head = head_revision()
    if path is None or head is None or not path.is_file():
        return None
    try:
        connection = sqlite3.connect(
            f"file:{_uri_path(path)}?mode=rw", uri=True, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None
        )
    except sqlite3.Error:
        return None
    try:
        revisions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        connection.close()
        return None
    if [r[0] for r in revisions] != [head]:
        connection.close()
        return None
    return LiteStore(connection, path)


def _uri_path(path: Path) -> str:
    """``path`` for a ``file:`` URI (``?`` and ``#`` in a name must not end it)."""
    return str(path.absolute()).replace("%", "%25").replace("?", "%3f").replace("#", "%23")
