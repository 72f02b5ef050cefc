"""Use cases of the store's database: upgrade its schema, verify fiches against their history."""

from __future__ import annotations

from dataclasses import dataclass

from engine.app.workspace import Workspace
from engine.store.queries import Verification

__all__ = ["Upgraded", "Verification", "upgrade", "verify"]


@dataclass
class Upgraded:
    """``db upgrade``: the store (as displayed: never a password) and its revision before and after."""

    store: str
    before: str | None
    after: str

    def to_dict(self) -> dict[str, str | None]:
        return {"store": self.store, "before": self.before, "after": self.after}


def upgrade(ws: Workspace) -> Upgraded:
    """Apply the pending Alembic migrations in one transaction (the store is opened without the schema check)."""
    from engine.store import db

    url = db.resolve_url(ws.config.db)
    store = db.Store(url, db.make_engine(url))
    try:
        before, after = db.upgrade(store)
    finally:
        store.dispose()
    return Upgraded(db.display(url), before, after)


def verify(ws: Workspace) -> Verification:
    """Rebuild every fiche from its events and list each difference with the stored state."""
    from engine.store import queries

    with ws.store.transaction() as conn:
        return queries.verify(conn)
