"""What a use case works with: the configuration, and the network, charter and store opened once.

A front end makes one :class:`Workspace` per session (one per command on the command line, one
per process for the web application) and passes it, with the caller's
:class:`~engine.identity.Identity`, to the use cases of :mod:`engine.app`.  Each resource is
opened on first use and then shared, so a command that needs the rules twice (to check a fiche,
then to name its commune) reads them, and asks git for their version, once.

Nothing here renders or masks: that is for the use cases (masking) and the front ends (rendering).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from types import EllipsisType, TracebackType
from typing import TYPE_CHECKING, Any

from engine.app.config import Config, resolve
from engine.identity import ANONYMOUS, ROLES, Identity

if TYPE_CHECKING:  # imported for types only: the store pulls SQLAlchemy, the rules pydantic
    from engine.charter import Charter
    from engine.network import Network
    from engine.published.resolve import RulesChoice
    from engine.store.db import Store
    from engine.store.lite import LiteStore


class Workspace:
    """The resolved :class:`Config` and, opened lazily and once, the network, the charter and the store."""

    def __init__(
        self, config: Config, *, on_warning: Callable[[str], None] | None = None, connections: int | None = None
    ) -> None:
        self.config = config
        self._store: Store | None = None
        self.on_warning = on_warning
        self.warnings: list[str] = []
        #: Connections the store's pool keeps open (a server's threads each hold one; None: the default).
        self.connections = connections

    @classmethod
    def open(
        cls,
        *,
        db: str | None = None,
        rules: str | Path | None = None,
        charter: str | Path | None = None,
        as_: str | None = None,
        on_warning: Callable[[str], None] | None = None,
        connections: int | None = None,
    ) -> Workspace:
        """A workspace from front-end options (see :func:`engine.app.config.resolve` for the defaults).

        ``connections``: how many connections the store's pool keeps open — a long-lived process whose
        threads each hold one (``capactif serve``) gives its number of threads, so that none is opened and
        closed again at each request."""
        return cls(
            resolve(db=db, rules=rules, charter=charter, as_=as_), on_warning=on_warning, connections=connections
        )

    # --- what use cases need ---------------------------------------------------------------------

    @cached_property
    def network(self) -> Network:
        """The rules to route with, loaded and checked (raises ``RulesError`` with every problem).

        With a store that has rules in force, those (unless ``--rules``/``$CAPACTIF_RULES`` names a
        directory, with a warning when it differs): see :mod:`engine.published.resolve`.
        """
        from engine import network

        choice = self.rules_choice
        loaded = network.load(choice.directory)
        if choice.version is not None:
            loaded.rules.version = choice.version
        return loaded

    @cached_property
    def directory_network(self) -> Network:
        """The rules of the configured directory alone, never the store's (``rules check``/``test``/…)."""
        from engine import network

        return network.load(self.config.rules_dir)

    @cached_property
    def rules_choice(self) -> RulesChoice:
        """Which rules :attr:`network` reads: the store's rules in force or the configured directory."""
        from engine.published.resolve import RulesChoice, choose

        if not self.config.store_configured:
            return RulesChoice(self.config.rules_dir)
        options = {"explicit": self.config.rules_explicit, "local": self.config.rules_local}
        with self.quick_reads() as lite:
            if lite is not None:
                from engine.published.lite import LiteReads

                choice = choose(LiteReads(lite.connection), self.config.rules_dir, **options)
        if lite is None:
            from engine.published.repository import ConnectionReads

            with self.store.transaction() as conn:
                choice = choose(ConnectionReads(conn), self.config.rules_dir, **options)
        if choice.warning:
            self.warn(choice.warning)
        return choice

    def refresh_rules(self, in_force_id: int | EllipsisType | None = ...) -> bool:
        """Follow a new publication of rules (a long-lived workspace: the web application, each request).

        One cheap query — none when the caller read the id of the publication in force already
        (``in_force_id``, None when nothing was ever published: :data:`engine.published.repository.IN_FORCE_ID`
        read with the request's session).  When the rules in force changed since :attr:`network` was
        loaded, the loaded and compiled rules are dropped so the next use reads the new ones.  True
        when they changed.
        """
        if "rules_choice" not in self.__dict__ or not self.config.store_configured:
            return False
        if in_force_id is ...:
            from engine.published.repository import in_force

            with self.store.reading() as conn:
                current = in_force(conn)
            in_force_id = current.id if current else None
        known = self.rules_choice.in_force
        if in_force_id == (known.id if known else None):
            return False
        for name in ("rules_choice", "network", "compiled_rules"):
            self.__dict__.pop(name, None)
        return True

    def warn(self, message: str) -> None:
        """A warning for the person at the front end (printed by the CLI, shown by the web page)."""
        self.warnings.append(message)
        if self.on_warning is not None:
            self.on_warning(message)

    @cached_property
    def charter(self) -> Charter:
        """The charter loaded and checked (raises ``CharterError`` with every problem)."""
        from engine.charter import load_charter

        return load_charter(self.config.charter_dir)

    @property
    def store(self) -> Store:
        """The store, opened (and a new SQLite file created) on first use, closed by :meth:`close`."""
        if self._store is None:
            from engine.store.db import open_store

            self._store = open_store(self.config.db, pool_size=self.connections)
        return self._store

    @contextmanager
    def quick_reads(self) -> Iterator[LiteStore | None]:
        """The store opened with ``sqlite3`` for one read-only step, or None: then use :attr:`store`.

        Only while :attr:`store` is not open and the store is a SQLite file at the head revision
        (:func:`engine.store.lite.open_lite`): a command that only reads the rules in force and the
        caseloads (``suggest fiche.yaml``) then never imports SQLAlchemy.  The connection is closed
        at the end of the block, so it is never shared between threads (the web application).
        """
        if self._store is not None or not self.config.store_configured:
            yield None
            return
        from engine.store.lite import open_lite

        lite = open_lite(self.config.db)
        if lite is None:
            yield None
            return
        try:
            with lite.snapshot():
                yield lite
        finally:
            lite.close()

    @property
    def store_opened(self) -> bool:
        """Whether :attr:`store` was used (tests, and the web application's shutdown)."""
        return self._store is not None

    @cached_property
    def compiled_rules(self) -> Any:
        """The network's rules compiled for routing (compiled once, shared by every suggestion), from the
        cache of compiled rules when they are there (:mod:`engine.routing.cache`): :attr:`network` is then not
        loaded at all unless a use case asks for it (a cold ``suggest fiche.yaml`` does not)."""
        from engine.routing.cache import compiled_rules

        choice = self.rules_choice
        version = self.network.rules.version if "network" in self.__dict__ else choice.version
        return compiled_rules(choice.directory, version, lambda: self.network.rules)

    def identity(self, as_: str | None = None) -> Identity:
        """The caller named by ``as_`` (else the configuration's ``--as``/``$CAPACTIF_AS``).

        A role needs no rules; a structure id is checked against the network's structures
        (``--as: unknown structure or role …``, exit 2).  Nobody named is the public
        (:data:`~engine.identity.ANONYMOUS`).
        """
        name = as_ or self.config.as_
        if name is None:
            return ANONYMOUS
        if name in ROLES:
            return Identity(name)
        from engine.store.access import viewer

        return viewer(name, self.network.structure_ids)

    # --- lifetime ----------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the store's connections (the loaded rules and charter are plain data)."""
        if self._store is not None:
            self._store.dispose()
            self._store = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
