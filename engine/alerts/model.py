"""What an alert check raises, and the checks and severities in words.

It is computed from what a fiche was on ``as_of`` (:class:`engine.readmodel.FicheView`, the read
model of a stored fiche shared with the report, the charter and the agenda) at each run — alerts
are never stored, so a fiche fixed today disappears from tomorrow's run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

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
