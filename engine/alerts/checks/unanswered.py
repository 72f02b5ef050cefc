"""``unanswered``: a structure suggested for a fiche has neither taken it in charge nor declined it.

Routing's suggestion asks a structure to lead (référent) or to support the fiche; the structure
answers "Prendre en charge" or "Pas pour nous" (``capactif fiche answer``, or its "À traiter" list
in the web application).  A request still open ``days`` (charter) after it was first made raises
this alert, naming the structures that have not answered.  Not raised for a fiche on hold or closed.
"""

from __future__ import annotations

import datetime as dt

from engine.alerts.checks.common import due
from engine.alerts.context import AlertContext
from engine.alerts.model import Alert, Words
from engine.i18n import N_, _
from engine.readmodel import FicheView
from engine.store.suggestions import is_open

ID = "unanswered"
#: The fiches it may alert on (fiches with a current suggestion): the runner asks it of those only.
SCOPE = "suggested"
_ASKED = {
    "lead": N_("{structure} as référent since {date} ({days} days)"),
    "support": N_("{structure} as supporting structure since {date} ({days} days)"),
}


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
    return ctx.alert(view, ID, late[0][0], lambda: _words(view, ctx, days, late))


def _words(view: FicheView, ctx: AlertContext, days: int, late: list[tuple[dt.date, str, str, dt.date]]) -> Words:
    who = "; ".join(
        _(_ASKED[role]).format(structure=s, date=asked_on.isoformat(), days=(ctx.as_of - asked_on).days)
        for _since, s, role, asked_on in late
    )
    names = [s for _since, s, _role, _asked in late]
    message = _("suggestion not answered: {who} (threshold {threshold} days)").format(who=who, threshold=days)
    action = _("Take it in charge or decline it with a reason: {names} ('À traiter' in the web application)").format(
        names=ctx.names(names)
    )
    return message, action, names, (), f"capactif fiche answer {view.id} take|decline"
