"""``bounced``: the fiche's lead changed K times or more (the porteur was handed from one to another).

Changes are the lead assignments after the first one.  ``since`` is the day of the K-th change; the
message shows the whole chain of référents.
"""

from __future__ import annotations

from engine.alerts.context import AlertContext
from engine.alerts.model import Alert
from engine.i18n import _
from engine.readmodel import FicheView
from engine.vocabulary import ACTIVE_STAGES

ID = "bounced"


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """At least ``count`` lead changes (charter)."""
    count = ctx.threshold(ID).count
    assert count is not None  # the charter requires it
    if view.stage not in ACTIVE_STAGES or view.lead_changes < count:
        return None
    assert view.replayed, "the loader replays every fiche with K lead changes or more"
    chain = [lead for _, lead in view.lead_history]
    since = view.lead_history[count][0]
    if view.lead:
        action = _("Review the fiche with {name}: agree on one référent that keeps the porteur").format(
            name=ctx.name(view.lead)
        )
    else:
        action = _("Review the fiche in the network: agree on one référent that keeps the porteur")
    message = _("the référent changed {n} times (threshold {threshold}): {chain}")
    return ctx.alert(
        view,
        ID,
        since,
        message.format(n=view.lead_changes, threshold=count, chain=" → ".join(chain)),
        action,
        chain,
    )
