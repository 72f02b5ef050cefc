"""the projection of each fiche's history the alerts read (fiche_projection)

Revision ID: 0710
Revises: 0720
Create Date: 2026-11-30

``fiche_projection`` (engine/store/projection.py): per fiche, the day of its last event, its lead
assignments, the last change of its structures and of its follow-up structure, and the structures
outside it that recorded events on it.  Filled from the stored histories (the same replay as
``db verify``) by migration 0760, once 0740 and 0760 added the columns the projection's code now writes;
every later write keeps it with its events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0710"
down_revision = "0720"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fiche_projection",
        sa.Column("fiche_id", sa.String(length=16), nullable=False),
        sa.Column("last_event", sa.Date(), nullable=False),
        sa.Column("lead_since", sa.Date(), nullable=True),
        sa.Column("assignment_since", sa.Date(), nullable=True),
        sa.Column("follow_up_set", sa.Date(), nullable=True),
        sa.Column("lead_assignments", sa.Integer(), nullable=False),
        sa.Column("lead_history", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("shared", sa.JSON(none_as_null=True), nullable=True),
        sa.ForeignKeyConstraint(["fiche_id"], ["fiches.id"], name=op.f("fk_fiche_projection_fiche_id")),
        sa.PrimaryKeyConstraint("fiche_id", name=op.f("pk_fiche_projection")),
    )


def downgrade() -> None:
    op.drop_table("fiche_projection")
