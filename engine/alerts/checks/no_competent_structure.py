"""``no_competent_structure``: routing finds no structure able to lead the fiche, whatever the caseloads.

A gap in the rules, not a delay: raised from the day of reception for an active fiche without a
lead (a fiche with a lead that is no longer competent is ``lead_invalid``'s).  The message says
what came closest (routing's near misses), so the coordinator sees which rule to complete.
"""

from __future__ import annotations

from engine.alerts.context import AlertContext
from engine.alerts.model import Alert, FicheView
from engine.routing.compile import label_of
from engine.vocabulary import ACTIVE_STAGES, label

ID = "no_competent_structure"


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """No lead and no structure able to lead (capacity aside)."""
    if view.lead is not None or view.stage not in ACTIVE_STAGES:
        return None
    found = ctx.suggestion(view, caseload=False)
    if found.lead is not None:
        return None
    what = f"a {label('kind', view.kind)} project of nature {label_of('nature', view.effective_nature)}"
    message = f"no structure of the network can lead {what} in {ctx.commune(view)}"
    if found.alternatives:
        closest = found.alternatives[0]
        message += f"; closest: {closest.structure}, {closest.reasons[0]}"
    action = (
        "the coordinator names a référent (capactif fiche assign --lead S) and completes the rules "
        "('capactif rules coverage' lists the gaps)"
    )
    return ctx.alert(view, ID, view.received, message, action, [view.received_by])
