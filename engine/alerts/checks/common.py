"""Small helpers shared by the checks: delays counted the charter's way, and routing's proposals."""

from __future__ import annotations

import datetime as dt

from engine.alerts.context import AlertContext
from engine.i18n import _
from engine.readmodel import FicheView


def due(start: dt.date, days: int, as_of: dt.date) -> dt.date | None:
    """The day an alert with a delay of ``days`` from ``start`` applies, if it applies on ``as_of``.

    Day N counts: a delay of 21 days from 1 March applies from 22 March (21 days later) on.
    """
    since = start + dt.timedelta(days=days)
    return since if as_of >= since else None


def lead_proposal(view: FicheView, ctx: AlertContext, *, hand_over: bool = False) -> tuple[str, list[str], str | None]:
    """What routing proposes as lead for the fiche, as a sentence for the meeting, the structure
    proposed (if any), and the command line that does it (if any).

    ``hand_over``: the fiche has a référent that must be replaced (else it has none yet).  The
    caseloads of ``as_of`` apply: a structure at capacity is not proposed.
    """
    found = ctx.suggestion(view)
    if found.lead is not None and found.lead.structure != view.lead:
        lead = found.lead.structure
        sentence = (
            _("Hand the fiche over to a new référent: {name} (routing's suggestion)")
            if hand_over
            else _("Assign a référent: {name} (routing's suggestion)")
        )
        return sentence.format(name=ctx.name(lead)), [lead], f"capactif fiche assign {view.id} --lead {lead}"
    if ctx.suggestion(view, caseload=False).lead is None:
        sentence = _(
            "No structure of the network can lead it: the coordinator names a référent and completes the rules"
        )
        return sentence, [], "capactif rules coverage"
    # The alternatives are routing's near misses, most of them not competent at all: name only those
    # that are full, not every structure that came close.
    full = [alt.structure for alt in found.alternatives if at_capacity(alt.structure, ctx)]
    if full:
        sentence = _("Every structure able to lead it is at capacity ({names}): the coordinator decides who takes it")
        return sentence.format(names=ctx.names(full)), [], None
    return _("Every structure able to lead it is at capacity: the coordinator decides who takes it"), [], None


def at_capacity(structure: str, ctx: AlertContext) -> bool:
    """Whether the structure has a capacity and as many active fiches as lead on ``as_of``."""
    compiled = ctx.rules.structures.get(structure)
    capacity = compiled.capacity if compiled is not None else None
    return capacity is not None and ctx.caseload.get(structure, 0) >= capacity
