"""Where the store is, how to connect to it, and keeping its schema up to date.

The URL comes from ``--db``, else ``$CAPACTIF_DB``, else the embedded SQLite file
``<data dir>/capactif.sqlite`` (``$CAPACTIF_HOME`` moves the data dir).  A plain path is read as a
SQLite file.  A new SQLite file is created and migrated by the first command that opens it; an
existing database at an older schema revision is left alone and the user is told to run
``capactif db upgrade`` (a network's server is upgraded on purpose, not as a side effect).

SQLite runs in WAL mode with transactions started explicitly (``BEGIN`` on first use), so each
command is one real transaction and readers never block the writer.  When another command wrote
between this command's read and its write, SQLite refuses the write (``SQLITE_BUSY_SNAPSHOT``):
that is the same lost-update race the ``version`` column catches on PostgreSQL, and both become a
:class:`~engine.errors.ConflictError` with nothing written.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from engine.errors import ConflictError, EngineError
from engine.i18n import _
from engine.store import pg
from engine.store.group import GroupInsert
from engine.store.lite import resolve_url  # re-exported: where callers have always found it

MIGRATIONS = Path(__file__).parent / "migrations"

_SQLITE_BUSY = 5
_SQLITE_BUSY_SNAPSHOT = 517
_BUSY_TIMEOUT_SECONDS = 30


class StoreError(EngineError):
    """The store cannot be used as asked: bad URL, unreachable server, schema to upgrade."""


def display(url: str | URL) -> str:
    """A URL as shown to users: never the password."""
    return make_url(url).render_as_string(hide_password=True)


@dataclass
class Store:
    """An open store: the SQLAlchemy engine of one database, whose schema is up to date."""

    url: str
    engine: Engine
    #: The connection this thread's transactions reuse while :meth:`one_connection` is in force.
    _held: threading.local = field(default_factory=threading.local, repr=False, compare=False)
    #: One group commit per table appended to with :meth:`append` (see :mod:`engine.store.group`).
    _groups: dict[str, GroupInsert] = field(default_factory=dict, repr=False, compare=False)
    _groups_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def one_connection(self) -> Iterator[None]:
        """Within the block, this thread's transactions take turns on one pooled connection.

        A web request runs four or five short transactions one after the other (the session, the rules
        in force, the use case, the access log): each used to check a connection out of the pool and
        back in — on PostgreSQL with the pool's pre-ping, one more round trip each.  They stay separate
        transactions (each commits before the next begins: a read page never turns into a write that
        SQLite could refuse as stale); only the connection is shared.  A transaction asking for its own
        settings (``snapshot``, ``immediate``) or opened inside another one takes a connection of its own,
        and so does every transaction after one changed the shared connection's options in place (e.g. a
        replay's ``yield_per``).
        """
        if getattr(self._held, "conn", None) is not None:
            yield  # already inside one (nested use)
            return
        with self.engine.connect() as conn:
            self._held.conn, self._held.options = conn, conn.get_execution_options()
            try:
                yield
            finally:
                self._held.conn = None

    @contextmanager
    def one_statement(self) -> Iterator[Connection]:
        """A write of exactly ONE statement, that statement its own transaction.

        On SQLite the statement runs in autocommit (no ``BEGIN``): SQLite takes its write lock, writes
        and commits inside the one call that runs the statement, during which Python's other threads
        run.  In a ``BEGIN … COMMIT`` the lock stayed held while this thread waited for the GIL between
        the statements (milliseconds, behind the other requests' templates); the other writers, whose
        wait is SQLite's polling sleep (1, 2, 5, 10… ms), then lost again and again — the access log
        written at every display of a list gave the desk's lists their 0.3–1 s tail (issue 12).
        Atomic all the same: one statement is all or nothing.  PostgreSQL: in autocommit mode too, on
        this thread's held connection when there is one (no ``BEGIN`` or ``COMMIT`` round trip:
        :mod:`engine.store.pg`).
        """
        if self.backend != "sqlite":
            with self._connection() as conn, pg.autocommit(conn):
                yield conn
            return
        try:
            with self.engine.connect() as conn:
                conn.execution_options(capactif_begin=None)  # _sqlite_begin emits nothing
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise _translate(exc, None) from None

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A transaction that only reads (a page, a list): only SELECT statements may run in it.

        SQLite: an ordinary transaction, whose statements all read one snapshot.  PostgreSQL, at READ
        COMMITTED, gives each statement its own snapshot inside a transaction anyway: the statements run
        in autocommit mode, without the ``BEGIN`` and ``COMMIT`` round trips (:mod:`engine.store.pg`).
        A write inside is refused on both backends (it would not be atomic with the block on PostgreSQL).
        """
        if self.backend == "sqlite":
            with self.transaction() as conn:
                conn.info[pg.READING] = True
                try:
                    yield conn
                finally:
                    conn.info.pop(pg.READING, None)
            return
        try:
            with self._connection() as conn, pg.autocommit(conn):
                conn.info[pg.READING] = True
                try:
                    yield conn
                finally:
                    conn.info.pop(pg.READING, None)
        except OperationalError as exc:
            raise _translate(exc, None) from None

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """This thread's held connection when it can serve a new transaction, else one of the pool's."""
        held: Connection | None = getattr(self._held, "conn", None)
        if held is not None and not held.in_transaction() and held.get_execution_options() == self._held.options:
            yield held
            return
        with self.engine.connect() as conn:
            yield conn

    def append(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Append ``rows`` (at most :data:`engine.store.group.MAX_ROWS`) to ``table``, committed on return.

        For a log many threads write at once (the access log of the web desk): the rows of the threads
        of this process that append at the same moment are written by one statement, its own
        transaction, so they wait for each other in Python and not in SQLite's polling busy handler.
        All or nothing for each caller; a caller's rows are never written with a failure of another's.
        """
        with self._groups_lock:
            group = self._groups.get(table.name)
            if group is None:
                group = self._groups[table.name] = GroupInsert(table, self.one_statement)
        group.insert(rows)

    @contextmanager
    def transaction(
        self, fiche: str | None = None, *, snapshot: bool = False, immediate: bool = False
    ) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back entirely on any error.

        ``fiche`` is the fiche the command reads then changes: when SQLite refuses the write because
        another command wrote since, that is a :class:`ConflictError` about that fiche.
        ``snapshot``: every statement reads the same snapshot of the database (REPEATABLE READ on
        PostgreSQL; a SQLite transaction always does), for a reader that must not see half of a
        command that commits meanwhile (``db verify``).

        ``immediate``: a write that does not depend on what it read (a note) takes SQLite's write lock
        before reading (``BEGIN IMMEDIATE``, waiting for it like any write), so another command's
        write cannot make it stale; if the lock stays taken, the store is said to be busy, which is
        what happened, not that the fiche changed.  PostgreSQL needs no such thing.
        """
        held: Connection | None = getattr(self._held, "conn", None)
        if (
            held is not None
            and not (snapshot or immediate or held.in_transaction())
            and held.get_execution_options() == self._held.options
        ):
            try:
                with held.begin():
                    yield held
            except OperationalError as exc:
                raise _translate(exc, fiche) from None
            return
        try:
            with self.engine.connect() as conn:
                if snapshot and self.backend == "postgresql":
                    conn.execution_options(isolation_level="REPEATABLE READ")
                if immediate:
                    conn.execution_options(capactif_begin="BEGIN IMMEDIATE")
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise _translate(exc, None if immediate else fiche) from None

    def dispose(self) -> None:
        """Close every pooled connection (tests, and before deleting a SQLite file)."""
        self.engine.dispose()


def _translate(exc: OperationalError, fiche: str | None) -> EngineError:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code == _SQLITE_BUSY_SNAPSHOT or (code == _SQLITE_BUSY and fiche):
        # The command read the fiche, then another command wrote first: SQLite refuses the stale write.
        return conflict(fiche)
    if code == _SQLITE_BUSY:
        return StoreError(
            _(
                "the store is busy: another command kept it locked for {seconds} s; "
                "nothing was written: run the command again"
            ).format(seconds=_BUSY_TIMEOUT_SECONDS)
        )
    message = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return StoreError(_("the store failed: {message}; nothing was written").format(message=message))


def conflict(fiche: str | None) -> ConflictError:
    """The message of a lost race: who lost, that nothing was written, what to do."""
    if fiche:
        message = _(
            "fiche {fiche} was changed by someone else since you read it; nothing was written: run the command again"
        )
    else:
        message = _("a fiche was changed by someone else since you read it; nothing was written: run the command again")
    return ConflictError(message.format(fiche=fiche))


def make_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """An engine configured for the store's transaction model on either backend.

    ``pool_size``: connections the pool keeps open (SQLAlchemy's default, 5, when None), with as many
    more opened when needed and closed when given back.  A web worker whose 8 threads each hold a
    connection for their page had 3 or 4 of them opened and closed at every few requests: on
    PostgreSQL a new server process each time (a third of a busy worker's wall time in py-spy's
    samples, issue 12).
    """
    sizes: dict[str, int] = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": pool_size}
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            _(
                "'{url}' is not a database URL: give a SQLite file path or postgresql+psycopg://user@host:5432/dbname"
            ).format(url=url)
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            create_private(Path(database))
        else:
            sizes = {}  # an in-memory database lives in one connection: SQLAlchemy's pool for it has no size
        # hide_parameters: an error message never quotes the values of a statement (personal data).
        engine = create_engine(parsed, connect_args={"timeout": _BUSY_TIMEOUT_SECONDS}, hide_parameters=True, **sizes)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", pg.refuse_writes)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(parsed, hide_parameters=True, **sizes)
        pg.configure(engine)  # the pool's ping: one SELECT 1, in autocommit
        event.listen(engine, "before_cursor_execute", pg.refuse_writes)
        return engine
    raise StoreError(
        _("unsupported database '{backend}' in {url}: use SQLite or PostgreSQL").format(
            backend=backend, url=display(parsed)
        )
    )


def create_private(path: Path) -> None:
    """Create ``path`` empty, readable by its owner only (0600), unless it exists.

    The store holds porteurs' personal data: it is never created world-readable.  SQLite gives its
    ``-wal`` and ``-shm`` files the database file's permissions.
    """
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # a read-only place: SQLite says so when it opens it
    os.close(fd)


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    # Deleted content (an erased porteur's name, a purged note) is overwritten, not left in free pages.
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    begin = conn.get_execution_options().get("capactif_begin", "BEGIN")
    if begin is not None:  # None: Store.one_statement, the statement its own transaction
        conn.exec_driver_sql(begin)


# --- schema revisions ----------------------------------------------------------------------------


def alembic_config(connection: Connection | None = None) -> Any:
    """Alembic's configuration, built in code: the scripts ship inside the ``engine`` package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The schema revision this version of capactif works with.

    Read from the shipped scripts' ``revision``/``down_revision`` lines (:func:`engine.store.lite.head_revision`):
    importing Alembic to ask it took a quarter of a second at every command that opens the store; Alembic
    decides only when a script does not say them plainly (tests/test_store_lite.py: the same head)."""
    from engine.store.lite import head_revision as plain_head

    head = plain_head()
    if head is None:  # pragma: no cover - every shipped script says its revisions plainly
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at; None when it has no capactif schema yet.

    Alembic's own table read with one query (as ``MigrationContext.get_current_revision`` reads it),
    without importing Alembic; several rows (branches) are left to Alembic, which refuses them."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    if len(rows) > 1:  # pragma: no cover - capactif's migrations have one branch
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(conn).get_current_revision()
    return str(rows[0][0]) if rows else None


def upgrade(store: Store) -> tuple[str | None, str]:
    """Apply every pending migration in one transaction; returns (revision before, revision after)."""
    from alembic import command

    with store.transaction() as conn:
        before = current_revision(conn)
        command.upgrade(alembic_config(conn), "head")
        after = current_revision(conn)
    assert after is not None
    return before, after


def open_store(url: str | None = None, *, check: bool = True, pool_size: int | None = None) -> Store:
    """Open the store at ``url`` (see :func:`resolve_url`), creating a new SQLite file's schema.

    With ``check``, a database whose schema is not the one this capactif needs is refused with
    the command that fixes it.  ``pool_size``: see :func:`make_engine`.
    """
    resolved = resolve_url(url)
    engine = make_engine(resolved, pool_size=pool_size)
    store = Store(resolved, engine)
    try:
        with engine.connect() as conn:
            revision = current_revision(conn)
            empty = revision is None and not inspect(conn).get_table_names()
            conn.rollback()
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(
            _("cannot open the store {store}: {reason}").format(store=display(resolved), reason=reason)
        ) from None
    if revision is None and empty and store.backend == "sqlite":
        upgrade(store)
        return store
    if check and revision != head_revision():
        engine.dispose()
        if revision is None:
            raise StoreError(
                _("{store} has no capactif tables yet: run 'capactif db upgrade --db {store}'").format(
                    store=display(resolved)
                )
            )
        raise StoreError(
            _(
                "{store} is at schema revision {revision}, this capactif needs {head}: "
                "run 'capactif db upgrade --db {store}'"
            ).format(store=display(resolved), revision=revision, head=head_revision())
        )
    return store
