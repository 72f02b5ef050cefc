"""Inserting many rows at once, stored exactly as ``conn.execute(insert(table), rows)`` stores them.

Why: ``fiche import`` writes, per CSV row, a fiche, its ``created`` event, its personal values, its
porteur keys and its projection row.  SQLAlchemy's executemany builds, checks and converts every
row's parameters in generic Python code, which cost more than the database's own work.  Here the
statement is compiled once, each value goes through the bind processor SQLAlchemy itself would use
for its column on this dialect (JSON text, dates, booleans: the same conversion, so the same stored
values), and the rows go to the driver in one call:

* SQLite: the driver's ``executemany`` with the statement SQLAlchemy compiles;
* PostgreSQL: ``COPY … FROM STDIN`` through psycopg (psycopg adapts the values as it does for an
  ``INSERT``), on the connection of the caller's transaction.

Rows must all have the same keys, each a column of the table, and give every column that has a
Python-side default; otherwise (and for a few rows, where compiling the statement costs more than it
saves) the plain ``conn.execute`` is used.  ``tests/test_store_bulk.py`` holds both paths to the same
stored rows on both backends.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import repeat
from operator import is_, itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, event, insert

#: Fewer rows than this go through ``conn.execute`` (SQLAlchemy caches its compiled statement).
THRESHOLD = 32


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for one bounded bulk job (``fiche import`` of one file).

    Why: an import allocates a few hundred objects per row (cells, the validated fiche, its dicts, the
    rows of nine tables) and keeps them all until the transaction ends; every 700 allocations the
    collector traverses the young ones, and every full collection the whole heap, which grows with the
    file: about a quarter of an import's CPU time for nothing, since almost none of it is garbage.  The
    job is bounded (an import file is at most ``yamlsource.MAX_BYTES``), reference counting still
    frees everything acyclic at once, and the collector runs again as soon as the job ends (also on an
    error); when it was already paused (by a caller) it stays so.

    What the job leaves alive is then *frozen* (``gc.freeze``: moved to the collector's permanent
    generation) before the collector runs again: the allocations counted during the pause would
    otherwise trigger, at the first allocation after it, a full collection traversing every object
    still alive — ``capactif alerts`` over 200,000 fiches keeps its views and 150,000 alerts to print
    them: half a second for nothing.  Frozen objects are still freed by reference counting as soon as
    nobody uses them; only a reference cycle among them waits, until the next job: on entry it unfreezes
    them and collects once (a long-lived process such as ``capactif serve`` keeps no cycle beyond one job
    to the next; a one-shot command, whose first job finds nothing frozen, pays nothing).
    """
    if not gc.isenabled():
        yield
        return
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    serialised: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Insert ``rows`` into ``table`` (see the module docstring); nothing for no rows.

    ``serialised``: for JSON columns, each row's value already as the JSON text to store (one per row, in
    order), which the bulk path passes to the driver instead of serialising the row's value again; the
    plain path stores the rows' values (the same JSON)."""
    if not rows:
        return
    keys = list(rows[0])
    if len(rows) < THRESHOLD or not _plain(table, keys, rows):
        conn.execute(insert(table), list(rows))
        return
    dialect = conn.dialect
    compiled = None
    if dialect.name != "postgresql":  # executemany's parameters in the order of the statement's placeholders
        compiled = insert(table).compile(dialect=dialect, column_keys=keys)
        order = list(compiled.positiontup or ())
        if sorted(order) == sorted(keys):
            keys = order
    try:
        # Each row's values in that key order, in one C pass; rows are all of the first's size (_plain),
        # so a row without one of its keys (a KeyError) is the only way they could differ.
        values = list(map(itemgetter(*keys), rows)) if len(keys) > 1 else [(row[keys[0]],) for row in rows]
    except KeyError:
        conn.execute(insert(table), list(rows))
        return
    given = serialised or {}
    columns = [table.c[key] for key in keys]
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    converted: list[Sequence[Any]] = list(zip(*values, strict=True))
    for i, (key, column, process) in enumerate(zip(keys, columns, processors, strict=True)):
        if key in given:
            if not isinstance(column.type, JSON) or len(given[key]) != len(rows):
                raise ValueError(f"serialised {key}: one JSON text per row, for a JSON column")
            converted[i] = given[key]
        elif process is not None:
            converted[i] = _processed(process, converted[i], remember=not isinstance(column.type, JSON))
    if compiled is not None:
        keys, converted, compiled = _without_null_columns(conn, table, keys, columns, converted, compiled)
    params = list(zip(*converted, strict=True))
    if compiled is None:
        pipeline = _PIPELINE.get()
        if pipeline is not None and pipeline.conn is conn:
            pipeline.copy(table, columns, params)
        else:
            _copy(conn, table, columns, params)
        return
    conn.exec_driver_sql(compiled.string, params)


