"""``follow_up_missing``: an activity installed N days ago whose post-creation follow-up has not started.

Raised for a fiche still at stage ``installed`` (``start_follow_up`` moves it to ``follow_up``) N days
or more after ``installed_on``.  The action names who could take the follow-up: the lead when it
serves ``post_creation``, else the structure routing would choose for that need.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.alerts.checks.common import due
from engine.alerts.context import AlertContext, Found
from engine.alerts.model import Alert, Words
from engine.i18n import _
from engine.readmodel import FicheView

ID = "follow_up_missing"
#: The fiches it may alert on (fiches at stage installed): the runner asks it of those only.
SCOPE = "installed"
NEED = "post_creation"


def follow_up_structure(view: FicheView, ctx: AlertContext) -> str | None:
    """Who could take the follow-up: the named one, the lead if it serves it, else routing's choice."""
    if view.follow_up_by:
        return view.follow_up_by
    lead = ctx.rules.structures.get(view.lead or "")
    if lead is not None and lead.active and lead.serves(NEED, view):
        return lead.id
    for s in ctx.rules.support_pool(view.commune, NEED):
        if s.serves(NEED, view) and s.admits(view) and s.admits_nature(view.effective_nature):
            return s.id
    return None


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """Stage ``installed`` for ``days`` or more (one fiche: :func:`scan` of it)."""
    found = scan((view,), ctx)
    return ctx.made(ID, found[0]) if found else None


def scan(views: Iterable[FicheView], ctx: AlertContext) -> list[Found]:
    """The fiches at stage ``installed`` for ``days`` or more, in the order of ``views``: records, no alert
    made (:data:`~engine.alerts.context.Found`; the committee says ten of them)."""
    days = ctx.threshold(ID).days
    assert days is not None  # the charter requires it
    out: list[Found] = []
    for view in views:
        if view.stage != "installed" or view.installed_on is None:
            continue
        since = due(view.installed_on, days, ctx.as_of)
        if since is not None:
            out.append((since, view.id, view, _words, days))
    return out


def _words(view: FicheView, ctx: AlertContext, days: int) -> Words:
    assert view.installed_on is not None
    installed = (ctx.as_of - view.installed_on).days
    who = follow_up_structure(view, ctx)
    command = None
    if who:
        command = f"capactif fiche move {view.id} start_follow_up --follow-up-by {who}"
        action = _("Offer the post-creation follow-up: {name}").format(name=ctx.name(who))
    else:
        action = _("No structure serves the post-creation follow-up here: the coordinator decides")
    message = _("installed {days} days ago ({date}) and no follow-up started (threshold {threshold} days)")
    return (
        message.format(days=installed, date=view.installed_on.isoformat(), threshold=days),
        action,
        [view.lead],
        [who] if who else [],
        command,
    )
