"""Use cases of the store's database: upgrade its schema, verify fiches against their history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.app.workspace import Workspace
from engine.store.projection import Rebuild
from engine.store.verify import Verification

__all__ = [
    "Anchor",
    "Rebuild",
    "Upgraded",
    "Verification",
    "chain_head",
    "grant_roles",
    "rebuild_projection",
    "upgrade",
    "verify",
]


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


def verify(ws: Workspace, *, anchor: str | None = None) -> Verification:
    """The hash chain, then every fiche rebuilt from its events, in one snapshot (``anchor``: a head
    hash written down earlier, checked to be still a link of the chain)."""
    from engine.store.verify import verify as check

    with ws.store.transaction(snapshot=True) as conn:
        return check(conn, anchor=anchor)


def rebuild_projection(ws: Workspace) -> Rebuild:
    """``db rebuild-projection``: every fiche's projection (what the alerts read) replayed from its
    history and rewritten where it differs, in one transaction (after a change made outside capactif)."""
    from engine.store import projection

    with ws.store.transaction() as conn:
        return projection.rebuild(conn)


@dataclass
class Anchor:
    """``db verify --anchor``: how many events, and the hash of the last one (for the minutes)."""

    events: int
    head: str

    @property
    def exit_code(self) -> int:
        return 0

    def to_dict(self) -> dict[str, object]:
        return {"events": self.events, "head": self.head}


def chain_head(ws: Workspace) -> Anchor:
    """The head of the event chain."""
    from engine.store.verify import head

    with ws.store.transaction(snapshot=True) as conn:
        return Anchor(*head(conn))


def grant_roles(ws: Workspace, role: str, password: str | None = None) -> Any:
    """``db roles``: the application's PostgreSQL role, which may insert events but not change them."""
    from engine.store.roles import grant_app_role

    with ws.store.transaction() as conn:
        return grant_app_role(conn, role, password)
