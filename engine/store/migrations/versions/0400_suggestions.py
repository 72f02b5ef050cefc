"""the current suggestion of each fiche (fiche_suggestions), for the technicians' "À traiter" lists

Revision ID: 0400
Revises: 0100
Create Date: 2026-11-30

Adds ``fiche_suggestions`` (see engine/store/schema.py) and fills it from each fiche's last
``suggested`` event, so a store created before it lists the suggestions it already holds.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0400"
down_revision = "0100"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "fiche_suggestions",
        sa.Column("fiche_id", sa.String(length=16), nullable=False),
        sa.Column("structure", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["fiche_id"], ["fiches.id"], name=op.f("fk_fiche_suggestions_fiche_id")),
        sa.PrimaryKeyConstraint("fiche_id", "structure", "role", name=op.f("pk_fiche_suggestions")),
    )
    with op.batch_alter_table("fiche_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fiche_suggestions_structure_role"), ["structure", "role"], unique=False
        )
    _backfill(table)


def _backfill(table: sa.Table) -> None:
    """One row per structure of each fiche's last ``suggested`` event (replayed as the store does)."""
    from engine.store.events import SUGGESTED, next_suggested
    from engine.store.suggestions import rows_of

    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("fiche_id", sa.String),
        sa.column("kind", sa.String),
        sa.column("at", sa.Date),
        sa.column("payload", sa.JSON),
    )
    conn = op.get_bind()
    query = sa.select(events.c.fiche_id, events.c.at, events.c.payload).where(events.c.kind == SUGGESTED)
    current: dict[str, tuple[dict, dict]] = {}
    for fiche_id, at, payload in conn.execute(query.order_by(events.c.fiche_id, events.c.id)):
        previous = current.get(fiche_id, ({}, {}))[0]
        current[fiche_id] = (next_suggested(previous, payload, at), payload)
    rows = [row for fiche_id, (asked, payload) in current.items() for row in rows_of(fiche_id, asked, payload)]
    for start in range(0, len(rows), 5000):
        op.bulk_insert(table, rows[start : start + 5000])


def downgrade() -> None:
    with op.batch_alter_table("fiche_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fiche_suggestions_structure_role"))
    op.drop_table("fiche_suggestions")
