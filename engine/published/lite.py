"""The rules in force read with :mod:`sqlite3`, for the start-up of a read-only command on a SQLite store.

The same answers as :mod:`engine.published.repository` (``tests/test_store_lite.py`` compares them),
over the connection of an :class:`engine.store.lite.LiteStore`, without importing SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from engine.errors import ConflictError
from engine.i18n import _
from engine.published.records import Publication, aware
from engine.published.snapshot import Snapshot, from_files


class LiteReads:
    """:class:`engine.published.resolve.PublishedReads` over a :mod:`sqlite3` connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def in_force(self) -> Publication | None:
        """The latest publication: :func:`engine.published.repository.in_force`."""
        row = self.connection.execute(
            "SELECT id, version, published_at, published_by, message, decision_id, tests_total, tests_failed, "
            "forced, force_reason FROM rules_publications ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return Publication(row[0], row[1], _datetime(row[2]), row[3], row[4], row[5], row[6], row[7], bool(row[8]),
                           row[9])  # fmt: skip

    def set_digest(self, version: str) -> str:
        """The full digest of the stored set ``version`` (a publication's set always exists)."""
        row = self.connection.execute("SELECT digest FROM rules_sets WHERE version = ?", (version,)).fetchone()
        if row is None:
            raise ConflictError(
                _("the stored rules {version} are missing: the store was changed outside capactif").format(
                    version=version
                )
            )
        return str(row[0])

    def set_files(self, version: str) -> Snapshot:
        """The files of a stored set, checked against its digest: :func:`engine.published.repository.set_files`."""
        rows = self.connection.execute(
            "SELECT f.path, b.content FROM rules_set_files f JOIN rules_blobs b ON b.digest = f.digest "
            "WHERE f.version = ?",
            (version,),
        )
        snap = from_files({str(path): bytes(content) for path, content in rows})
        if snap.digest != self.set_digest(version):
            raise ConflictError(
                _(
                    "the stored rules {version} do not match their digest: the store was changed outside capactif; "
                    "publish the rules again"
                ).format(version=version)
            )
        return snap


def _datetime(value: object) -> dt.datetime:
    """A stored ``DateTime``: SQLAlchemy writes ``YYYY-MM-DD HH:MM:SS[.ffffff]`` in UTC on SQLite."""
    return aware(value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value)))
