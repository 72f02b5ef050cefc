"""the projection keeps each fiche's supporting structures, so the alerts read every fiche in one query

Revision ID: 0760
Revises: 0750
Create Date: 2026-12-01

``fiche_projection.supporting``: the fiche's supporting structures after its last event, in the order
they were added (a JSON list, NULL for none).  ``capactif alerts`` read them by a second query over
``fiche_supports``, sorted by fiche and position and grouped in Python: 0.21 s of the command's 2.5 s
at 200,000 fiches (issue 19, docs/performance.md "Alerts at scale, fifth pass"); the column comes
with the rest of the fiche's row in the load's one query (engine/readmodel/load.py).  Filled here
from ``fiche_supports``; every later write keeps it with the other facts, ``db verify`` compares it
with the replayed history.  A projection still empty (migration 0710 just created it in this upgrade)
is filled here from the histories, whole.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0760"
down_revision = "0750"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from engine.store import projection

    with op.batch_alter_table("fiche_projection") as batch:
        batch.add_column(sa.Column("supporting", sa.JSON(none_as_null=True), nullable=True))
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM fiche_projection LIMIT 1")).first() is None:
        projection.rebuild(conn)  # created by 0710 in this upgrade: every row, from the histories
    else:
        projection.fill_supporting(conn)


def downgrade() -> None:
    with op.batch_alter_table("fiche_projection") as batch:
        batch.drop_column("supporting")
