"""The table of notifications, in the store's schema (created by migration ``0700_notifications``).

``notifications`` is what makes ``capactif notify`` idempotent: one row per thing told to one
address — a reminder about one suggestion at one delay, one alert, one month's agenda of a local
network, one month's committee summary, one suggestion nobody answered.  The row is written
*before* the message leaves (``status`` ``sending``: the claim), then set to ``sent`` or ``failed``.
The unique constraint on (recipient, kind, content_key, period) is what stops a second run, or a
second machine, from claiming the same thing: the loser's insert fails and it sends nothing.
A ``failed`` row is claimed again by the next run (``attempts`` counts the tries).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, UniqueConstraint

from engine.store.schema import metadata

EMAIL = 254  # RFC 5321's limit on a forward path
KEY = 64
PERIOD = 32
ERROR = 200

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient", String(EMAIL), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("content_key", String(KEY), nullable=False),
    Column("period", String(PERIOD), nullable=False),
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("error", String(ERROR)),
    UniqueConstraint("recipient", "kind", "content_key", "period"),
    Index(None, "status"),
)
