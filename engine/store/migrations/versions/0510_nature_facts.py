"""facts of the fiche that change its nature: artisan_registered, farm_link (issue 16)

Revision ID: 0510
Revises: 0500
Create Date: 2026-11-30

``artisan_registered`` (droit de suite, loi 96-603 art. 19: a registered artisan keeps the CMA above
ten employees) and ``farm_link`` (Code rural L311-1: a farmer's related activity, an equestrian
centre, is agricultural).  Both nullable: existing fiches keep their meaning (unset = presumed).
A later store migration must revise this one (keep a single head).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0510"
down_revision = "0500"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fiches") as batch:
        batch.add_column(sa.Column("artisan_registered", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("farm_link", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fiches") as batch:
        batch.drop_column("farm_link")
        batch.drop_column("artisan_registered")
