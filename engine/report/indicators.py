"""The yearly report's figures, computed from the fiches' events (definitions, with examples: docs/report.md).

The eight figures of the network's 2004 report:

1. ``projects_met``: fiches received in the period;
2. ``with_referent``: of those, the *porteurs* (not fiches: :mod:`engine.store.porteur_keys`) whose
   fiche had a lead (référent) by the period's end;
3. ``network_effect``: of 1, fiches on which, once they had a référent, a structure other than the
   référent of that day acted (recorded a contact, a note or a decision), by the period's end;
4. ``installed``: creations and takeovers whose installation date falls in the period (whatever their
   reception year); developments of existing firms are ``developments_installed``, on their own line;
5. ``installed_with_follow_up``: of 4, fiches that reached ``follow_up`` by the period's end;
6. ``offers_published``: offers published in the period;
7. ``offer_contacts``: every contact recorded by the period's end for the offers of 6, including the
   one-off enquiries (messages through the public exchange) that never became a fiche;
8. ``installed_via_offer``: of 4, fiches linked to the offer they answered (their ``offer`` field).

Beside them: ``developments_installed``, ``closed`` (abandoned, redirected: of 1, by the period's
end), the median delays (``median_days``) and ``survival`` (activities whose first or third
installation anniversary falls in the period, and what follow-up recorded of them).

Only events dated on or before the period's end count (for an installation: its installation
date), so a year's report does not change when next year's events are recorded.  A fiche counts
in the local network of its commune on the day that is counted (reception for 1-3, installation
for 4-5 and 8), so a fiche that moves counts where it was each time.  Per structure, a fiche counts
for every structure that was on it (received it, led it or supported it): those rows do not add
up to the network's total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from engine.i18n import N_, _
from engine.offers.model import Offer, OfferContact
from engine.readmodel import ACTIVE, CEASED, StoredFiche, network_of

INDICATORS: tuple[str, ...] = (
    "projects_met",
    "with_referent",
    "network_effect",
    "installed",
    "installed_with_follow_up",
    "offers_published",
    "offer_contacts",
    "installed_via_offer",
)

#: The figures reported beside the eight (counts; their shares are in ``ratios``).
BESIDE: tuple[str, ...] = ("developments_installed", "abandoned", "redirected")

#: Each figure's label (an English msgid; French through the catalog, as in the network's 2004 report).
LABELS: dict[str, str] = {
    "projects_met": N_("Projects met"),
    "with_referent": N_("Porteurs with a référent"),
    "network_effect": N_("Projects helped by the network working together"),
    "installed": N_("Activities installed"),
    "installed_with_follow_up": N_("Installed activities given a post-creation follow-up"),
    "offers_published": N_("Activity offers published"),
    "offer_contacts": N_("Contacts obtained for these offers"),
    "installed_via_offer": N_("Installations made through the published offers"),
    "developments_installed": N_("Developments of existing firms carried out"),
    "abandoned": N_("Projects abandoned"),
    "redirected": N_("Projects redirected outside the network"),
    "one_year": N_("Installed activities still active after one year"),
    "three_years": N_("Installed activities still active after three years"),
}

#: What each figure counts, one sentence (the HTML report's "Définitions"; examples in docs/report.md).
DEFINITIONS: dict[str, str] = {
    "projects_met": N_("Fiches received in the period: every project met, whatever became of it."),
    "with_referent": N_(
        "Of the projects met, the porteurs whose fiche had a référent by the period's end; a porteur with "
        "two fiches counts once."
    ),
    "network_effect": N_(
        "Of the projects met, the fiches on which, once they had a référent, another structure acted: "
        "recorded a contact, a note or a decision (a financing, an installation). Being listed as "
        "supporting structure is not enough."
    ),
    "installed": N_(
        "Creations and takeovers whose activity started in the period (the installation date), whatever "
        "the year they were met. Developments of existing firms are counted on their own line."
    ),
    "installed_with_follow_up": N_("Of the activities installed, those whose post-creation follow-up has started."),
    "offers_published": N_("Activity offers (businesses to take over, activities sought) published in the period."),
    "offer_contacts": N_(
        "Every contact recorded for these offers, including one-off enquiries that never became a fiche."
    ),
    "installed_via_offer": N_(
        "Of the activities installed, those whose fiche is linked to the offer it answered (the installed "
        "activity is the offer's); having once contacted an offer is not enough."
    ),
    "developments_installed": N_(
        "Developments of existing firms carried out in the period (not in the activities installed)."
    ),
    "abandoned": N_("Of the projects met, those the porteur gave up by the period's end."),
    "redirected": N_("Of the projects met, those oriented outside the network by the period's end."),
    "one_year": N_(
        "Activities installed one year before (anniversary in the period) that follow-up recorded as "
        "still active, of those follow-up recorded."
    ),
    "three_years": N_(
        "Activities installed three years before (anniversary in the period) that follow-up recorded as "
        "still active, of those follow-up recorded."
    ),
}


def label(key: str) -> str:
    """The figure's label in the language in force."""
    return _(LABELS[key])


