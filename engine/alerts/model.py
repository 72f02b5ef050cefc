"""What an alert check looks at (a fiche as it stood on the day asked) and what it raises.

:class:`FicheView` is one fiche *at* ``as_of``: its state then, plus the few facts of its history the
checks need (last event, when its lead was assigned, the lead changes, who it was shared with).  The
facts are computed from the store's data each run (:mod:`engine.alerts.load`) — alerts are never
stored, so a fiche fixed today disappears from tomorrow's run.

A view is also what routing reads: it has the attributes :func:`engine.routing.suggest` uses
(``commune``, ``kind``, ``stage``, ``naf``, ``nature``, ``employees``, ``needs``, ``publics``,
``effective_nature``, ``label()``), so the checks route it without building a pydantic fiche
(35 µs each: too slow for 200,000 fiches).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from engine import activities
from engine.i18n import N_

#: The checks in words (English msgids, French in the catalog): shown as ``_(CHECK_LABELS[check])``.
CHECK_LABELS: dict[str, str] = {
    "no_lead": N_("no référent"),
    "no_competent_structure": N_("no structure able to lead"),
    "stalled": N_("no news"),
    "lead_invalid": N_("référent no longer fits the rules"),
    "follow_up_missing": N_("no post-creation follow-up"),
    "bounced": N_("handed over too often"),
    "need_uncovered": N_("need nobody on the fiche serves"),
    "consent_missing": N_("shared without consent"),
    "unanswered": N_("suggestion left unanswered"),
}
#: The severities in words, most serious first.
SEVERITY_LABELS: dict[str, str] = {"critical": N_("critical"), "warning": N_("warning"), "info": N_("information")}


@dataclass(frozen=True, slots=True)
class Sharing:
    """The fiche reached a structure not on it: when, which structure, and how (in words)."""

    at: dt.date
    structure: str
    how: str


@dataclass(slots=True, eq=False)
class FicheView:
    """One fiche as it stood on ``as_of``, with the facts of its history the checks need."""

    id: str
    received: dt.date
    received_by: str | None
    commune: str
    local_network: str | None
    kind: str
    naf: str | None
    nature: str | None
    employees: int | None
    needs: list[str]
    publics: list[str]
    stage: str
    lead: str | None
    supporting: list[str]
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
        return activities.effective_nature(self.nature, self.employees, self.kind, self.artisan_registered)

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


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert on one fiche.  ``to_dict`` gives the documented JSON keys, in this order."""

    fiche: str
    network: str | None
    commune: str
    stage: str
    check: str
    severity: str
    since: dt.date
    days: int
    message: str
    structures: tuple[str, ...]
    action: str
    suggested: tuple[str, ...] = ()
    porteur_name: str | None = None
    #: The command line that carries out ``action`` (for the coordinator's terminal), or None.
    command: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"fiche", "network", "commune", "stage", "check", "severity", "since", "days", "message",
        "structures", "action", "suggested", "porteur_name", "command"}``."""
        return {
            "fiche": self.fiche,
            "network": self.network,
            "commune": self.commune,
            "stage": self.stage,
            "check": self.check,
            "severity": self.severity,
            "since": self.since.isoformat(),
            "days": self.days,
            "message": self.message,
            "structures": list(self.structures),
            "action": self.action,
            "suggested": list(self.suggested),
            "porteur_name": self.porteur_name,
            "command": self.command,
        }
