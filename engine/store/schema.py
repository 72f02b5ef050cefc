"""The store's tables: one schema, the same on SQLite (embedded) and PostgreSQL (a network's server).

Design decisions:

* ``fiches`` holds the *current state* of each fiche, one column per field of :class:`engine.fiche.Fiche`
  (the porteur flattened into ``porteur_*`` columns so that personal data is easy to leave out).
  ``needs`` and ``publics`` are JSON lists: they are read with the fiche, never filtered on in SQL.
* ``fiche_supports`` is a child table (fiche, structure, position) with an index on ``structure``:
  "the fiches a structure supports" is a daily question and must not scan every fiche's JSON;
  ``position`` keeps the order in which supporting structures were added.
* ``local_network`` is copied from the territory when the fiche is written, so filtering a local
  network is an indexed equality, not a join on a territory that lives in YAML.
* ``version`` implements optimistic concurrency: every change is ``UPDATE … WHERE id = ? AND
  version = ?``; zero rows updated means someone else changed the fiche first.
* ``events`` is append-only (the code never updates or deletes a row in it); ``version`` on each
  event is the fiche's version once the event was applied, so ``db verify`` can check both.
* ``fiche_suggestions`` is the *current* suggestion of each fiche (from its last ``suggested`` event):
  one row per structure asked to lead or support it, with the needs, the reasons and the day it was
  first asked.  "What is suggested to my structure and still unanswered" is every technician's
  daily list (the desk's "À traiter"): an indexed lookup by structure, never a scan of the events.
* ``events`` is also a hash chain (``seq``, ``hash``): each event's hash covers the previous event's hash
  and everything the event records, so rewriting, inserting or deleting an event breaks the chain from
  there (:mod:`engine.store.chain`).  ``event_chain`` holds the head (last ``seq`` and ``hash``); it is
  updated under its row lock by every append, which also serialises appends into one linear chain.
  ``actor`` is the authenticated caller (``--as``, or the signed-in role), ``account`` the web account
  id (None on the command line); ``by`` stays the structure that did it, which only the coordinator may
  set to someone else.  ``recorded_at`` is the database server's clock.
* ``personal_data`` holds the porteur's name, e-mail, phone and every free text (summary, notes,
  contacts, comments) *outside* the chained payloads: a payload keeps only a salted digest
  (:mod:`engine.store.personal`), one row per event payload since 2026-12-01 (the values of a payload as
  one JSON object; rows written before hold one value each).  Erasing a person deletes those rows; the
  chain still verifies.
* ``fiche_projection`` holds, per fiche, the facts of its history the alerts need (last event, lead
  assignments, last change of its structures, structures outside it that recorded events): written
  with the events, checked and rebuilt by ``db verify`` (:mod:`engine.store.projection`).
* ``fiche_sequences`` allocates ``F-YYYY-NNNN`` ids: one row per year, incremented by an UPDATE that
  takes the row's write lock, so two concurrent adds never get the same number on either backend.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from engine import limits

# Explicit constraint names: identical on both backends, so migrations can refer to them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Lengths shared with the models that validate input (engine/limits.py): what they accept fits here.
STRUCTURE = limits.STRUCTURE_LENGTH  # structure ids are short slugs ("cma-63"); roles ("coordinator") fit too
ID = limits.ID_LENGTH  # F-YYYY-NNNN (at most 9 digits)

fiches = Table(
    "fiches",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("received", Date, nullable=False),
    Column("received_by", String(STRUCTURE)),
    Column("summary", Text, nullable=False, default=""),
    Column("porteur_name", Text),
    Column("porteur_email", Text),
    Column("porteur_phone", Text),
    Column("consent_network", Boolean, nullable=False, default=False),
    Column("commune", String(5), nullable=False),
    Column("local_network", String(STRUCTURE)),
    Column("kind", String(16), nullable=False),
    Column("naf", String(8)),
    Column("nature", String(16)),
    Column("employees", Integer),
    Column("artisan_registered", Boolean),
    Column("farm_link", String(16)),
    Column("needs", JSON, nullable=False),
    Column("publics", JSON, nullable=False),
    Column("stage", String(16), nullable=False),
    Column("lead", String(STRUCTURE)),
    Column("installed_on", Date),
    Column("follow_up_by", String(STRUCTURE)),
    Column("held_from", String(16)),
    Column("offer", String(STRUCTURE)),
    Column("orphan", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("year", "number"),
    Index(None, "stage"),
    Index(None, "commune"),
    Index(None, "local_network"),
    Index(None, "received"),
    # "Mes fiches": each part of a structure's caseload newest first (with or without a stage chosen),
    # and counted by stage from the index alone (migration 0730).  A filter on ``lead`` or ``received_by``
    # alone reads them too (their own indexes were dropped by migration 0750: each write paid for them).
    Index(None, "lead", "received"),
    Index(None, "lead", "stage", "received"),
    Index(None, "received_by", "received"),
    Index(None, "received_by", "stage", "received", "lead"),
)

fiche_supports = Table(
    "fiche_supports",
    metadata,
    Column("fiche_id", String(ID), ForeignKey("fiches.id"), primary_key=True),
    Column("structure", String(STRUCTURE), primary_key=True),
    Column("position", Integer, nullable=False),
    Index(None, "structure"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fiche_id", String(ID), ForeignKey("fiches.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("at", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("by", String(STRUCTURE)),
    Column("payload", JSON, nullable=False),
    Column("actor", String(STRUCTURE)),
    Column("account", String(STRUCTURE)),
    Column("seq", Integer, nullable=False, unique=True),
    Column("hash", String(64), nullable=False),
    Index(None, "fiche_id", "id"),
    Index(None, "kind"),
)

fiche_suggestions = Table(
    "fiche_suggestions",
    metadata,
    Column("fiche_id", String(ID), ForeignKey("fiches.id"), primary_key=True),
    Column("structure", String(STRUCTURE), primary_key=True),
    Column("role", String(8), primary_key=True),
    Column("since", Date, nullable=False),
    Column("needs", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),
    # Whether the suggestion still waits for the structure's answer (engine.store.suggestions.is_open),
    # kept by every write of the fiche: "À traiter" reads it through the index below, oldest first.
    Column("open", Boolean, nullable=False, server_default=false()),
    Index(None, "structure", "role"),
    Index(None, "structure", "open", "since", "fiche_id"),
)

event_chain = Table(
    "event_chain",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

personal_data = Table(
    "personal_data",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("fiche_id", String(16), ForeignKey("fiches.id"), nullable=False),
    Column("salt", String(32), nullable=False),
    Column("value", Text, nullable=False),
    Index(None, "fiche_id"),
)

#: Which fiches share a porteur (the yearly report counts porteurs, not fiches): one row per digest of
#: a fiche's porteur, HMAC-SHA-256 under ``store_secrets.porteur_key`` of the normalised name with the
#: e-mail, and of the name with the phone (engine/store/porteur_keys.py).  As confidential as the name:
#: never shown, never exported; read only to count porteurs.
porteur_keys = Table(
    "porteur_keys",
    metadata,
    Column("fiche_id", String(16), ForeignKey("fiches.id"), primary_key=True),
    Column("digest", String(64), primary_key=True),
    Index(None, "digest"),
)

#: Secrets of this store (``porteur_key``: the HMAC key of ``porteur_keys``), created by migration 0720.
store_secrets = Table(
    "store_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(64), nullable=False),
)

fiche_sequences = Table(
    "fiche_sequences",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
)

fiche_projection = Table(
    "fiche_projection",
    metadata,
    Column("fiche_id", String(ID), ForeignKey("fiches.id"), primary_key=True),
    Column("last_event", Date, nullable=False),
    Column("lead_since", Date),
    Column("assignment_since", Date),
    Column("follow_up_set", Date),
    Column("lead_assignments", Integer, nullable=False),
    Column("lead_history", JSON(none_as_null=True)),
    Column("shared", JSON(none_as_null=True)),
    # The latest of the reception and every event that changes more than the last event's day, and the
    # days of the contacts, notes and answers after it (migration 0740; engine/store/projection.py).
    Column("last_change", Date),
    Column("later", JSON(none_as_null=True)),
    # The supporting structures after the last event, in order (migration 0760): what ``fiche_supports``
    # holds for the fiche, read in the alerts' one query over the fiches.
    Column("supporting", JSON(none_as_null=True)),
)
