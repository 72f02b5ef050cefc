"""A stored fiche as it stood on one day: one immutable value, whichever way it was read.

:class:`FicheView` is one fiche *at* a day (the alerts' ``as_of``, the agenda's eve of the meeting):
its state then, plus the few facts of its history the checks need (last event, when its lead was
assigned, the lead changes, who it was shared with).  It is read two ways that give the same value
(tests/test_readmodel.py): at scale from the ``fiches`` row and its ``fiche_projection`` row
(:func:`engine.readmodel.load.load_views`), or by replaying the fiche's events up to the day
(:meth:`engine.readmodel.fiche.StoredFiche.on`, and ``load_views`` for a fiche changed since).

A view is also what routing reads: it has the attributes :func:`engine.routing.suggest` uses
(``commune``, ``kind``, ``stage``, ``naf``, ``nature``, ``employees``, ``needs``, ``publics``,
``effective_nature``, ``label()``), so the checks route it without building a pydantic fiche
(35 µs each: too slow for 200,000 fiches).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from engine import activities

#: :attr:`Sharing.how` of a structure in charge of the follow-up without being on the fiche.
FOLLOW_UP = "follow_up_by"


@dataclass(frozen=True, slots=True)
class Sharing:
    """The fiche reached a structure not on it: when, which structure, and how.

    ``how``: the kind of the event the structure recorded (:mod:`engine.store.events`), or
    :data:`FOLLOW_UP` when the structure is in charge of the follow-up without being on the fiche.
    """

    at: dt.date
    structure: str
    how: str


class FicheView(NamedTuple):
    """One fiche as it stood on ``as_of``, with the facts of its history the checks need: one immutable value.

    A named tuple rather than a frozen dataclass: 200,000 of them are built per alerts run, and a
    frozen dataclass costs about 8 µs each to build against 1.5 µs (bench/bench_alerts_scale.py).
    """

    id: str
    received: dt.date
    received_by: str | None
    commune: str
    local_network: str | None
    kind: str
    naf: str | None
    nature: str | None
    employees: int | None
    needs: tuple[str, ...]
    publics: tuple[str, ...]
    stage: str
    lead: str | None
    supporting: tuple[str, ...]
    installed_on: dt.date | None
    follow_up_by: str | None
    consent_network: bool
    #: Already registered at the répertoire des métiers (None: presumed for a development).
    artisan_registered: bool | None = None
    #: The porteur's name, loaded only when the caller may see some names (never for the committee).
    porteur_name: str | None = None
    #: The day of the last event on or before ``as_of`` (the reception at least).
    last_event: dt.date | None = None
    #: The day the current lead was assigned (None when it came with the fiche, or there is none).
    lead_since: dt.date | None = None
    #: The day the structures on the fiche last changed (lead or supporting), None if never.
    assignment_since: dt.date | None = None
    #: How many times the lead was assigned (the first designation included).
    lead_assignments: int = 0
    #: Every lead assignment with its day, oldest first; filled when the history was replayed.
    lead_history: tuple[tuple[dt.date, str], ...] = ()
    #: Structures the fiche reached without being on it; filled when the history was replayed.
    shared_beyond: tuple[Sharing, ...] = ()
    #: True once these facts come from the history (the projection, or the replay up to ``as_of``).
    replayed: bool = False
    #: The current suggestion on ``as_of``: (structure, role, the day it was first asked), sorted.
    suggested: tuple[tuple[str, str, dt.date], ...] = ()

    # --- what routing reads -------------------------------------------------------------------

    @property
    def effective_nature(self) -> str | None:
        """As :attr:`engine.fiche.Fiche.effective_nature` (a new artisanal firm above ten employees is commercial)."""
        nature = self.nature
        if nature != "artisanal":  # the headcount plays a part for an artisanal activity only: no call
            return nature
        return activities.effective_nature(nature, self.employees, self.kind, self.artisan_registered)

    def nature_reasons(self) -> list[str]:
        """As :meth:`engine.fiche.Fiche.nature_reasons`, for the headcount (the farm link is in the nature)."""
        reason = activities.nature_reason(self.nature, self.employees, self.kind, self.artisan_registered)
        return [reason] if reason else []

    def label(self) -> str:
        """The fiche's id (how routing names it)."""
        return self.id

    # --- shortcuts for the checks -------------------------------------------------------------

    @property
    def on_fiche(self) -> set[str]:
        """The structures on the fiche (lead, supporting, the one that received the porteur)."""
        out = set(self.supporting)
        out.update(s for s in (self.lead, self.received_by) if s)
        return out

    @property
    def lead_changes(self) -> int:
        """How many times the lead changed: every assignment after the first."""
        return max(self.lead_assignments - 1, 0)

    def routing_key(self) -> tuple[Any, ...]:
        """Everything routing reads, for memoising suggestions across identical fiches."""
        return (
            self.commune,
            self.kind,
            self.stage,
            self.naf,
            self.nature,
            self.employees,
            self.artisan_registered,
            tuple(self.needs),
            tuple(self.publics),
        )
