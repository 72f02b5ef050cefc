"""What an alert check raises, and the checks and severities in words.

It is computed from what a fiche was on ``as_of`` (:class:`engine.readmodel.FicheView`, the read
model of a stored fiche shared with the report, the charter and the agenda) at each run — alerts
are never stored, so a fiche fixed today disappears from tomorrow's run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
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


#: What an alert says, besides which fiche, check, severity and day: ``(message, action, structures
#: involved, structures suggested, command)`` — the involved and suggested ones in any order, repeats allowed.
Words = tuple[str, str, Iterable[str | None], Iterable[str], str | None]


class Alert:
    """One alert on one fiche: never changed once made.  ``to_dict`` gives the documented JSON keys, in this order.

    What sorts, filters and counts alerts (fiche, network, commune, stage, check, severity, since, days,
    porteur's name) is given when the alert is made; what it *says* (``message``, ``action``,
    ``structures``, ``suggested``, ``command``) may be given as a function, called the first time one of
    them is read, in the language the alert was made in.  ``capactif alerts`` without ``--all`` shows the
    counts and the ten most urgent of some 150,000 alerts at 200,000 fiches: their sentences, the
    structures' names and routing's proposals (a routing per fiche) were most of the run, for alerts
    nobody reads.  The same alert either way: the function is the check's own code, run later.
    """

    __slots__ = ("_said", "check", "commune", "days", "fiche", "network", "porteur_name", "severity", "since", "stage")

    def __init__(
        self,
        fiche: str,
        network: str | None,
        commune: str,
        stage: str,
        check: str,
        severity: str,
        since: dt.date,
        days: int,
        message: str = "",
        structures: tuple[str, ...] = (),
        action: str = "",
        suggested: tuple[str, ...] = (),
        porteur_name: str | None = None,
        command: str | None = None,
        *,
        words: tuple[Callable[[], Words], str] | None = None,
    ) -> None:
        """``words``: ``(function, language)`` giving what the alert says, instead of ``message`` to ``command``."""
        self.fiche = fiche
        self.network = network
        self.commune = commune
        self.stage = stage
        self.check = check
        self.severity = severity
        self.since = since
        self.days = days
        self.porteur_name = porteur_name
        self._said: Any = words if words is not None else (message, action, structures, suggested, command)

    def _words(self) -> tuple[str, str, tuple[str, ...], tuple[str, ...], str | None]:
        said = self._said
        if len(said) == 2:  # (function, language): said now, once
            from engine.i18n import pin, unpin

            function, language = said
            token = pin(language)
            try:
                message, action, structures, suggested, command = function()
            finally:
                unpin(token)
            suggested = tuple(dict.fromkeys(suggested))
            involved = tuple(sorted({s for s in structures if s} | set(suggested)))
            said = self._said = (message, action, involved, suggested, command)
        return said

    @property
    def message(self) -> str:
        """What is wrong, in a sentence."""
        return self._words()[0]

    @property
    def action(self) -> str:
        """What to do about it."""
        return self._words()[1]

    @property
    def structures(self) -> tuple[str, ...]:
        """The structures involved (those suggested included), sorted."""
        return self._words()[2]

    @property
    def suggested(self) -> tuple[str, ...]:
        """The structures the action proposes, in its order."""
        return self._words()[3]

    @property
    def command(self) -> str | None:
        """The command line that carries out ``action`` (for the coordinator's terminal), or None."""
        return self._words()[4]

    def _key(self) -> tuple[Any, ...]:
        return (self.fiche, self.network, self.commune, self.stage, self.check, self.severity, self.since,
                self.days, self.porteur_name, self._words())  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Alert):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Alert({self.to_dict()!r})"

    def to_dict(self) -> dict[str, Any]:
        """``{"fiche", "network", "commune", "stage", "check", "severity", "since", "days", "message",
        "structures", "action", "suggested", "porteur_name", "command"}``."""
        message, action, structures, suggested, command = self._words()
        return {
            "fiche": self.fiche,
            "network": self.network,
            "commune": self.commune,
            "stage": self.stage,
            "check": self.check,
            "severity": self.severity,
            "since": self.since.isoformat(),
            "days": self.days,
            "message": message,
            "structures": list(structures),
            "action": action,
            "suggested": list(suggested),
            "porteur_name": self.porteur_name,
            "command": command,
        }
