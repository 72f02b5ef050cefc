"""published rules sets, the committee's decisions, public offer requests

Revision ID: 0550
Revises: 0510
Create Date: 2026-11-30

Adds the content-addressed rules sets and their publications (engine/published/tables.py), the
committee's decisions (engine/decisions/tables.py), the messages visitors send through the public
offers exchange and the offers' ``online`` flag (engine/offers/tables.py).
A later store migration must revise this one (keep a single head).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0550"
down_revision = "0510"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("put_on", sa.Date(), nullable=False),
        sa.Column("put_by", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_decisions_year_number")),
    )
    op.create_table(
        "rules_blobs",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_rules_blobs")),
    )
    op.create_table(
        "rules_sets",
        sa.Column("version", sa.String(length=24), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_by", sa.String(length=64), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_version", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_rules_sets")),
        sa.UniqueConstraint("digest", name=op.f("uq_rules_sets_digest")),
    )
    op.create_table(
        "rules_set_files",
        sa.Column("version", sa.String(length=24), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["version"], ["rules_sets.version"], name=op.f("fk_rules_set_files_version")),
        sa.ForeignKeyConstraint(["digest"], ["rules_blobs.digest"], name=op.f("fk_rules_set_files_digest")),
        sa.PrimaryKeyConstraint("version", "path", name=op.f("pk_rules_set_files")),
    )
    op.create_table(
        "rules_publications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=24), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("decision_id", sa.String(length=16), nullable=True),
        sa.Column("tests_total", sa.Integer(), nullable=False),
        sa.Column("tests_failed", sa.Integer(), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("force_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["version"], ["rules_sets.version"], name=op.f("fk_rules_publications_version")),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], name=op.f("fk_rules_publications_decision_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules_publications")),
    )
    op.create_index(op.f("ix_rules_publications_version"), "rules_publications", ["version"])
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("online", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "offer_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("offer_id", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("fiche_id", sa.String(length=16), nullable=True),
        sa.Column("handled_by", sa.String(length=64), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"], name=op.f("fk_offer_requests_offer_id")),
        sa.ForeignKeyConstraint(["fiche_id"], ["fiches.id"], name=op.f("fk_offer_requests_fiche_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_requests")),
    )
    op.create_index(op.f("ix_offer_requests_offer_id"), "offer_requests", ["offer_id"])
    op.create_index(op.f("ix_offer_requests_sender_received_at"), "offer_requests", ["sender", "received_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_offer_requests_sender_received_at"), table_name="offer_requests")
    op.drop_index(op.f("ix_offer_requests_offer_id"), table_name="offer_requests")
    op.drop_table("offer_requests")
    with op.batch_alter_table("offers") as batch:
        batch.drop_column("online")
    op.drop_index(op.f("ix_rules_publications_version"), table_name="rules_publications")
    op.drop_table("rules_publications")
    op.drop_table("rules_set_files")
    op.drop_table("rules_sets")
    op.drop_table("rules_blobs")
    op.drop_table("decisions")
