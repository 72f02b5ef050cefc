"""The committee's decisions, in the store's schema (created by migration ``0550_network``).

``decisions``: an action the coordinator puts to the committee (a rules change to adopt, a
promotion operation, a training, something else), when it was put, and the committee's decision
(``adopted``, ``rejected``, ``postponed``) with its date; ``pending`` until then.  Ids are
``D-YYYY-NNN`` numbered per year of submission.  No porteur's data: the committee reads all of it.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Integer, String, Table, Text, UniqueConstraint

from engine.store.schema import STRUCTURE, metadata

decisions = Table(
    "decisions",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("put_on", Date, nullable=False),
    Column("put_by", String(STRUCTURE), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("decided_on", Date),
    Column("decision_note", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(STRUCTURE)),
    UniqueConstraint("year", "number"),
)
