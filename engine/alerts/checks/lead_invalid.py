"""``lead_invalid``: the fiche's référent can no longer lead it under the rules in force.

Reasons, the first that holds: the lead is gone from the rules (no structure file), inactive, no
longer covers the commune or is no longer competent for the fiche (kinds, stages, nature, NAF,
publics, headcount), cannot lead (no ``lead:`` section, or not for this nature and not a fallback
lead), is excluded by a coordinator rule that fires for the fiche, or is over capacity.  A structure
required as lead by a rule that fires needs only to be able to lead at all, as in routing.

Over capacity: only the fiches that put the lead over its capacity (its latest assignments) are
alerted, not every fiche it leads.  ``since`` is the day the lead was assigned (the rules do not
record when they changed), the reception when the fiche came with its lead.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.alerts.checks.common import lead_proposal
from engine.alerts.context import AlertContext, Found
from engine.alerts.model import Alert, Words
from engine.i18n import _
from engine.readmodel import FicheView
from engine.routing.eligibility import fired_rules
from engine.routing.suggest import lead_obstacle
from engine.vocabulary import ACTIVE_STAGES

ID = "lead_invalid"
#: The fiches it may alert on (active fiches with a référent): the runner asks it of those only.
SCOPE = "led"


def problem(view: FicheView, ctx: AlertContext) -> str | None:
    """Why the lead cannot lead this fiche any more, in words; None when it still can."""
    rules = ctx.rules
    lead = view.lead
    assert lead is not None
    s = rules.structures.get(lead)
    if s is None:
        return _("{lead} is no longer in the network's rules (no structures/{lead}.yaml)").format(lead=lead)
    fired = fired_rules(view, rules) if ctx.lead_rules else ()  # support rules never bar a lead
    excluded = {r.structure: r for r in fired if r.role == "lead" and r.action == "exclude"}
    required = any(r.role == "lead" and r.action == "require" and r.structure == lead for r in fired)
    obstacle = lead_obstacle(s, view, view.commune, view.effective_nature, excluded, None, rules, required=required)
    if obstacle is not None:
        return f"{lead} {obstacle}"
    if view.id in ctx.over_capacity:
        return _("{lead} is over capacity ({n} active fiches as lead, capacity {capacity})").format(
            lead=lead, n=ctx.over_capacity[view.id], capacity=s.capacity
        )
    return None


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """The active fiche's lead fails :func:`problem` (one fiche: :func:`scan` of it)."""
    found = scan((view,), ctx)
    return ctx.made(ID, found[0]) if found else None


def scan(views: Iterable[FicheView], ctx: AlertContext) -> list[Found]:
    """The alerts of the active fiches whose lead fails :func:`problem`, in the order of ``views``, in one
    loop, what it reads once per run read once (170,000 led fiches at scale).  Without rules about the
    lead, capacity aside, the lead of a structure without competence filters fits the fiche or not by its
    commune and nature alone: asked once per combination (a few hundred at 200,000 fiches)."""
    structures = ctx.rules.structures
    over = ctx.over_capacity
    shortcut = not ctx.lead_rules
    # per (lead, commune, effective nature): True when that lead fits every such fiche (it has no competence
    # filters and fits the first one asked), False when each fiche must be asked
    fits_every: dict[tuple[str, str, str | None], bool] = {}
    out: list[Found] = []
    for view in views:
        lead = view.lead
        if lead is None or view.stage not in ACTIVE_STAGES:
            continue
        if shortcut and view.id not in over:
            nature = view.nature
            if nature == "artisanal":  # only then may the headcount change it
                nature = view.effective_nature
            key = (lead, view.commune, nature)
            fits = fits_every.get(key)
            if fits is None:
                s = structures.get(lead)
                fits = fits_every[key] = s is not None and not s.filters and problem(view, ctx) is None
            if fits:
                continue
        why = problem(view, ctx)
        if why is not None:
            out.append((view.lead_since or view.received, view.id, view, _words, why))
    return out


def _words(view: FicheView, ctx: AlertContext, why: str) -> Words:
    action, suggested, command = lead_proposal(view, ctx, hand_over=True)
    message = _("référent no longer valid: {why} (rules {version})").format(why=why, version=ctx.rules.version)
    return message, action, [view.lead], suggested, command
