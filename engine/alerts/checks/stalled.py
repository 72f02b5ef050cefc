"""``stalled``: an active fiche with no event (contact, note, change…) for N days, N per stage.

The delay is the charter's ``per_stage`` value for the fiche's stage, else ``days``.  Any event
counts as news, the reception included.
"""

from __future__ import annotations

from engine.alerts.checks.common import due
from engine.alerts.context import AlertContext
from engine.alerts.model import Alert, FicheView
from engine.vocabulary import ACTIVE_STAGES

ID = "stalled"


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """The last event is ``days_for(stage)`` days old or more."""
    if view.stage not in ACTIVE_STAGES:
        return None
    days = ctx.threshold(ID).days_for(view.stage)
    last = view.last_event or view.received
    since = due(last, days, ctx.as_of) if days else None
    if since is None:
        return None
    silent = (ctx.as_of - last).days
    message = f"no news for {silent} days since {last.isoformat()} (threshold {days} days at stage {view.stage})"
    if view.lead:
        action = f"{view.lead} contacts the porteur and records it (capactif fiche note {view.id} TEXT --contact phone)"
    else:
        action = "no référent to give news: assign one first (see no_lead)"
    return ctx.alert(view, ID, since, message, action, [view.lead or view.received_by])
