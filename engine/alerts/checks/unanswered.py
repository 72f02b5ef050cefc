"""``unanswered``: a structure suggested for a fiche has neither taken it in charge nor declined it.

Routing's suggestion asks a structure to lead (référent) or to support the fiche; the structure
answers "Prendre en charge" or "Pas pour nous" (``capactif fiche answer``, or its "À traiter" list
in the web application).  A request still open ``days`` (charter) after it was first made raises
this alert, naming the structures that have not answered.  Not raised for a fiche on hold or closed.
"""

from __future__ import annotations

from engine.alerts.checks.common import due
from engine.alerts.context import AlertContext
from engine.alerts.model import Alert, FicheView
from engine.store.suggestions import is_open

ID = "unanswered"
_ROLE = {"lead": "référent", "support": "supporting structure"}


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """Every open request older than ``days``; the alert is dated from the oldest one."""
    if not view.suggested or view.stage == "on_hold":
        return None
    days = ctx.threshold(ID).days
    assert days is not None  # the charter requires it
    late = []
    for structure, role, asked_on in view.suggested:
        if not is_open(role, structure, view.lead, view.supporting, view.stage):
            continue
        since = due(asked_on, days, ctx.as_of)
        if since is not None:
            late.append((since, structure, role, asked_on))
    if not late:
        return None
    late.sort()
    since = late[0][0]
    who = "; ".join(
        f"{s} as {_ROLE[role]} since {asked_on.isoformat()} ({(ctx.as_of - asked_on).days} days)"
        for _, s, role, asked_on in late
    )
    names = [s for _, s, _, _ in late]
    message = f"suggestion not answered: {who} (threshold {days} days)"
    action = (
        f"{', '.join(names)}: take it in charge or decline it with a reason "
        f"(capactif fiche answer {view.id} take|decline, or 'À traiter' in the web application)"
    )
    return ctx.alert(view, ID, since, message, action, names)
