"""the fiches, their supports, the event log and id sequences

Revision ID: 0001
Revises:
Create Date: 2026-11-27

The first schema (see engine/store/schema.py for the reasons behind each table).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fiche_sequences',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_fiche_sequences'))
    )
    op.create_table('fiches',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('received', sa.Date(), nullable=False),
    sa.Column('received_by', sa.String(length=64), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('porteur_name', sa.Text(), nullable=True),
    sa.Column('porteur_email', sa.Text(), nullable=True),
    sa.Column('porteur_phone', sa.Text(), nullable=True),
    sa.Column('consent_network', sa.Boolean(), nullable=False),
    sa.Column('commune', sa.String(length=5), nullable=False),
    sa.Column('local_network', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('naf', sa.String(length=8), nullable=True),
    sa.Column('nature', sa.String(length=16), nullable=True),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('publics', sa.JSON(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('lead', sa.String(length=64), nullable=True),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('follow_up_by', sa.String(length=64), nullable=True),
    sa.Column('held_from', sa.String(length=16), nullable=True),
    sa.Column('offer', sa.String(length=64), nullable=True),
    sa.Column('orphan', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fiches')),
    sa.UniqueConstraint('year', 'number', name=op.f('uq_fiches_year_number'))
    )
    op.create_index(op.f('ix_fiches_commune'), 'fiches', ['commune'])
    op.create_index(op.f('ix_fiches_lead'), 'fiches', ['lead'])
    op.create_index(op.f('ix_fiches_local_network'), 'fiches', ['local_network'])
    op.create_index(op.f('ix_fiches_received'), 'fiches', ['received'])
    op.create_index(op.f('ix_fiches_received_by'), 'fiches', ['received_by'])
    op.create_index(op.f('ix_fiches_stage'), 'fiches', ['stage'])

    op.create_table('events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('fiche_id', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('at', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['fiche_id'], ['fiches.id'], name=op.f('fk_events_fiche_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    op.create_index(op.f('ix_events_fiche_id_id'), 'events', ['fiche_id', 'id'])
    op.create_index(op.f('ix_events_kind'), 'events', ['kind'])

    op.create_table('fiche_supports',
    sa.Column('fiche_id', sa.String(length=16), nullable=False),
    sa.Column('structure', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fiche_id'], ['fiches.id'], name=op.f('fk_fiche_supports_fiche_id')),
    sa.PrimaryKeyConstraint('fiche_id', 'structure', name=op.f('pk_fiche_supports'))
    )
    op.create_index(op.f('ix_fiche_supports_structure'), 'fiche_supports', ['structure'])



def downgrade() -> None:
    op.drop_index(op.f('ix_fiche_supports_structure'), table_name='fiche_supports')

    op.drop_table('fiche_supports')
    op.drop_index(op.f('ix_events_kind'), table_name='events')
    op.drop_index(op.f('ix_events_fiche_id_id'), table_name='events')

    op.drop_table('events')
    op.drop_index(op.f('ix_fiches_stage'), table_name='fiches')
    op.drop_index(op.f('ix_fiches_received_by'), table_name='fiches')
    op.drop_index(op.f('ix_fiches_received'), table_name='fiches')
    op.drop_index(op.f('ix_fiches_local_network'), table_name='fiches')
    op.drop_index(op.f('ix_fiches_lead'), table_name='fiches')
    op.drop_index(op.f('ix_fiches_commune'), table_name='fiches')

    op.drop_table('fiches')
    op.drop_table('fiche_sequences')
