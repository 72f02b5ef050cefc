"""events chained by hash, stored actors, personal data outside the chained payloads

Revision ID: 0600
Revises: 0550
Create Date: 2026-11-30

* ``events`` gains ``actor`` (the authenticated caller), ``account`` (the web account id), ``seq``
  and ``hash`` (the chain, engine/store/chain.py); ``event_chain`` holds the head.
* ``personal_data`` receives the personal values of every existing payload (name, e-mail, phone,
  summary, notes, comments: engine/store/personal.py); the payloads keep salted digests.
* The chain is computed over the existing events in id order.  Their ``actor`` stays empty: who
  typed them was never recorded.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0600"
down_revision = "0550"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from engine.store import chain, personal

    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("actor", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("account", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_table(
        "event_chain",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_chain")),
    )
    op.create_table(
        "personal_data",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("fiche_id", sa.String(length=16), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["fiche_id"], ["fiches.id"], name=op.f("fk_personal_data_fiche_id")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_personal_data")),
    )
    op.create_index(op.f("ix_personal_data_fiche_id"), "personal_data", ["fiche_id"])

    conn = op.get_bind()
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("fiche_id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("at", sa.Date),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
        sa.column("by", sa.String),
        sa.column("payload", sa.JSON),
        sa.column("actor", sa.String),
        sa.column("account", sa.String),
        sa.column("seq", sa.Integer),
        sa.column("hash", sa.String),
    )
    values = sa.table(
        "personal_data", sa.column("key"), sa.column("fiche_id"), sa.column("salt"), sa.column("value")
    )
    rows = conn.execute(
        sa.select(
            events.c.id,
            events.c.fiche_id,
            events.c.version,
            events.c.kind,
            events.c.at,
            events.c.recorded_at,
            events.c.by,
            sa.cast(events.c.payload, sa.Text).label("payload"),
        ).order_by(events.c.id)
    ).mappings().all()
    previous, seq = chain.GENESIS, 0
    for row in rows:
        seq += 1
        try:
            payload = json.loads(row["payload"])
        except (TypeError, ValueError):
            payload = row["payload"]  # kept as it is: db verify reports it
        extracted: list[dict] = []
        if isinstance(payload, dict):
            payload, extracted = personal.split(payload, row["fiche_id"])
        if extracted:
            conn.execute(sa.insert(values), extracted)
        data = {**row, "payload": payload, "seq": seq, "actor": None, "account": None}
        previous = chain.event_hash(previous, data)
        conn.execute(
            sa.update(events).where(events.c.id == row["id"]).values(payload=payload, seq=seq, hash=previous)
        )
    conn.execute(sa.insert(sa.table("event_chain", sa.column("id"), sa.column("seq"), sa.column("hash"))),
                 [{"id": chain.HEAD_ID, "seq": seq, "hash": previous}])  # fmt: skip
    with op.batch_alter_table("events") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f("uq_events_seq"), ["seq"])


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint(op.f("uq_events_seq"), type_="unique")
        batch.drop_column("hash")
        batch.drop_column("seq")
        batch.drop_column("account")
        batch.drop_column("actor")
    op.drop_index(op.f("ix_personal_data_fiche_id"), table_name="personal_data")
    op.drop_table("personal_data")
    op.drop_table("event_chain")
