"""activity offers and the contacts they brought (engine/offers/tables.py)

Revision ID: 0100
Revises: 0001
Create Date: 2026-11-27

Adds ``offers`` and ``offer_contacts`` for ``capactif offer`` and the yearly report's offer figures.
A later store migration must revise this one (keep a single head).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0100"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offers",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("commune", sa.String(length=5), nullable=False),
        sa.Column("local_network", sa.String(length=64), nullable=True),
        sa.Column("naf", sa.String(length=8), nullable=True),
        sa.Column("nature", sa.String(length=16), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("published_in", sa.Text(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_offers_year_number")),
    )
    op.create_index(op.f("ix_offers_published_on"), "offers", ["published_on"])
    op.create_index(op.f("ix_offers_local_network"), "offers", ["local_network"])
    op.create_table(
        "offer_contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("offer_id", sa.String(length=16), nullable=False),
        sa.Column("fiche_id", sa.String(length=16), nullable=False),
        sa.Column("at", sa.Date(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"], name=op.f("fk_offer_contacts_offer_id")),
        sa.ForeignKeyConstraint(["fiche_id"], ["fiches.id"], name=op.f("fk_offer_contacts_fiche_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_contacts")),
        sa.UniqueConstraint("offer_id", "fiche_id", name=op.f("uq_offer_contacts_offer_id_fiche_id")),
    )
    op.create_index(op.f("ix_offer_contacts_fiche_id"), "offer_contacts", ["fiche_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_offer_contacts_fiche_id"), table_name="offer_contacts")
    op.drop_table("offer_contacts")
    op.drop_index(op.f("ix_offers_local_network"), table_name="offers")
    op.drop_index(op.f("ix_offers_published_on"), table_name="offers")
    op.drop_table("offers")
