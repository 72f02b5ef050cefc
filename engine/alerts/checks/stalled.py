"""``stalled``: an active fiche with no event (contact, note, change…) for N days, N per stage.

The delay is the charter's ``per_stage`` value for the fiche's stage, else ``days``.  Any event
counts as news, the reception included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from engine.alerts.context import AlertContext, Found
from engine.alerts.model import Alert, Words
from engine.i18n import _
from engine.readmodel import FicheView
from engine.vocabulary import ACTIVE_STAGES, label

ID = "stalled"
#: The fiches it may alert on (active fiches): the runner asks it of those only.
SCOPE = "active"


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """The last event is ``days_for(stage)`` days old or more (one fiche: :func:`scan` of it)."""
    found = scan((view,), ctx)
    return ctx.made(ID, found[0]) if found else None


def scan(views: Iterable[FicheView], ctx: AlertContext) -> list[Found]:
    """The alerts of the fiches whose last event is ``days_for(stage)`` days old or more, in the order of
    ``views``: one loop, what it reads once per run read once (200,000 active fiches at scale: a call, the
    memo and the delay's day per fiche were most of the check's time)."""
    delays = ctx.memo.get(ID)
    if delays is None:
        delays = ctx.memo[ID] = _delays(ctx)
    due: dict[tuple[dt.date, int], dt.date] = {}  # the day the alert applies, per last event and delay
    out: list[Found] = []
    for view in views:
        delay = delays.get(view.stage)  # None outside the active stages too
        if delay is None:
            continue
        days, latest = delay
        last = view.last_event or view.received
        if last > latest:
            continue
        since = due.get((last, days))
        if since is None:
            since = due[last, days] = last + dt.timedelta(days=days)
        out.append((since, view.id, view, _words, last, days))
    return out


def _delays(ctx: AlertContext) -> dict[str, tuple[int, dt.date]]:
    """Per active stage with a delay: the delay, and the latest last event that raises the alert on
    ``as_of`` (:func:`due`'s day N, computed once per stage instead of once per fiche)."""
    out = {}
    for stage in ACTIVE_STAGES:
        days = ctx.threshold(ID).days_for(stage)
        if days:
            out[stage] = (days, ctx.as_of - dt.timedelta(days=days))
    return out


def _words(view: FicheView, ctx: AlertContext, last: dt.date, days: int) -> Words:
    silent = (ctx.as_of - last).days
    message = _("no news for {days} days since {date} (threshold {threshold} days at stage {stage})").format(
        days=silent, date=last.isoformat(), threshold=days, stage=label("stage", view.stage)
    )
    command = None
    if view.lead:
        action = _("Contact the porteur and record it: {name}").format(name=ctx.name(view.lead))
        command = f"capactif fiche note {view.id} TEXT --contact phone"
    else:
        action = _("Assign a référent first: nobody is in charge of giving news")
    return message, action, [view.lead or view.received_by], (), command
