"""The published rules sets' tables, in the store's schema (created by migration ``0550_network``).

* ``rules_blobs``: each distinct file content once, keyed by its SHA-256 (content-addressed: the
  communes file, unchanged between two versions, is stored once).
* ``rules_sets``: a rules set, keyed by its version ``sha256:<12 hex>`` (the same version the rules
  loader gives a directory that is not a clean git work tree), with the full digest and where it
  was stored from.  A set may be stored without being put in force (a *draft*).
* ``rules_set_files``: which file (relative path) of a set has which content.
* ``rules_publications``: each time a set was put in force, by whom, when, with what message, the
  committee's decision that adopted it, and whether its routing tests failed and were overridden
  (``forced`` with a reason).  The set in force is the one of the latest publication.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from engine.store.schema import STRUCTURE, metadata

DIGEST = 64  # hex SHA-256
VERSION = 24  # "sha256:" + 12 hex

rules_blobs = Table(
    "rules_blobs",
    metadata,
    Column("digest", String(DIGEST), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

rules_sets = Table(
    "rules_sets",
    metadata,
    Column("version", String(VERSION), primary_key=True),
    Column("digest", String(DIGEST), nullable=False, unique=True),
    Column("files", Integer, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Column("stored_by", String(STRUCTURE)),
    Column("source", Text, nullable=False, default=""),
    Column("source_version", String(64)),
)

rules_set_files = Table(
    "rules_set_files",
    metadata,
    Column("version", String(VERSION), ForeignKey("rules_sets.version"), primary_key=True),
    Column("path", String(512), primary_key=True),
    Column("digest", String(DIGEST), ForeignKey("rules_blobs.digest"), nullable=False),
)

rules_publications = Table(
    "rules_publications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", String(VERSION), ForeignKey("rules_sets.version"), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_by", String(STRUCTURE), nullable=False),
    Column("message", Text, nullable=False),
    Column("decision_id", String(16), ForeignKey("decisions.id")),
    Column("tests_total", Integer, nullable=False),
    Column("tests_failed", Integer, nullable=False),
    Column("forced", Boolean, nullable=False, default=False),
    Column("force_reason", Text),
    Index(None, "version"),
)
