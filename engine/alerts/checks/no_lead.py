"""``no_lead``: an active fiche still without a référent N days after its reception.

Not raised for a fiche on hold (it may be paused before any référent, and ``stalled`` watches it).
Suggested action: the lead routing proposes today, capacity included.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.alerts.checks.common import due, lead_proposal
from engine.alerts.context import AlertContext, Found
from engine.alerts.model import Alert, Words
from engine.i18n import _
from engine.readmodel import FicheView
from engine.vocabulary import ACTIVE_STAGES

ID = "no_lead"
#: The fiches it may alert on (active fiches without a référent): the runner asks it of those only.
SCOPE = "unled"


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """No lead, ``days`` (charter) or more after ``received`` (one fiche: :func:`scan` of it)."""
    found = scan((view,), ctx)
    return ctx.made(ID, found[0]) if found else None


def scan(views: Iterable[FicheView], ctx: AlertContext) -> list[Found]:
    """The unled active fiches, on hold aside, received ``days`` or more ago, in the order of ``views``:
    records, no alert made (:data:`~engine.alerts.context.Found`; the committee says ten of them)."""
    days = ctx.threshold(ID).days
    assert days is not None  # the charter requires it
    out: list[Found] = []
    for view in views:
        if view.lead is not None or view.stage not in ACTIVE_STAGES or view.stage == "on_hold":
            continue
        since = due(view.received, days, ctx.as_of)
        if since is not None:
            out.append((since, view.id, view, _words, days))
    return out


def _words(view: FicheView, ctx: AlertContext, days: int) -> Words:
    waited = (ctx.as_of - view.received).days
    action, suggested, command = lead_proposal(view, ctx)
    message = _("no référent {days} days after reception (threshold {threshold} days)")
    return message.format(days=waited, threshold=days), action, [view.received_by], suggested, command
