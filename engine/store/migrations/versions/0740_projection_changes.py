"""the projection says when a fiche last changed, so the alerts at a past date replay fewer fiches

Revision ID: 0740
Revises: 0710
Create Date: 2026-12-01

``fiche_projection.last_change``: the latest of the reception and the day of every event other than
a contact, a note or an answer to a suggestion (``projection.UNCHANGING``); ``later``: the days of
those events dated after it.  ``capactif alerts --as-of D`` replayed every fiche with an event after
``D`` (at 90 days back, three quarters of the 200,000-fiche benchmark): a fiche whose events after
``D`` only record contacts, notes or answers is as it is now on ``D``, but for the day of its last
event, which these two columns give (engine/readmodel/load.py).  Filled here from the kinds and days
of the stored events; every later write keeps them, ``db verify`` compares them with the replay.
A projection still empty (migration 0710 just created it) is left to migration 0760, which fills it
from the histories, whole, once the table has every column the projection's code writes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0740"
down_revision = "0710"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from engine.store import projection

    with op.batch_alter_table("fiche_projection") as batch:
        batch.add_column(sa.Column("last_change", sa.Date(), nullable=True))
        batch.add_column(sa.Column("later", sa.JSON(none_as_null=True), nullable=True))
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM fiche_projection LIMIT 1")).first() is not None:
        projection.fill_changes(conn)  # else created by 0710 in this upgrade: 0760 rebuilds it whole


def downgrade() -> None:
    with op.batch_alter_table("fiche_projection") as batch:
        batch.drop_column("later")
        batch.drop_column("last_change")
