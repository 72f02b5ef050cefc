"""The accounts' tables, in the store's schema (created by migration ``0500_accounts``).

* ``accounts``: one row per person; ``structure`` (a technician) or ``role`` (``coordinator``,
  ``committee``), never both; ``email`` is stored lower-case and unique; ``password_hash`` is an
  Argon2id hash (None until the person followed their one-time link); ``disabled`` accounts cannot
  sign in and lose their sessions.  Accounts are never deleted: the access log names them.
* ``account_sessions``: the web sessions, stored server-side so they can be revoked (sign-out,
  disabling, a password reset).  The cookie holds a random token; the table holds only its SHA-256
  (``id``), so a copy of the database gives no usable session.
* ``password_links``: the one-time links to set a password (new account, reset), by SHA-256 of the
  token too; a link is used once and expires.
* ``sign_in_failures``: consecutive failed sign-ins per e-mail address (known or not, so the
  throttle says nothing about which addresses have an account) and until when it is locked.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from engine.store.schema import STRUCTURE, metadata

EMAIL = 254  # RFC 5321's limit on a forward path

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(EMAIL), nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("structure", String(STRUCTURE)),
    Column("role", String(16)),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("password_hash", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("(structure IS NULL) <> (role IS NULL)", name="ck_accounts_structure_or_role"),
)

account_sessions = Table(
    "account_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Index(None, "account_id"),
)

password_links = Table(
    "password_links",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Index(None, "account_id"),
)

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("email", String(EMAIL), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
)
