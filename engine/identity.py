"""Who is calling: a member structure, the coordinator, the committee, or the public.

Every use case of :mod:`engine.app` takes an :class:`Identity`; the store's access rules
(:mod:`engine.store.access`) decide from it what the caller may read and write.  It lives here, at
the bottom of the package graph, so that the store, the feature packages and every front end can
name it without importing each other.

* The command line builds it from ``--as`` / ``$CAPACTIF_AS`` (:meth:`engine.app.Workspace.identity`),
  checked against the network's structure ids.
* The web application builds it from the signed-in account: the same ``name`` (structure id or
  role) plus the ``account`` id and ``display_name``, which are shown and recorded but never
  widen what the caller may see (access depends on ``name`` alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

COORDINATOR = "coordinator"
COMMITTEE = "committee"
ROLES = (COORDINATOR, COMMITTEE)

Kind = Literal["structure", "coordinator", "committee", "anonymous"]


@dataclass(frozen=True)
class Identity:
    """The caller.

    ``name`` is a structure id, ``"coordinator"``, ``"committee"`` or None (the public, nobody
    named).  ``account`` and ``display_name`` identify a signed-in person (web); they do not change
    what the caller may see.
    """

    name: str | None
    account: str | None = field(default=None, compare=False)
    display_name: str | None = field(default=None, compare=False)

    @classmethod
    def of_structure(cls, structure: str, *, account: str | None = None, display_name: str | None = None) -> Identity:
        """A technician of a member structure."""
        return cls(structure, account, display_name)

    @classmethod
    def coordinator(cls, *, account: str | None = None, display_name: str | None = None) -> Identity:
        """The network's coordinator: reads and writes everything."""
        return cls(COORDINATOR, account, display_name)

    @classmethod
    def committee(cls, *, account: str | None = None, display_name: str | None = None) -> Identity:
        """The committee of elected members: reads figures and alerts, never porteurs' personal data."""
        return cls(COMMITTEE, account, display_name)

    @property
    def kind(self) -> Kind:
        """``structure``, ``coordinator``, ``committee`` or ``anonymous``."""
        if self.name is None:
            return "anonymous"
        if self.name == COORDINATOR:
            return "coordinator"
        if self.name == COMMITTEE:
            return "committee"
        return "structure"

    @property
    def is_coordinator(self) -> bool:
        return self.name == COORDINATOR

    @property
    def is_committee(self) -> bool:
        return self.name == COMMITTEE

    @property
    def is_anonymous(self) -> bool:
        return self.name is None

    @property
    def structure(self) -> str | None:
        """The structure id when the caller is a structure, else None."""
        return None if self.name in (None, *ROLES) else self.name

    def label(self) -> str:
        """How the caller is named in messages (``anonymous`` for the public)."""
        return self.name or "anonymous"


ANONYMOUS = Identity(None)
