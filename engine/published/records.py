"""What the store says about rules sets and publications, as plain records (no SQLAlchemy here).

Kept apart from :mod:`engine.published.repository` so that the start-up of a read-only command can
build them from :mod:`sqlite3` rows (:mod:`engine.published.lite`) without importing SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoredSet:
    """A rules set kept in the store (in force, formerly in force, or a draft never published)."""

    version: str
    digest: str
    files: int
    stored_at: dt.datetime
    stored_by: str | None
    source: str
    source_version: str | None

    def to_dict(self) -> dict[str, Any]:
        """``version``, ``digest``, ``files``, ``stored_at``, ``stored_by``, ``source``, ``source_version``."""
        return {
            "version": self.version,
            "digest": self.digest,
            "files": self.files,
            "stored_at": self.stored_at.isoformat(timespec="seconds"),
            "stored_by": self.stored_by,
            "source": self.source,
            "source_version": self.source_version,
        }


@dataclass(frozen=True)
class Publication:
    """One time a set was put in force."""

    id: int
    version: str
    published_at: dt.datetime
    published_by: str
    message: str
    decision: str | None
    tests_total: int
    tests_failed: int
    forced: bool
    force_reason: str | None

    def to_dict(self) -> dict[str, Any]:
        """The keys of ``rules history --format json`` (docs/rules-publish.md)."""
        return {
            "id": self.id,
            "version": self.version,
            "published_at": self.published_at.isoformat(timespec="seconds"),
            "published_by": self.published_by,
            "message": self.message,
            "decision": self.decision,
            "tests_total": self.tests_total,
            "tests_failed": self.tests_failed,
            "forced": self.forced,
            "force_reason": self.force_reason,
        }


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back: they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
