"""accounts, web sessions, password links, sign-in throttle, access log (engine/accounts, engine/audit)

Revision ID: 0500
Revises: 0400
Create Date: 2026-11-30

Adds the tables of the web application's accounts (engine/accounts/tables.py) and the access log
(engine/audit/tables.py).  A later store migration must revise this one (keep a single head).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0500"
down_revision = "0400"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("structure", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(structure IS NULL) <> (role IS NULL)", name="ck_accounts_structure_or_role"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
    )
    op.create_table(
        "account_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_account_sessions_account_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_sessions")),
    )
    op.create_index(op.f("ix_account_sessions_account_id"), "account_sessions", ["account_id"])
    op.create_table(
        "password_links",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_password_links_account_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_links")),
    )
    op.create_index(op.f("ix_password_links_account_id"), "password_links", ["account_id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_sign_in_failures")),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fiche_id", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("account", sa.String(length=32), nullable=True),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("detail", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    op.create_index(op.f("ix_access_log_fiche_id_at"), "access_log", ["fiche_id", "at"])
    op.create_index(op.f("ix_access_log_at"), "access_log", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_access_log_at"), table_name="access_log")
    op.drop_index(op.f("ix_access_log_fiche_id_at"), table_name="access_log")
    op.drop_table("access_log")
    op.drop_table("sign_in_failures")
    op.drop_index(op.f("ix_password_links_account_id"), table_name="password_links")
    op.drop_table("password_links")
    op.drop_index(op.f("ix_account_sessions_account_id"), table_name="account_sessions")
    op.drop_table("account_sessions")
    op.drop_table("accounts")
