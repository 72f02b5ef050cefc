"""The access log's table, in the store's schema (created by migration ``0500_accounts``).

``access_log`` is append-only: one row per fiche per display of its porteur's personal data
(``action`` ``read``) or per change (``change``).  ``actor`` is the caller's structure or role as
the access rules saw it; ``account`` the signed-in account's id (None on the command line, where the
caller is ``--as``); ``via`` the front end (``web``, ``cli``); ``detail`` what was done in a few
words (``fiche show``, ``move start_study``).  No foreign key to ``fiches``: the log outlives a
fiche erased at the porteur's request.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table

from engine.store.schema import STRUCTURE, metadata

access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("fiche_id", String(16), nullable=False),
    Column("action", String(8), nullable=False),
    Column("actor", String(STRUCTURE)),
    Column("account", String(32)),
    Column("via", String(8), nullable=False),
    Column("detail", String(64), nullable=False),
    Index(None, "fiche_id", "at"),
    Index(None, "at"),
)
