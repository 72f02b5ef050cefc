"""``no_competent_structure``: routing finds no structure able to lead the fiche, whatever the caseloads.

A gap in the rules, not a delay: raised from the day of reception for an active fiche without a
lead (a fiche with a lead that is no longer competent is ``lead_invalid``'s).  The message says
what came closest (routing's near misses), so the coordinator sees which rule to complete.
"""

from __future__ import annotations

from engine.alerts.context import AlertContext
from engine.alerts.model import Alert, Words
from engine.i18n import _
from engine.readmodel import FicheView
from engine.vocabulary import ACTIVE_STAGES, label

ID = "no_competent_structure"
#: The fiches it may alert on (active fiches without a référent): the runner asks it of those only.
SCOPE = "unled"


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """No lead and no structure able to lead (capacity aside)."""
    if view.lead is not None or view.stage not in ACTIVE_STAGES:
        return None
    if ctx.can_be_led(view):
        return None
    return ctx.alert(view, ID, view.received, lambda: _words(view, ctx))


def _words(view: FicheView, ctx: AlertContext) -> Words:
    found = ctx.suggestion(view, caseload=False)
    nature = label("nature", view.effective_nature) if view.effective_nature else "—"
    message = _("no structure of the network can lead a project ({kind}, nature {nature}) in {commune}").format(
        kind=label("kind", view.kind), nature=nature, commune=ctx.commune(view)
    )
    if found.alternatives:
        closest = found.alternatives[0]
        message = _("{message}; closest: {structure}, {reason}").format(
            message=message, structure=closest.structure, reason=closest.reasons[0]
        )
    action = _("The coordinator names a référent and completes the rules (the coverage of the rules lists the gaps)")
    return message, action, [view.received_by], (), "capactif rules coverage"
