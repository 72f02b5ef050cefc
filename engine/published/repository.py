"""Storing, publishing and reading rules sets in the store (functions over an open connection).

A set is stored once per content (its version is its key), each file's bytes once per content
(``rules_blobs``); publishing adds a row to ``rules_publications``, and the set in force is the one
of the latest publication.  Every function takes an open connection so that a command's reads and
writes are one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from engine.errors import ConflictError, InputError, NotFound, Problem
from engine.i18n import _
from engine.published.records import Publication, StoredSet, aware
from engine.published.snapshot import Snapshot, blob_digest, from_files
from engine.published.tables import rules_blobs, rules_publications, rules_set_files, rules_sets

#: What names the set in force wherever a version is expected (``rules diff --base published``).
PUBLISHED = "published"

_VERSION_RE = re.compile(r"^(?:sha256:)?([0-9a-f]{4,64})$")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _set(row: Any) -> StoredSet:
    return StoredSet(row.version, row.digest, row.files, aware(row.stored_at), row.stored_by, row.source,
                     row.source_version)  # fmt: skip


def _publication(row: Any) -> Publication:
    return Publication(row.id, row.version, aware(row.published_at), row.published_by, row.message, row.decision_id,
                       row.tests_total, row.tests_failed, bool(row.forced), row.force_reason)  # fmt: skip


def store_set(
    conn: Connection, snap: Snapshot, *, by: str | None, source: str = "", source_version: str | None = None
) -> StoredSet:
    """Keep a set in the store (nothing written when the same content is already there)."""
    existing = conn.execute(select(rules_sets).where(rules_sets.c.digest == snap.digest)).first()
    if existing is not None:
        return _set(existing)
    digests = {path: blob_digest(content) for path, content in snap.files.items()}
    wanted = set(digests.values())
    have: set[str] = set(
        conn.execute(select(rules_blobs.c.digest).where(rules_blobs.c.digest.in_(sorted(wanted)))).scalars()
    )
    by_digest = {digests[p]: snap.files[p] for p in snap.files}
    try:
        with conn.begin_nested():
            missing = sorted(wanted - have)
            if missing:
                conn.execute(
                    rules_blobs.insert(),
                    [{"digest": d, "size": len(by_digest[d]), "content": by_digest[d]} for d in missing],
                )
            conn.execute(
                rules_sets.insert().values(
                    version=snap.version, digest=snap.digest, files=len(snap.files), stored_at=_now(), stored_by=by,
                    source=source, source_version=source_version,
                )
            )  # fmt: skip
            if digests:
                conn.execute(
                    rules_set_files.insert(),
                    [{"version": snap.version, "path": p, "digest": d} for p, d in sorted(digests.items())],
                )
    except IntegrityError:
        raise ConflictError(
            _("rules {version} were stored by someone else at the same time; run the command again").format(
                version=snap.version
            )
        ) from None
    row = conn.execute(select(rules_sets).where(rules_sets.c.version == snap.version)).one()
    return _set(row)


def publish(
    conn: Connection,
    version: str,
    *,
    by: str,
    message: str,
    decision: str | None = None,
    tests_total: int = 0,
    tests_failed: int = 0,
    forced: bool = False,
    force_reason: str | None = None,
) -> Publication:
    """Put a stored set in force (a new row of the history)."""
    result = conn.execute(
        rules_publications.insert().values(
            version=version, published_at=_now(), published_by=by, message=message, decision_id=decision,
            tests_total=tests_total, tests_failed=tests_failed, forced=forced, force_reason=force_reason,
        )
    )  # fmt: skip
    assert result.inserted_primary_key is not None
    new_id = result.inserted_primary_key[0]
    return _publication(conn.execute(select(rules_publications).where(rules_publications.c.id == new_id)).one())


#: The latest publication: built once (the web asks at every request whether the rules in force changed).
_IN_FORCE = select(rules_publications).order_by(rules_publications.c.id.desc()).limit(1)

#: The id of the latest publication (NULL when none), as a column another statement can carry: the web
#: reads it with the session of each request (:func:`engine.app.accounts.resume`), in the same round trip.
IN_FORCE_ID = select(func.max(rules_publications.c.id)).scalar_subquery()


def in_force(conn: Connection) -> Publication | None:
    """The latest publication (the set in force), or None when nothing was ever published."""
    row = conn.execute(_IN_FORCE).first()
    return _publication(row) if row is not None else None


def history(conn: Connection) -> list[Publication]:
    """Every publication, the latest first."""
    rows = conn.execute(select(rules_publications).order_by(rules_publications.c.id.desc()))
    return [_publication(r) for r in rows]


def stored_sets(conn: Connection) -> list[StoredSet]:
    """Every stored set, the latest stored first."""
    rows = conn.execute(select(rules_sets).order_by(rules_sets.c.stored_at.desc(), rules_sets.c.version))
    return [_set(r) for r in rows]


def find_set(conn: Connection, name: str, *, where: str = "VERSION") -> StoredSet:
    """A stored set by its version (``sha256:3f2a…``, its hex digits alone, a prefix of 4 or more), or
    ``published`` for the set in force.  Unknown or ambiguous names say which versions exist."""
    name = (name or "").strip()
    if name == PUBLISHED:
        current = in_force(conn)
        if current is None:
            raise NotFound(
                _(
                    "{where}: no rules have been published in this store yet: "
                    "publish them with 'capactif rules publish --message …'"
                ).format(where=where)
            )
        name = current.version
    found = _VERSION_RE.match(name.lower())
    if found is None:
        raise InputError(
            problems=[
                Problem(
                    where, 0, 0,
                    _("'{name}' is not a rules version: expected sha256:<hex digits>, or '{published}' "
                      "(see 'capactif rules history')").format(name=name, published=PUBLISHED),
                )
            ]
        )  # fmt: skip
    prefix = found.group(1)
    rows = conn.execute(select(rules_sets).where(rules_sets.c.digest.startswith(prefix, autoescape=True))).all()
    if len(rows) == 1:
        return _set(rows[0])
    known = ", ".join(r.version for r in conn.execute(select(rules_sets.c.version).order_by(rules_sets.c.version)))
    if not rows:
        stored = known or "none"
        raise NotFound(
            _("{where}: no rules {name} in the store (stored: {stored}); see 'capactif rules history'").format(
                where=where, name=name, stored=stored
            )
        )
    raise InputError(
        problems=[
            Problem(
                where,
                0,
                0,
                _("'{name}' names several stored versions: give more hex digits ({known})").format(
                    name=name, known=known
                ),
            )
        ]
    )


def set_files(conn: Connection, version: str) -> Snapshot:
    """The files of a stored set, checked against its digest (a damaged store is refused, not used)."""
    stored = conn.execute(select(rules_sets).where(rules_sets.c.version == version)).one()
    rows = conn.execute(
        select(rules_set_files.c.path, rules_blobs.c.content)
        .join(rules_blobs, rules_blobs.c.digest == rules_set_files.c.digest)
        .where(rules_set_files.c.version == version)
    )
    snap = from_files({str(path): bytes(cast(bytes, content)) for path, content in rows})
    if snap.digest != stored.digest:
        raise ConflictError(
            _(
                "the stored rules {version} do not match their digest: the store was changed outside capactif; "
                "publish the rules again"
            ).format(version=version)
        )
    return snap


def count_publications(conn: Connection) -> int:
    """How many times rules were published (0: the store has no rules in force)."""
    return int(conn.execute(select(func.count()).select_from(rules_publications)).scalar_one())


class ConnectionReads:
    """:class:`engine.published.resolve.PublishedReads` over an open SQLAlchemy connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def in_force(self) -> Publication | None:
        """The set in force (see :func:`in_force`)."""
        return in_force(self.conn)

    def set_digest(self, version: str) -> str:
        """The full digest of the stored set ``version``."""
        return find_set(self.conn, version).digest

    def set_files(self, version: str) -> Snapshot:
        """The files of the stored set ``version`` (see :func:`set_files`)."""
        return set_files(self.conn, version)
