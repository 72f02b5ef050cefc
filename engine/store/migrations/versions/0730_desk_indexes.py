"""the desk's lists read through indexes: open suggestions flagged, caseload parts by date and stage

Revision ID: 0730
Revises: 0700
Create Date: 2026-11-30

* ``fiche_suggestions.open``: whether the suggestion still waits for the structure's answer
  (engine/store/suggestions.py ``is_open``), kept by every write of the fiche; with the index
  (structure, open, since, fiche_id), "À traiter" reads one page of open requests, oldest first,
  instead of joining every request the structure ever got with its fiche (32,598 for cma-63 in the
  100,000-fiche benchmark, 4,871 of them open).  Filled here from each fiche's lead, supports and stage.
* ``fiches`` (lead, received), (received_by, received): "Mes fiches" reads each part of a caseload
  newest first and stops at the page; (lead, stage, received), (received_by, stage, received, lead):
  the same with stages chosen, and its counts by stage from the index alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0730"
down_revision = "0700"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fiche_suggestions") as batch:
        batch.add_column(sa.Column("open", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_index(
            "ix_fiche_suggestions_structure_open_since_fiche_id", ["structure", "open", "since", "fiche_id"]
        )
    with op.batch_alter_table("fiches") as batch:
        batch.create_index("ix_fiches_lead_received", ["lead", "received"])
        batch.create_index("ix_fiches_lead_stage_received", ["lead", "stage", "received"])
        batch.create_index("ix_fiches_received_by_received", ["received_by", "received"])
        batch.create_index("ix_fiches_received_by_stage_received_lead", ["received_by", "stage", "received", "lead"])
    _fill_open()


def _fill_open() -> None:
    """Set the flag of every suggestion that waits for its answer (the rule of ``is_open``)."""
    from engine.store.suggestions import is_open

    conn = op.get_bind()
    suggestions = sa.table(
        "fiche_suggestions",
        sa.column("fiche_id", sa.String),
        sa.column("structure", sa.String),
        sa.column("role", sa.String),
        sa.column("open", sa.Boolean),
    )
    fiches = sa.table("fiches", sa.column("id", sa.String), sa.column("lead", sa.String), sa.column("stage", sa.String))
    supports = sa.table("fiche_supports", sa.column("fiche_id", sa.String), sa.column("structure", sa.String))
    supporting: dict[str, set[str]] = {}
    for fiche_id, structure in conn.execute(sa.select(supports.c.fiche_id, supports.c.structure)):
        supporting.setdefault(fiche_id, set()).add(structure)
    query = sa.select(
        suggestions.c.fiche_id, suggestions.c.structure, suggestions.c.role, fiches.c.lead, fiches.c.stage
    ).select_from(suggestions.join(fiches, fiches.c.id == suggestions.c.fiche_id))
    waiting = [
        {"f": fiche_id, "s": structure, "r": role}
        for fiche_id, structure, role, lead, stage in conn.execute(query)
        if is_open(role, structure, lead, supporting.get(fiche_id, ()), stage)
    ]
    statement = (
        suggestions.update()
        .where(
            suggestions.c.fiche_id == sa.bindparam("f"),
            suggestions.c.structure == sa.bindparam("s"),
            suggestions.c.role == sa.bindparam("r"),
        )
        .values(open=True)
    )
    for start in range(0, len(waiting), 5000):
        conn.execute(statement, waiting[start : start + 5000])


def downgrade() -> None:
    with op.batch_alter_table("fiches") as batch:
        batch.drop_index("ix_fiches_received_by_stage_received_lead")
        batch.drop_index("ix_fiches_received_by_received")
        batch.drop_index("ix_fiches_lead_stage_received")
        batch.drop_index("ix_fiches_lead_received")
    with op.batch_alter_table("fiche_suggestions") as batch:
        batch.drop_index("ix_fiche_suggestions_structure_open_since_fiche_id")
        batch.drop_column("open")
