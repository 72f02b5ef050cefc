"""The committee's alert checks: one module per check, each ``check(view, ctx) -> Alert | None``.

A check looks at one fiche as it stood on ``ctx.as_of`` and says what is wrong, since when, who is
involved and what to do — or nothing.  Checks never write and never read the store: everything
they need is in the view (:mod:`engine.readmodel.load`) and the context (:mod:`engine.alerts.context`).
"""

from __future__ import annotations

from collections.abc import Callable

from engine.alerts.checks import (
    bounced,
    consent_missing,
    follow_up_missing,
    lead_invalid,
    need_uncovered,
    no_competent_structure,
    no_lead,
    stalled,
    unanswered,
)
from engine.alerts.context import AlertContext
from engine.alerts.model import Alert
from engine.readmodel import FicheView

Check = Callable[[FicheView, AlertContext], Alert | None]

#: Every check by id, in the order of the charter's ``alerts:`` (and of the output).
CHECKS: dict[str, Check] = {
    module.ID: module.check
    for module in (
        no_lead,
        no_competent_structure,
        stalled,
        lead_invalid,
        follow_up_missing,
        bounced,
        need_uncovered,
        consent_missing,
        unanswered,
    )
}
