"""The shared store: fiches and their append-only history, in SQLite (embedded) or PostgreSQL.

Entry points: :func:`engine.store.db.open_store` (a :class:`~engine.store.db.Store` for a URL),
:mod:`engine.store.repository` (every read and write of fiches, one transaction per command),
:mod:`engine.store.access` (who is asking, and what they may see and do).
"""