def _without_null_columns(
    conn: Connection, table: Table, keys: list[str], columns: list[Any], converted: list[Sequence[Any]], compiled: Any
) -> tuple[list[str], list[Sequence[Any]], Any]:
    """SQLite: the columns NULL in every row left out of the statement (they are NULL all the same), and the
    values in the order of the statement's placeholders.

    Why: the ``sqlite3`` module binds a ``None`` through its adaptation protocol (a failed lookup of adapters,
    ``__adapt__`` and ``__conform__``: about 0.35 µs, against 0.1 for an integer), and a ``fiche import`` row binds
    a dozen of them in columns no row of the file fills (``lead``, ``installed_on``, ``offer``, the projection's
    days…).  Only a column without a default of either side is left out: its value is then NULL as bound."""
    rows = len(converted[0]) if converted else 0
    absent = {
        key
        for key, column, values in zip(keys, columns, converted, strict=True)
        if column.default is None and column.server_default is None and not column.primary_key
        and values.count(None) == rows
    }  # fmt: skip
    if absent:
        kept = [key for key in keys if key not in absent]
        compiled = insert(table).compile(dialect=conn.dialect, column_keys=kept)
    order = list(compiled.positiontup or ())
    if order == keys:
        return keys, converted, compiled
    where = {key: i for i, key in enumerate(keys)}
    return order, [converted[where[key]] for key in order], compiled


def _processed(process: Any, values: Sequence[Any], *, remember: bool) -> list[Any]:
    """Each value through the column's bind processor; with ``remember``, once per distinct object (a
    processor is a function of its value, and one object recurs: the transaction's ``now`` in every row's
    timestamps, a day shared by fiches).  Objects are told apart by ``id``: all stay alive in ``values``;
    a plain ``date`` by its value (immutable, and a day is the same day whatever the object: a fiche's
    ``received`` and its ``created`` event's day are parsed from text row by row, so equal days are rarely
    one object).
    A column holding one object in every row (tested in C, stopping at the first other) is processed once.
    Without it (a JSON column, whose values are mutable), once per distinct list of strings, by content:
    its text depends on nothing else (a ``True`` is never taken for a ``1``: only exact ``str`` items)."""
    if values and all(map(is_, values, repeat(values[0]))):  # one object in every row: the command's now, a None
        return [process(values[0])] * len(values)
    if not remember:  # JSON: a list of strings (needs, publics) recurs across rows, and serialises the same
        texts: dict[tuple[str, ...], Any] = {}
        out = []
        for value in values:
            if type(value) is list and all(type(v) is str for v in value):
                items = tuple(value)
                text = texts.get(items)
                if text is None:
                    text = texts[items] = process(value)
                out.append(text)
            else:
                out.append(process(value))
        return out
    done: dict[int, Any] = {}
    days: dict[dt.date, Any] = {}
    out = []
    for value in values:
        if type(value) is dt.date:  # a day parsed once per row (received, an event's day): by value
            text = days.get(value)
            if text is None:
                text = days[value] = process(value)
            out.append(text)
            continue
        key = id(value)
        if key in done:
            out.append(done[key])
        else:
            out.append(done.setdefault(key, process(value)))
    return out


