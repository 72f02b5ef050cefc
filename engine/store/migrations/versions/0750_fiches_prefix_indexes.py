"""fiches: the indexes on lead and on received_by alone dropped (each is the prefix of two indexes of 0730)

Revision ID: 0750
Revises: 0740
Create Date: 2026-12-01

``ix_fiches_lead`` and ``ix_fiches_received_by`` date from the first schema; migration 0730 added
(lead, received), (lead, stage, received), (received_by, received) and (received_by, stage, received,
lead) for the desk.  Every query that filtered on ``lead`` or ``received_by`` (``fiche list --lead``,
the caseload by lead, the desk's parts of a caseload) reads as well from a composite index that starts
with the same column, so the two single-column indexes only cost each write of a fiche: ``fiche import``
maintained twelve b-trees per ``fiches`` row (issue 19, docs/performance.md "Import, fifth pass").
"""

from __future__ import annotations

from alembic import op

revision = "0750"
down_revision = "0740"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fiches") as batch:
        batch.drop_index("ix_fiches_lead")
        batch.drop_index("ix_fiches_received_by")


def downgrade() -> None:
    with op.batch_alter_table("fiches") as batch:
        batch.create_index("ix_fiches_received_by", ["received_by"])
        batch.create_index("ix_fiches_lead", ["lead"])
