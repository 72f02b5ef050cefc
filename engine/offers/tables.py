"""The activity offers' tables, in the store's schema (created by migration ``0100_offers``).

* ``offers``: a business to take over (``takeover``) or an activity a commune seeks (``sought``),
  where and when it was published, and when it was closed.  Ids are ``O-YYYY-NNNN`` by year of
  publication.
* ``offer_contacts``: a porteur (a stored fiche) who got in touch about an offer; one row per
  (offer, fiche), so a contact is counted once however many times the porteur calls.
* ``offer_requests`` (migration ``0550_network``): a message a visitor sent through the public
  offers exchange (name, e-mail or phone, message, consent to be contacted), read by the offer's
  structure and the coordinator only.  It counts as a contact until it is turned into a fiche
  (``fiche_id``), after which the fiche's row in ``offer_contacts`` counts instead.  ``sender`` is
  a keyed hash of the sender's address, kept for the rate limit only.
* ``offers.online`` (same migration): whether the offer is shown on the public exchange.

The tables hang on the store's ``metadata`` so that one ``metadata`` describes the whole database.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from engine.store.schema import STRUCTURE, metadata

offers = Table(
    "offers",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("commune", String(5), nullable=False),
    Column("local_network", String(STRUCTURE)),
    Column("naf", String(8)),
    Column("nature", String(16)),
    Column("published_on", Date, nullable=False),
    Column("published_in", Text, nullable=False),
    Column("published_by", String(STRUCTURE)),
    Column("closed_on", Date),
    Column("closed_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("online", Boolean, nullable=False, default=False, server_default=false()),
    UniqueConstraint("year", "number"),
    Index(None, "published_on"),
    Index(None, "local_network"),
)

offer_contacts = Table(
    "offer_contacts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("offer_id", String(16), ForeignKey("offers.id"), nullable=False),
    Column("fiche_id", String(16), ForeignKey("fiches.id"), nullable=False),
    Column("at", Date, nullable=False),
    Column("by", String(STRUCTURE)),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("offer_id", "fiche_id"),
    Index(None, "fiche_id"),
)

offer_requests = Table(
    "offer_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("offer_id", String(16), ForeignKey("offers.id"), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("name", Text, nullable=False),
    Column("email", Text),
    Column("phone", Text),
    Column("message", Text, nullable=False),
    Column("consent", Boolean, nullable=False),
    Column("sender", String(32), nullable=False),
    Column("fiche_id", String(16), ForeignKey("fiches.id")),
    Column("handled_by", String(STRUCTURE)),
    Column("handled_at", DateTime(timezone=True)),
    Index(None, "offer_id"),
    Index(None, "sender", "received_at"),
)
