"""Group commit: rows that concurrent threads of one process append to one table, written together.

Why: the web desk writes an access-log line for every display of personal data (issue 12), so a
busy server appends to one table from a dozen threads at once, each write its own transaction.  On
SQLite only one writer holds the lock; the others wait in SQLite's busy handler, which *polls* (it
sleeps 1, 2, 5, 10 … 100 ms and tries again) instead of queueing: under load some writers lose
again and again, and their page waits hundreds of milliseconds for a line of log.  Here the threads
of a process queue in Python instead: the first one writes its rows and those of every thread that
arrived meanwhile in ONE ``INSERT`` (its own transaction, :meth:`Store.one_statement`), then wakes
them; the next batch is written by one of the threads that arrived during that write.  One process
then has at most one writer asking SQLite for the lock, and a write serves many requests.

Nothing changes for a caller: :meth:`GroupInsert.insert` returns once *its* rows are committed, or
raises the error of their write — a page is still answered only after its log line is written.  A
batch is all or nothing; if a batch of several callers fails, each caller's rows are written again
alone, so one caller's bad rows never fail the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, TextClause, bindparam, text

#: At most this many rows in one statement: 7 columns a row stay under SQLite's oldest limit of 999
#: bound parameters.  A caller's rows are never split (callers give at most this many).
MAX_ROWS = 100


@dataclass
class _Ticket:
    """One caller's rows, and what became of them."""

    rows: list[dict[str, Any]]
    done: bool = False
    error: BaseException | None = None


@dataclass
class GroupInsert:
    """Appends rows to ``table``; concurrent callers of one process share a statement.

    ``connect`` gives a connection whose one statement is its own transaction (``Store.one_statement``).
    """

    table: Table
    connect: Callable[[], AbstractContextManager[Connection]]
    _lock: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _pending: list[_Ticket] = field(default_factory=list, repr=False)
    _writing: bool = field(default=False, repr=False)
    #: The INSERT of n rows, built once: ``insert().values(rows)`` with the values in it is a new
    #: statement for SQLAlchemy at each call, compiled again (a third of a list page's CPU).
    _statements: dict[tuple[Any, ...], TextClause] = field(default_factory=dict, repr=False)

    def insert(self, rows: list[dict[str, Any]]) -> None:
        """Write ``rows`` (at most :data:`MAX_ROWS`); return once they are committed."""
        if not rows:
            return
        if len(rows) > MAX_ROWS:
            raise ValueError(f"at most {MAX_ROWS} rows at once, not {len(rows)}")
        ticket = _Ticket(rows)
        with self._lock:
            self._pending.append(ticket)
            while not ticket.done and self._writing:
                self._lock.wait()
            if ticket.done:
                return self._outcome(ticket)
            self._writing = True  # this thread writes the next batch, its own rows included
            batch = list(self._take())
        try:
            self._write(batch)
        finally:
            with self._lock:
                self._writing = False
                self._lock.notify_all()
        return self._outcome(ticket)

    def _take(self) -> Iterator[_Ticket]:
        """The pending tickets that fit in one statement, oldest first (at least one)."""
        count = 0
        while self._pending and (count == 0 or count + len(self._pending[0].rows) <= MAX_ROWS):
            ticket = self._pending.pop(0)
            count += len(ticket.rows)
            yield ticket

    def _write(self, batch: list[_Ticket]) -> None:
        try:
            self._statement([row for ticket in batch for row in ticket.rows])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
            else:  # whose rows failed? each caller's alone, so the others are not refused for them
                for ticket in batch:
                    try:
                        self._statement(ticket.rows)
                    except Exception as own:
                        ticket.error = own
        for ticket in batch:
            ticket.done = True

    def _statement(self, rows: list[dict[str, Any]]) -> None:
        with self.connect() as conn:
            insert_rows(conn, self.table, rows, self._statements)

    @staticmethod
    def _outcome(ticket: _Ticket) -> None:
        if ticket.error is not None:
            raise ticket.error


def insert_rows(
    conn: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    cache: dict[tuple[Any, ...], TextClause] | None = None,
) -> None:
    """Insert ``rows`` (all naming the same columns in the same order) with ONE statement whose SQL
    text depends only on the columns (and on SQLite the row count), built once per ``cache``.

    SQLite: ``INSERT … VALUES (…), (…)`` with a named parameter per value (:func:`_insert_of`).
    PostgreSQL: ``INSERT … SELECT * FROM unnest(:col1, :col2, …)``, one array parameter per column
    (:func:`_unnest_insert_of`): the same short text for any number of rows, so psycopg keeps it parsed
    and the server prepared.  A VALUES list of 20 rows is 140 parameters and over 4 KB of SQL, which
    psycopg parses again in Python at every execution (it caches shorter queries only): 4 ms of a
    5-10 ms list page on PostgreSQL (issue 12, profiled with yappi).
    """
    keys = tuple(rows[0])
    if any(tuple(row) != keys for row in rows):
        raise ValueError("every row appended to a table at once names the same columns, in the same order")
    cache = {} if cache is None else cache
    if conn.dialect.name == "postgresql":
        key: tuple[Any, ...] = ("unnest", keys)
        statement = cache.get(key)
        if statement is None:
            statement = cache[key] = _unnest_insert_of(conn, table, keys)
        conn.execute(statement, {f"p{i}": [row[k] for row in rows] for i, k in enumerate(keys)})
        return
    statement = cache.get((len(rows), keys))
    if statement is None:
        statement = cache[len(rows), keys] = _insert_of(table, keys, len(rows))
    conn.execute(statement, {f"{key}_{n}": value for n, row in enumerate(rows) for key, value in row.items()})


def _insert_of(table: Table, keys: tuple[str, ...], count: int) -> TextClause:
    """``INSERT INTO table (keys) VALUES (…), … (count rows)`` with named parameters ``<column>_<row>``.

    Written as SQL text with typed parameters: SQLAlchemy compiles an ``insert().values([...])`` of
    several rows again at every execution (its multi-row VALUES is not cached), a third of the CPU of
    a list page that logs its 20 lines.  Every name quoted (both backends read ``"name"`` the same).
    """
    columns = [table.c[key] for key in keys]
    names = ", ".join(f'"{column.name}"' for column in columns)
    rows = ", ".join("(" + ", ".join(f":{column.name}_{n}" for column in columns) + ")" for n in range(count))
    params = [bindparam(f"{column.name}_{n}", type_=column.type) for n in range(count) for column in columns]
    return text(f'INSERT INTO "{table.name}" ({names}) VALUES {rows}').bindparams(*params)


def _unnest_insert_of(conn: Connection, table: Table, keys: tuple[str, ...]) -> TextClause:
    """``INSERT INTO table (keys) SELECT * FROM unnest(CAST(:p0 AS type[]), …)`` (PostgreSQL): one array
    parameter per column, each cast to its column's type as the dialect writes it."""
    columns = [table.c[key] for key in keys]
    names = ", ".join(f'"{column.name}"' for column in columns)
    arrays = ", ".join(
        f"CAST(:p{i} AS {column.type.compile(dialect=conn.dialect)}[])" for i, column in enumerate(columns)
    )
    return text(f'INSERT INTO "{table.name}" ({names}) SELECT * FROM unnest({arrays})')
