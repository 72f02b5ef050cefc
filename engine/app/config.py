"""Configuration resolved in one place: which store, which rules, which charter, who is asking.

Every front end hands its options to :func:`resolve`; nothing below reads ``$CAPACTIF_*`` for
these settings again.  Order of precedence, the same for every command:

========== ================= ==================== ==========================================================
setting    option            environment          default
========== ================= ==================== ==========================================================
store      ``--db URL``      ``$CAPACTIF_DB``     ``capactif.sqlite`` in ``$CAPACTIF_HOME`` (or
                                                  ``~/.local/share/capactif``)
rules      ``--rules DIR``   ``$CAPACTIF_RULES``  ``./rules`` when it holds ``territory.yaml``, else the
                                                  bundled Cap Actif network
charter    ``--charter DIR`` ``$CAPACTIF_CHARTER`` ``./charter`` when it holds ``commitments.yaml``, else
                                                  the bundled charter
caller     ``--as WHO``      ``$CAPACTIF_AS``     nobody (the public)
web links  ``--base-url URL`` ``$CAPACTIF_BASE_URL`` ``http://127.0.0.1:8000`` (:func:`base_url`: the address in
                                                  the one-time links of ``capactif user add/reset``)
========== ================= ==================== ==========================================================

Importing this module is cheap (no SQLAlchemy, no pydantic): the command line's start-up time
matters (docs/performance.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine import paths


@dataclass(frozen=True)
class Config:
    """The resolved settings of one front-end session (a command, or the web application)."""

    db: str | None
    """The store as given (``--db`` or ``$CAPACTIF_DB``: a URL or a SQLite file), None for the default file."""
    rules_dir: Path
    """The rules directory (``--rules``, ``$CAPACTIF_RULES``, ``./rules``, bundled)."""
    charter_dir: Path
    """The charter directory (``--charter``, ``$CAPACTIF_CHARTER``, ``./charter``, bundled)."""
    as_: str | None
    """Who is asking, as given (``--as`` or ``$CAPACTIF_AS``); checked by :meth:`Workspace.identity`."""
    rules_explicit: bool = False
    """The rules directory was named (``--rules`` or ``$CAPACTIF_RULES``): it wins over the store's
    rules in force, with a warning when they differ (:mod:`engine.published.resolve`)."""
    rules_local: bool = False
    """The rules directory is a ``./rules`` found in the working directory (not named, not bundled)."""

    @property
    def store_file_default(self) -> Path:
        """The embedded SQLite file used when no store is given."""
        return paths.default_store_file()

    @property
    def store_configured(self) -> bool:
        """Whether a store was named, or the default embedded file already exists.

        ``suggest`` uses the stored caseloads only then; it never creates a store as a side effect.
        """
        return self.db is not None or self.store_file_default.exists()


def resolve(
    *,
    db: str | None = None,
    rules: str | Path | None = None,
    charter: str | Path | None = None,
    as_: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """The configuration from the front end's options, then the environment, then the defaults.

    ``environ`` defaults to ``os.environ`` (tests pass their own).  The rules and charter
    directories are only located here; they are read (and checked) on first use by the
    :class:`~engine.app.workspace.Workspace`.
    """
    env = os.environ if environ is None else environ
    if environ is not None:
        # paths.* read os.environ: honour an explicit mapping for the two directories too
        rules = rules or env.get("CAPACTIF_RULES") or None
        charter = charter or env.get("CAPACTIF_CHARTER") or None
    explicit = bool(rules or env.get("CAPACTIF_RULES"))
    rules_dir = paths.rules_dir(rules)
    return Config(
        db=db or env.get("CAPACTIF_DB") or None,
        rules_dir=rules_dir,
        rules_explicit=explicit,
        rules_local=not explicit and rules_dir == Path.cwd() / "rules",
        charter_dir=paths.charter_dir(charter),
        as_=as_ or env.get("CAPACTIF_AS") or None,
    )


#: Where ``capactif serve`` listens by default: the one-time links point there unless told otherwise.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def base_url(given: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The web application's address for the links the command line prints (``--base-url``, then
    ``$CAPACTIF_BASE_URL``, then :data:`DEFAULT_BASE_URL`)."""
    env = os.environ if environ is None else environ
    return given or env.get("CAPACTIF_BASE_URL") or DEFAULT_BASE_URL
