"""``capactif db roles``: the PostgreSQL role the application runs as, which cannot rewrite history.

Why: the hash chain (:mod:`engine.store.chain`) makes a rewrite of the event log visible; the
database's own permissions make it impossible for the application.  The role created here (the web
application's, and the technicians' command line on a server) may read every table and insert
events, but may neither update nor delete an event: a stolen web session or a bug in capactif
cannot change what happened.  Schema changes (``db upgrade``), the space recovery after an erasure
(``VACUUM FULL`` needs the tables' owner) and this command itself run as the owner, the
administrator's account.

On SQLite there are no roles: the file's permissions (0600, :func:`engine.store.db.create_private`)
are the protection, and whoever can write the file is the administrator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from engine.errors import InputError
from engine.i18n import _

#: Tables whose rows the application never changes once written.
APPEND_ONLY = ("events",)
#: Tables the application reads only.
READ_ONLY = ("alembic_version",)
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass
class Granted:
    """What ``db roles`` did: the role, the schema, and one line per grant."""

    role: str
    schema: str
    created: bool
    grants: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"role": self.role, "schema": self.schema, "created": self.created, "grants": list(self.grants)}


def grant_app_role(conn: Connection, role: str, password: str | None = None) -> Granted:
    """Create ``role`` (LOGIN) if needed and grant it what the application needs, events insert-only."""
    if conn.dialect.name != "postgresql":
        raise InputError(
            _("db roles is for PostgreSQL: a SQLite store has no roles; keep its file readable by its owner only")
        )
    if not _NAME.match(role):
        raise InputError(
            _("--role: '{role}' is not a PostgreSQL role name (lower-case letters, digits, _)").format(role=role)
        )
    schema: str = conn.execute(text("SELECT current_schema()")).scalar_one()
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is not None
    result = Granted(role, schema, created=not exists)
    if not exists:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    if password:
        conn.execute(text(f"ALTER ROLE \"{role}\" PASSWORD '{_literal(password)}'"))
    grants = [f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"']
    tables: set[str] = set(
        conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}).scalars()
    )
    for table in sorted(tables):
        name = f'"{schema}"."{table}"'
        grants.append(f'REVOKE ALL ON {name} FROM "{role}"')
        if table in APPEND_ONLY:
            grants.append(f'GRANT SELECT, INSERT ON {name} TO "{role}"')
        elif table in READ_ONLY:
            grants.append(f'GRANT SELECT ON {name} TO "{role}"')
        else:
            grants.append(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO "{role}"')
    grants.append(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"')
    for statement in grants:
        conn.execute(text(statement))
    result.grants = grants
    return result


def _literal(value: str) -> str:
    return value.replace("'", "''")