def definition(key: str) -> str:
    """What the figure counts, in the language in force."""
    return _(DEFINITIONS[key])


#: Each ratio: (numerator, denominator).
RATIOS: dict[str, tuple[str, str]] = {
    "with_referent": ("with_referent", "projects_met"),
    "network_effect": ("network_effect", "projects_met"),
    "installed_with_follow_up": ("installed_with_follow_up", "installed"),
    "contacts_per_offer": ("offer_contacts", "offers_published"),
    "installed_via_offer": ("installed_via_offer", "installed"),
    "abandoned": ("abandoned", "projects_met"),
    "redirected": ("redirected", "projects_met"),
}

#: Installation anniversaries followed by ``survival``: key → years.
ANNIVERSARIES: dict[str, int] = {"one_year": 1, "three_years": 3}
#: Kinds of project counted in ``installed`` (developments are ``developments_installed``).
INSTALLED_KINDS = frozenset({"creation", "takeover"})


@dataclass(frozen=True)
class Period:
    """An inclusive range of days: a calendar year or any ``--from``/``--to`` range."""

    start: dt.date
    end: dt.date

    @classmethod
    def year(cls, year: int) -> Period:
        """1 January to 31 December of ``year``."""
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def label(self) -> str:
        """``2025`` for a calendar year, else ``2025-03-01 – 2025-06-30``."""
        if self.start == dt.date(self.start.year, 1, 1) and self.end == dt.date(self.start.year, 12, 31):
            return str(self.start.year)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    def to_dict(self) -> dict[str, str]:
        """``from``, ``to``, ``label``."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "label": self.label}


@dataclass(frozen=True)
class Facts:
    """What the report needs to know about one fiche, computed once."""

    id: str
    received: dt.date
    network_received: str | None
    first_lead: dt.date | None
    effect: bool
    installed_on: dt.date | None
    network_installed: str | None
    follow_up: bool
    via_offer: bool
    structures: frozenset[str]
    #: Received by a structure of first reception (a communauté de communes, the Parc).
    first_reception: bool = False
    #: When the référent took the fiche in charge (:meth:`StoredFiche.referent_accepted_on`).
    accepted: dt.date | None = None
    #: The porteur's group (:attr:`StoredFiche.porteur_id`): porteurs are counted, not fiches.
    porteur: str = ""
    #: A development of an existing firm when installed (counted apart from ``installed``).
    development: bool = False
    #: Closed by the period's end: ``abandoned``, ``redirected`` or None.
    closed: str | None = None
    #: Per anniversary (``one_year``, ``three_years``): (its date, what follow-up recorded by the end).
    anniversaries: tuple[tuple[str, dt.date, str | None], ...] = ()


def _anniversary(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def facts_of(
    t: StoredFiche,
    period: Period,
    territory: Any,
    first_reception: frozenset[str] = frozenset(),
) -> Facts:
    """The facts of one fiche as known at the end of ``period``."""
    end = period.end
    installed = t.installed_on(end)
    closed = next((stage for stage in ("abandoned", "redirected") if t.reached(stage, end) is not None), None)
    anniversaries: list[tuple[str, dt.date, str | None]] = []
    if installed is not None:
        for key, years in ANNIVERSARIES.items():
            day = _anniversary(installed, years)
            if day <= end:
                anniversaries.append((key, day, t.activity_on(day, end)))
    return Facts(
        id=t.id,
        received=t.received,
        network_received=network_of(t, t.received, territory),
        first_lead=t.first_lead_on(end),
        effect=t.network_effect(end),
        installed_on=installed,
        network_installed=network_of(t, installed, territory) if installed else None,
        follow_up=t.reached("follow_up", end) is not None,
        via_offer=installed is not None and bool(t.offer),
        structures=frozenset(t.structures_on(end)),
        first_reception=t.received_by in first_reception,
        accepted=t.referent_accepted_on(end),
        porteur=t.porteur_id,
        development=installed is not None and t.kind_on(installed) not in INSTALLED_KINDS,
        closed=closed,
        anniversaries=tuple(anniversaries),
    )


def _has_structure(sid: str, in_network: Callable[[Any], bool], fact: Any) -> bool:
    """The fact involves structure ``sid`` and passes the network filter."""
    return sid in fact.structures and in_network(fact)


def _published_by(sid: str, in_network: Callable[[Any], bool], offer: Any) -> bool:
    """The offer was published by structure ``sid`` and passes the network filter."""
    return bool(offer.published_by == sid and in_network(offer))


def _figures(
    facts: Sequence[Facts],
    offers: Sequence[Offer],
    contacts: Sequence[OfferContact],
    period: Period,
    met_ok: Callable[[Facts], bool],
    installed_ok: Callable[[Facts], bool],
    offer_ok: Callable[[Offer], bool],
    requests: Sequence[tuple[str, dt.date]] = (),
) -> dict[str, Any]:
    met = [f for f in facts if f.received in period and met_ok(f)]
    all_installed = [f for f in facts if f.installed_on in period and installed_ok(f)]
    installed = [f for f in all_installed if not f.development]
    published = {o.id for o in offers if o.published_on in period and offer_ok(o)}
    values = {
        "projects_met": len(met),
        "with_referent": len({f.porteur for f in met if f.first_lead is not None}),
        "network_effect": sum(1 for f in met if f.effect),
        "installed": len(installed),
        "installed_with_follow_up": sum(1 for f in installed if f.follow_up),
        "offers_published": len(published),
        "offer_contacts": sum(1 for c in contacts if c.offer in published and c.at <= period.end)
        + sum(1 for offer, day in requests if offer in published and day <= period.end),
        "installed_via_offer": sum(1 for f in installed if f.via_offer),
        "developments_installed": len(all_installed) - len(installed),
        "abandoned": sum(1 for f in met if f.closed == "abandoned"),
        "redirected": sum(1 for f in met if f.closed == "redirected"),
    }
    ratios = {
        name: (round(values[num] / values[den], 4) if values[den] else None) for name, (num, den) in RATIOS.items()
    }
    to_referent = [(f.first_lead - f.received).days for f in met if f.first_lead is not None]
    received_first = [f for f in met if f.first_reception]
    to_acceptance = [(f.accepted - f.received).days for f in received_first if f.accepted is not None]
    to_install = [(f.installed_on - f.received).days for f in installed if f.installed_on is not None]
    survival = {}
    for key in ANNIVERSARIES:
        due = [
            status
            for f in facts
            if not f.development and installed_ok(f)
            for k, day, status in f.anniversaries
            if k == key and day in period
        ]
        known = [status for status in due if status in (ACTIVE, CEASED)]
        active = sum(1 for status in known if status == ACTIVE)
        survival[key] = {
            "installed": len(due),
            "known": len(known),
            "active": active,
            "share": round(active / len(known), 4) if known else None,
        }
    return {
        **{k: values[k] for k in INDICATORS},
        "ratios": ratios,
        "first_reception": {
            "received": len(received_first),
            "taken_in_charge": len(to_acceptance),
            "median_days_to_referent": median(to_acceptance),
        },
        "median_days": {
            "reception_to_referent": median(to_referent),
            "reception_to_installation": median(to_install),
        },
        **{k: values[k] for k in BESIDE},
        "survival": survival,
    }


def yearly_report(
    fiches: Iterable[StoredFiche],
    offers: Sequence[Offer],
    contacts: Sequence[OfferContact],
    period: Period,
    territory: Any,
    *,
    network: str | None = None,
    structures: Iterable[str] = (),
    first_reception: Iterable[str] = (),
    requests: Sequence[tuple[str, dt.date]] = (),
) -> dict[str, Any]:
    """The report as a JSON-ready dict (keys documented in docs/report.md).

    ``first_reception``: the structures of first reception (communautés de communes, the Parc), whose
    porteurs' time to the référent's taking in charge is measured (``first_reception``).
    ``requests``: (offer, day) of the messages sent through the public exchange and not turned into
    a fiche yet; each is a contact of its offer (a message turned into a fiche counts as that
    fiche's contact instead).
    """
    receivers = frozenset(first_reception)
    facts = [facts_of(t, period, territory, receivers) for t in fiches if t.received <= period.end]
    networks = [network] if network else sorted(territory.local_networks)

    def in_net(net: str | None) -> tuple[Callable[[Facts], bool], Callable[[Facts], bool], Callable[[Offer], bool]]:
        if net is None:
            return (lambda f: True), (lambda f: True), (lambda o: True)
        return (
            (lambda f: f.network_received == net),
            (lambda f: f.network_installed == net),
            (lambda o: o.local_network == net),
        )

    whole = _figures(facts, offers, contacts, period, *in_net(network), requests)
    by_network = []
    for net in networks:
        local = territory.local_networks.get(net)
        by_network.append(
            {
                "network": net,
                "name": local.name if local else net,
                **_figures(facts, offers, contacts, period, *in_net(net), requests),
            }
        )
    met_net, inst_net, offer_net = in_net(network)
    by_structure = []
    for sid in sorted(set(structures) | {s for f in facts for s in f.structures}):
        row = _figures(
            facts,
            offers,
            contacts,
            period,
            partial(_has_structure, sid, met_net),
            partial(_has_structure, sid, inst_net),
            partial(_published_by, sid, offer_net),
            requests,
        )
        if any(row[k] for k in INDICATORS) or sid in set(structures):
            by_structure.append({"structure": sid, **row})
    return {
        "period": period.to_dict(),
        "network": network,
        **whole,
        "by_network": by_network,
        "by_structure": by_structure,
    }


def median(values: Iterable[int]) -> float | None:
    """The median of whole numbers (None for none); a half appears only between two middle values."""
    data = sorted(values)
    if not data:
        return None
    mid = len(data) // 2
    value = data[mid] if len(data) % 2 else (data[mid - 1] + data[mid]) / 2
    return float(value)
