"""porteur keys: which fiches share a porteur (the report counts porteurs, not fiches)

Revision ID: 0720
Revises: 0730
Create Date: 2026-11-30

* ``store_secrets`` holds the store's random HMAC key (``porteur_key``);
* ``porteur_keys`` one row per digest of a fiche's porteur (name with e-mail, name with phone),
  computed here for the fiches already stored (engine/store/porteur_keys.py).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0720"
down_revision = "0730"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from engine.store.porteur_keys import SECRET_NAME, digests

    op.create_table(
        "store_secrets",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_store_secrets")),
    )
    op.create_table(
        "porteur_keys",
        sa.Column("fiche_id", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["fiche_id"], ["fiches.id"], name=op.f("fk_porteur_keys_fiche_id")),
        sa.PrimaryKeyConstraint("fiche_id", "digest", name=op.f("pk_porteur_keys")),
    )
    op.create_index(op.f("ix_porteur_keys_digest"), "porteur_keys", ["digest"])

    conn = op.get_bind()
    key = secrets.token_hex(32)
    conn.execute(sa.table("store_secrets", sa.column("name"), sa.column("value")).insert().values(name=SECRET_NAME, value=key))
    fiches = sa.table(
        "fiches", sa.column("id"), sa.column("porteur_name"), sa.column("porteur_email"), sa.column("porteur_phone")
    )
    rows = [
        {"fiche_id": r.id, "digest": d}
        for r in conn.execute(sa.select(fiches.c.id, fiches.c.porteur_name, fiches.c.porteur_email, fiches.c.porteur_phone))
        for d in sorted(digests(key, r.porteur_name, r.porteur_email, r.porteur_phone))
    ]
    if rows:
        conn.execute(sa.table("porteur_keys", sa.column("fiche_id"), sa.column("digest")).insert(), rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_porteur_keys_digest"), table_name="porteur_keys")
    op.drop_table("porteur_keys")
    op.drop_table("store_secrets")
