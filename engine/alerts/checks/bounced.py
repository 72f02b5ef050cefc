"""``bounced``: the fiche's lead changed K times or more (the porteur was handed from one to another).

Changes are the lead assignments after the first one.  ``since`` is the day of the K-th change; the
message shows the whole chain of référents.
"""

from __future__ import annotations

from engine.alerts.context import AlertContext
from engine.alerts.model import Alert, Words
from engine.i18n import _
from engine.readmodel import FicheView
from engine.vocabulary import ACTIVE_STAGES

ID = "bounced"
#: The fiches it may alert on (active fiches whose lead was assigned twice or more: the charter's count is at
#: least 1): the runner asks it of those only.
SCOPE = "handed"


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """At least ``count`` lead changes (charter)."""
    count = ctx.threshold(ID).count
    assert count is not None  # the charter requires it
    if view.stage not in ACTIVE_STAGES or view.lead_changes < count:
        return None
    assert view.replayed, "the loader replays every fiche with K lead changes or more"
    return ctx.alert(view, ID, view.lead_history[count][0], lambda: _words(view, ctx, count))


def _words(view: FicheView, ctx: AlertContext, count: int) -> Words:
    chain = [lead for _, lead in view.lead_history]
    if view.lead:
        action = _("Review the fiche with {name}: agree on one référent that keeps the porteur").format(
            name=ctx.name(view.lead)
        )
    else:
        action = _("Review the fiche in the network: agree on one référent that keeps the porteur")
    message = _("the référent changed {n} times (threshold {threshold}): {chain}")
    return message.format(n=view.lead_changes, threshold=count, chain=" → ".join(chain)), action, chain, (), None
