"""What every check may consult besides the fiche: the day, the thresholds, the rules, the caseloads.

One :class:`AlertContext` per run.  Routing answers are memoised by what routing reads of a fiche
(:meth:`~engine.alerts.model.FicheView.routing_key`): 200,000 fiches share far fewer distinct
(commune, kind, stage, activity, needs, publics) combinations, and a suggestion is a pure function.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from typing import Any

from engine.alerts.model import Alert, Words
from engine.charter import AlertThreshold
from engine.i18n import get_language
from engine.readmodel import FicheView
from engine.routing import CompiledRules, Suggestion, suggest
from engine.routing.compile import CompiledStructure
from engine.routing.suggest import has_lead
from engine.store import access
from engine.vocabulary import ACTIVE_STAGES

#: What a check's scan found on one fiche, before any :class:`~engine.alerts.model.Alert` is made:
#: ``(since, fiche id, view, words, *arguments)`` — ``words`` the check's function of (view, context,
#: *arguments) giving what the alert says (:meth:`AlertContext.alert`), or the alert itself when a check
#: made it already.  A tuple built in place by the scan, no function object per fiche: ``capactif
#: alerts`` without ``--all`` counts some 150,000 of them at 200,000 fiches and says ten
#: (:meth:`AlertContext.made`), so making an alert of each — a call, an object, its release at exit —
#: was work for nothing.
Found = tuple[dt.date, str, FicheView, "Callable[..., Words] | Alert", *tuple[Any, ...]]


@dataclass
class AlertContext:
    """The run's fixed facts, and memoised routing over them."""

    as_of: dt.date
    thresholds: dict[str, AlertThreshold]
    rules: CompiledRules
    viewer: access.Viewer = access.ANONYMOUS
    #: Active fiches per structure as lead, on ``as_of`` (every fiche, whatever the filters).
    caseload: dict[str, int] = field(default_factory=dict)
    #: The fiches that put their lead over its capacity (assigned after it was full).
    over_capacity: dict[str, int] = field(default_factory=dict)
    _plain: dict[tuple[Any, ...], Suggestion] = field(default_factory=dict)
    #: Whether any coordinator rule is about the lead (else no rule can exclude or require one).
    lead_rules: bool = True
    _servable: dict[tuple[str, str], bool] = field(default_factory=dict)
    _loaded: dict[tuple[Any, ...], Suggestion] = field(default_factory=dict)
    _accompanying: dict[tuple[Any, ...], tuple[list[CompiledStructure], frozenset[str], frozenset[str]]] = field(
        default_factory=dict
    )

    #: The language of the run: the alerts say their words in it whenever they are read.
    language: str = ""
    #: Each check's severity (the charter's).
    severities: dict[str, str] = field(default_factory=dict)
    #: What a check computes once per run and reuses fiche after fiche, under keys that start with its id.
    memo: dict[Any, Any] = field(default_factory=dict)
    #: Days from each ``since`` to ``as_of`` (a few hundred distinct days for 150,000 alerts).
    _days: dict[dt.date, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lead_rules = any(r.role == "lead" for r in self.rules.rules)
        self.language = self.language or get_language()
        self.severities = {check: t.severity for check, t in self.thresholds.items()}

    def can_be_led(self, view: FicheView) -> bool:
        """Routing names a lead for the fiche, whatever the caseloads (:func:`engine.routing.suggest.has_lead`:
        the lead alone, not the whole suggestion)."""
        return has_lead(view, self.rules)

    def servable(self, commune: str, need: str) -> bool:
        """Whether routing could name anyone for ``need`` in the commune: a structure covering it lists
        the need (active or not, as lead or support), or a support rule is about the need (or any need)."""
        key = (commune, need)
        found = self._servable.get(key)
        if found is None:
            structures = self.rules.structures.values()
            found = any(need in s.support_needs and commune in s.communes for s in structures) or any(
                r.role == "support" and r.need in (need, None) for r in self.rules.rules
            )
            self._servable[key] = found
        return found

    def accompanying(
        self, lead: str | None, supporting: tuple[str, ...], follow_up_by: str | None
    ) -> tuple[list[CompiledStructure], frozenset[str], frozenset[str]]:
        """The active structures of the rules among a fiche's lead, supporting and follow-up structures,
        the needs one of them serves for any fiche (:attr:`CompiledStructure.plain_needs`: no
        ``only_with_needs``, no NAF restriction), and the needs one of them lists at all, memoised per
        combination (a few hundred at 200,000 fiches): ``need_uncovered`` asks the structures one by one
        only for the needs listed but not served for any fiche."""
        key = (lead, supporting, follow_up_by)
        found = self._accompanying.get(key)
        if found is None:
            structures = self.rules.structures
            present = [structures[s] for s in (lead, *supporting, follow_up_by) if s and s in structures]
            active = [s for s in present if s.active]
            plain = frozenset().union(*(s.plain_needs for s in active))
            listed = frozenset().union(*(s.support_needs for s in active))
            found = self._accompanying[key] = (active, plain, listed)
        return found

    def threshold(self, check: str) -> AlertThreshold:
        """The charter's severity and thresholds of a check."""
        return self.thresholds[check]

    def suggestion(self, view: FicheView, *, caseload: bool = True) -> Suggestion:
        """Routing's suggestion for the fiche, with the caseloads of ``as_of`` (capacity applies) or not."""
        memo = self._loaded if caseload else self._plain
        key = view.routing_key()
        found = memo.get(key)
        if found is None:
            found = suggest(view, self.rules, self.caseload if caseload else None)
            memo[key] = found
        return found

    def alert(self, view: FicheView, check: str, since: dt.date, words: Callable[[], Words]) -> Alert:
        """An alert of ``check`` on the fiche since ``since``, its severity from the charter, the porteur's
        name only when the caller may see it (:func:`engine.store.access.sees_personal_data`), and what it
        says given by ``words`` — called only when the alert's message, action, structures, suggested
        structures or command is first read (:class:`~engine.alerts.model.Alert`), in the run's language."""
        name = None
        if view.porteur_name and access.sees_personal_data(self.viewer, view.on_fiche, view.consent_network):
            name = view.porteur_name
        days = self._days.get(since)
        if days is None:
            days = self._days[since] = (self.as_of - since).days
        return Alert(
            view.id,
            view.local_network,
            view.commune,
            view.stage,
            check,
            self.severities[check],
            since,
            days,
            porteur_name=name,
            words=(words, self.language),
        )

    def made(self, check: str, found: Found) -> Alert:
        """The alert of ``check`` that ``found`` (a scan's record) stands for, the same :meth:`alert` makes."""
        since, _fiche, view, words, *arguments = found
        if isinstance(words, Alert):
            return words
        return self.alert(view, check, since, partial(words, view, self, *arguments))

    def name(self, structure: str | None) -> str:
        """A structure as people call it ('Chambre de Métiers et de l'Artisanat du Puy-de-Dôme'), its id
        when the rules no longer have it."""
        found = self.rules.structures.get(structure or "")
        return found.name if found is not None and found.name else str(structure)

    def names(self, structures: Iterable[str]) -> str:
        """Several structures' names, comma-separated."""
        return ", ".join(self.name(s) for s in structures)

    def commune(self, view: FicheView) -> str:
        """'63003 Ambert'."""
        return self.rules.commune_text(view.commune)


def caseloads(views: Iterable[FicheView]) -> dict[str, int]:
    """Active fiches per structure as lead (the same count as the store's caseload, at ``as_of``)."""
    return dict(Counter(v.lead for v in views if v.lead and v.stage in ACTIVE_STAGES))


def led_caseloads(led: Iterable[FicheView]) -> dict[str, int]:
    """:func:`caseloads` of fiches known to be active with a lead (``by_scope``'s ``led``): counted in C,
    no test per fiche (170,000 at 200,000 fiches); an empty lead is no structure."""
    counted = Counter(map(_LEAD, led))
    counted.pop("", None)
    return dict(counted)


_LEAD = attrgetter("lead")


def beyond_capacity(views: Iterable[FicheView], rules: CompiledRules) -> dict[str, int]:
    """The fiches that put their lead over capacity, with the lead's caseload.

    A structure over capacity is alerted on the fiches assigned to it after it was full (the latest
    assignments, then the highest ids), not on every fiche it leads.
    """
    capped = {sid for sid, s in rules.structures.items() if s.capacity is not None}
    by_lead: dict[str, list[FicheView]] = {}
    if capped:
        for v in views:
            if v.lead in capped and v.stage in ACTIVE_STAGES:
                by_lead.setdefault(v.lead, []).append(v)
    out: dict[str, int] = {}
    for lead, led in by_lead.items():
        capacity = rules.structures[lead].capacity
        assert capacity is not None
        if len(led) > capacity:
            led.sort(key=lambda v: (v.lead_since or v.received, v.id))
            out.update((v.id, len(led)) for v in led[capacity:])
    return out