def _plain(table: Table, keys: list[str], rows: Sequence[dict[str, Any]]) -> bool:
    """Whether every row has the same keys, all columns, and no column left to a Python-side default."""
    first = rows[0].keys()
    if any(key not in table.c for key in keys):
        return False
    if any(column.default is not None and column.key not in first for column in table.c):
        return False
    size = len(first)  # same size and every key of the first (insert_rows reads them): the same keys
    return all(len(row) == size for row in rows)


def _copy(conn: Connection, table: Table, columns: list[Any], params: list[tuple[Any, ...]]) -> None:
    """``COPY table (columns) FROM STDIN`` of ``params`` on the transaction's psycopg connection."""
    _copy_rows(*_copy_statement(conn, table, columns), params)


def _copy_statement(conn: Connection, table: Table, columns: list[Any]) -> tuple[Any, str]:
    """The transaction's psycopg connection and the ``COPY`` statement of ``columns`` of ``table``."""
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(column.name) for column in columns)
    return conn.connection.driver_connection, f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"


def _copy_rows(driver: Any, statement: str, params: list[tuple[Any, ...]]) -> None:
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in params:
            copy.write_row(row)


class _Pipeline:
    """PostgreSQL ``COPY``s of one connection run one at a time in a thread of their own, while the caller goes
    on making the next rows (see :func:`pipelined`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.running: threading.Thread | None = None
        self.failed: BaseException | None = None

    def copy(self, table: Table, columns: list[Any], params: list[tuple[Any, ...]]) -> None:
        """Start the ``COPY`` of ``params`` once the one before it has ended (its error raised here, first)."""
        self.wait()
        driver, statement = _copy_statement(self.conn, table, columns)  # in the caller's thread, as SQLAlchemy expects

        def run() -> None:
            try:
                _copy_rows(driver, statement, params)
            except BaseException as exc:  # raised in the caller's thread by wait()
                self.failed = exc

        self.running = threading.Thread(target=run, name=f"copy {table.name}", daemon=True)
        self.running.start()

    def wait(self, *_args: Any) -> None:
        """Block until the running ``COPY`` has ended; raise its error, if any (once)."""
        if self.running is not None:
            self.running.join()
            self.running = None
        if self.failed is not None:
            failed, self.failed = self.failed, None
            raise failed


_PIPELINE: ContextVar[_Pipeline | None] = ContextVar("bulk_pipeline", default=None)


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, each bulk ``COPY`` made through :func:`insert_rows` on ``conn`` inside the block runs in a
    thread while the caller prepares what comes next; anywhere else, nothing changes.

    Why: the server's work on a ``COPY`` (its indexes, its foreign keys' triggers) took place after this
    process's and not beside it — on ``fiche import`` about 110 µs per row of the server's against 175 of this
    process's.  Order and errors stay those of the plain path: a ``COPY`` starts when the one before it has
    ended, every other statement on ``conn`` (``before_cursor_execute``) and the end of the block wait for the
    running one, whose error is raised first, in the caller's thread; the transaction's fate is the caller's.
    """
    if conn.dialect.name != "postgresql" or _PIPELINE.get() is not None:
        yield
        return
    pipeline = _Pipeline(conn)
    token = _PIPELINE.set(pipeline)
    event.listen(conn, "before_cursor_execute", pipeline.wait)
    try:
        yield
        pipeline.wait()
    finally:
        try:
            if pipeline.running is not None:  # the block failed: let the COPY end before the rollback
                pipeline.running.join()
        finally:
            event.remove(conn, "before_cursor_execute", pipeline.wait)
            _PIPELINE.reset(token)
