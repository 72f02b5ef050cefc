"""The committee's alert checks: one module per check, each ``check(view, ctx) -> Alert | None``.

A check looks at one fiche as it stood on ``ctx.as_of`` and says what is wrong, since when, who is
involved and what to do — or nothing.  Checks never write and never read the store: everything
they need is in the view (:mod:`engine.readmodel.load`) and the context (:mod:`engine.alerts.context`).

Each module also names its ``SCOPE``: the fiches it may alert on at all (one of :data:`SCOPES`, sorted
out in one pass by :func:`by_scope`).  ``capactif alerts`` asks each check of its scope's fiches only —
at 200,000 fiches, half a million calls instead of 1.8 million, most of them returning at once.  A
check still says None for a fiche outside its scope (tests/test_alerts_checks.py holds each to it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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
from engine.alerts.context import AlertContext, Found
from engine.alerts.model import Alert
from engine.readmodel import FicheView
from engine.vocabulary import ACTIVE_STAGES

Check = Callable[[FicheView, AlertContext], Alert | None]

#: The scopes a check may name, each a set of fiches by what they were on ``as_of``: ``all``; ``active``
#: (an active stage); ``led`` and ``unled`` (active, with or without a référent); ``installed`` (stage
#: installed); ``handed`` (active, the lead assigned twice or more); ``shared`` (it reached a structure
#: not on it); ``suggested`` (a current suggestion).
SCOPES = ("all", "active", "led", "unled", "installed", "handed", "shared", "suggested")
_ACTIVE = frozenset(ACTIVE_STAGES)


def by_scope(views: Iterable[FicheView]) -> dict[str, list[FicheView]]:
    """The fiches of each scope of :data:`SCOPES`, in the order of ``views`` (one pass)."""
    every: list[FicheView] = []
    active: list[FicheView] = []
    led: list[FicheView] = []
    unled: list[FicheView] = []
    installed: list[FicheView] = []
    handed: list[FicheView] = []
    shared: list[FicheView] = []
    suggested: list[FicheView] = []
    for v in views:
        every.append(v)
        if v.shared_beyond:
            shared.append(v)
        if v.suggested:
            suggested.append(v)
        if v.stage in _ACTIVE:
            active.append(v)
            (unled if v.lead is None else led).append(v)
            if v.stage == "installed":
                installed.append(v)
            if v.lead_assignments >= 2:
                handed.append(v)
    return {
        "all": every,
        "active": active,
        "led": led,
        "unled": unled,
        "installed": installed,
        "handed": handed,
        "shared": shared,
        "suggested": suggested,
    }


_MODULES = (
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
#: Every check by id, in the order of the charter's ``alerts:`` (and of the output).
CHECKS: dict[str, Check] = {module.ID: module.check for module in _MODULES}
#: The scope of each check (one of :data:`SCOPES`).
SCOPE_OF: dict[str, str] = {module.ID: module.SCOPE for module in _MODULES}
#: The checks asked of most fiches also have ``scan(views, ctx)``: the check of each fiche of its scope,
#: in order, without a call per fiche, as records (:data:`~engine.alerts.context.Found`) that
#: :meth:`AlertContext.made` turns into the check's alerts (tests/test_alerts_shortcuts.py holds each to
#: its ``check``).
Scan = Callable[[Iterable[FicheView], AlertContext], list[Found]]
SCANS: dict[str, Scan] = {module.ID: module.scan for module in _MODULES if hasattr(module, "scan")}
