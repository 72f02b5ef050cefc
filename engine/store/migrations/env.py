"""Alembic environment of the store, driven from code (see :func:`engine.store.db.alembic_config`).

The caller passes an open connection in ``config.attributes["connection"]`` so that an upgrade runs
inside the caller's transaction; there is no alembic.ini and no URL here.
"""

from __future__ import annotations

from alembic import context

from engine.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("capactif migrations run through 'capactif db upgrade', which passes a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
