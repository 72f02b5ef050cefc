"""Reading many rows as the driver gives them: for the few reads of every fiche at once.

``conn.execute(select(...))`` wraps each row the driver returns in SQLAlchemy's ``Row`` and runs each
column's result processor, a few microseconds a row: at 200,000 fiches (``capactif alerts``) that was
more than a second of the load.  :func:`fetch_all` executes the statement through SQLAlchemy (the same
SQL, the same bound parameters, in the caller's transaction) and takes the rows from the DB-API
cursor itself: plain tuples, each value as the driver gives it (SQLite: dates and JSON as text,
booleans as 0/1; psycopg: dates, parsed JSON, booleans).  The caller reads them as such.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Executable


def fetch_all(conn: Connection, statement: Executable) -> list[tuple[Any, ...]]:
    """Every row of ``statement`` as the driver's tuples (see the module docstring)."""
    result = conn.execute(statement)
    try:
        cursor = result.cursor
        if cursor is None or cursor.description is None:  # pragma: no cover - a statement without rows
            return [tuple(row) for row in result]
        return list(cursor.fetchall())
    finally:
        result.close()
