"""``consent_missing``: the fiche reached structures beyond its own without the porteur's consent.

The charter (article 5.6 and 6) lets the structures accompanying a porteur — its lead, supporting
structures and the structure that received them — know their name and contact; anyone else only
with the porteur's consent (``consent_network``).  A fiche *reached* a structure beyond its own when,
the porteur not having consented on ``as_of``:

* an event was recorded on it by a structure that was on the fiche neither just before nor just
  after that event (a note, a contact, a stage change… written by an outsider) — a structure's answer
  to the network's suggestion ("Prendre en charge", "Pas pour nous") is not: the network asked it; or
* its follow-up structure (``follow_up_by``) is not one of its structures.

Roles (coordinator, committee) are not structures: the coordination may see every fiche.  This is
the one check raised on closed fiches too: data shared stays shared when the project ends.
``since`` is the first such sharing.
"""

from __future__ import annotations

from engine.alerts.context import AlertContext
from engine.alerts.model import Alert, Words
from engine.i18n import _
from engine.readmodel import FOLLOW_UP, FicheView, Sharing
from engine.store import events as ev

ID = "consent_missing"
#: The fiches it may alert on (fiches that reached a structure not on them): the runner asks it of those only.
SCOPE = "shared"


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """Sharings found by the loader's replay, and no consent on ``as_of``."""
    if view.consent_network or not view.shared_beyond:
        return None
    return ctx.alert(view, ID, view.shared_beyond[0].at, lambda: _words(view, ctx))


def _words(view: FicheView, ctx: AlertContext) -> Words:
    reached = [s.structure for s in view.shared_beyond]
    details = "; ".join(f"{s.at.isoformat()}: {_how(s)}" for s in view.shared_beyond)
    action = _(
        "Record the porteur's consent, or put {names} on the fiche if they accompany the porteur; "
        "else the coordinator reviews it"
    ).format(names=ctx.names(reached))
    return (
        _("shared beyond its structures without the porteur's consent: {details}").format(details=details),
        action,
        [view.lead, *reached],
        (),
        f"capactif fiche consent {view.id} yes",
    )


def _how(sharing: Sharing) -> str:
    """How the fiche reached the structure, in words."""
    if sharing.how == FOLLOW_UP:
        return _("{structure} is in charge of the follow-up, not on the fiche").format(structure=sharing.structure)
    return _("{event} recorded by {structure}, not on the fiche").format(
        event=ev.kind_label(sharing.how), structure=sharing.structure
    )
