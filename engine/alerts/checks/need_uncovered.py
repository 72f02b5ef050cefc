"""``need_uncovered``: a need declared on the fiche that none of the structures accompanying it serves.

The structures accompanying a fiche are its lead, its supporting structures and its follow-up
structure; a structure *serves* a need when the need is in its ``support.needs`` (with the NAF
restrictions of that need) and it is active in the rules in force.  Raised only once the fiche has a
lead: before that, ``no_lead`` is the alert.  One alert per fiche, listing every uncovered need;
``since`` is the last change of the structures on the fiche (the reception if none).  The action
names the supporting structure routing would add for each need, or says nobody serves it here and
where to orient the porteur outside the network (``orientation.yaml``, unconfirmed entries said so).
"""

from __future__ import annotations

from engine.alerts.context import AlertContext
from engine.alerts.model import Alert, FicheView
from engine.routing.suggest import Orientation, orientation_words
from engine.vocabulary import ACTIVE_STAGES

ID = "need_uncovered"


def uncovered(view: FicheView, ctx: AlertContext) -> list[str]:
    """The fiche's needs that no structure accompanying it serves, in the fiche's order."""
    structures = ctx.rules.structures
    present = [structures[s] for s in (view.lead, *view.supporting, view.follow_up_by) if s and s in structures]
    return [n for n in view.needs if not any(s.active and s.serves(n, view) for s in present)]


def _orientation(view: FicheView, ctx: AlertContext, need: str) -> Orientation | None:
    """The structures outside the network (orientation.yaml) to send the porteur to for ``need``."""
    found = ctx.rules.orientations_for(need, view.commune, view.effective_nature, view.kind)
    return Orientation(need, found) if found else None


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """Some declared need is served by none of lead, supporting, follow-up structures."""
    if view.lead is None or view.stage not in ACTIVE_STAGES or not view.needs:
        return None
    missing = uncovered(view, ctx)
    if not missing:
        return None
    proposal = ctx.suggestion(view)
    by_need = {need: s.structure for s in proposal.supporting for need in s.needs}
    if proposal.lead is not None:
        for need in ctx.rules.structures[proposal.lead.structure].support_needs:
            by_need.setdefault(need, proposal.lead.structure)
    steps, suggested, nobody = [], [], []
    for need in missing:
        who = by_need.get(need)
        if who is None:
            nobody.append(need)
            continue
        suggested.append(who)
        if who in view.on_fiche:
            steps.append(f"ask {who} to take {need}")
        else:
            steps.append(f"add {who} as supporting structure for {need}")
    if nobody:
        steps.append(f"no structure serves {', '.join(nobody)} in {ctx.commune(view)}: the coordinator decides")
        steps += [
            f"{need}: {orientation_words(orientation)}"
            for need in nobody
            if (orientation := _orientation(view, ctx, need)) is not None
        ]
    return ctx.alert(
        view,
        ID,
        max(view.assignment_since or view.received, view.received),
        f"{len(missing)} declared need(s) served by no structure on the fiche: {', '.join(missing)}",
        "; ".join(steps),
        [view.lead, *view.supporting],
        suggested,
    )
