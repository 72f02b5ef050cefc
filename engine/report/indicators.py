"""The yearly report's figures, computed from the fiches' events (definitions in docs/report.md).

1. ``projects_met``: fiches received in the period;
2. ``with_referent``: of those, fiches that had a lead (référent) by the period's end;
3. ``network_effect``: of those, fiches on which two or more structures acted by the period's end
   (a supporting structure assigned, the lead passed between structures, or events recorded by two
   structures);
4. ``installed``: fiches whose installation date falls in the period (whatever their reception year);
5. ``installed_with_follow_up``: of those, fiches that reached ``follow_up`` by the period's end;
6. ``offers_published``: offers published in the period;
7. ``offer_contacts``: contacts recorded by the period's end for the offers of 6;
8. ``installed_via_offer``: fiches of 4 that came from an offer (their ``offer`` field, or a contact
   with an offer on or before their installation date).

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

from engine.offers.model import Offer, OfferContact
from engine.report.timeline import Timeline, median, network_of

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

#: French labels, as in the network's 2004 report.
LABELS: dict[str, str] = {
    "projects_met": "Projets rencontrés",
    "with_referent": "Porteurs de projets ayant un référent",
    "network_effect": "Projets ayant bénéficié d'un effet du travail en réseau",
    "installed": "Activités installées",
    "installed_with_follow_up": "Activités installées ayant bénéficié d'un suivi post-création",
    "offers_published": "Offres d'activités diffusées",
    "offer_contacts": "Contacts obtenus pour ces offres",
    "installed_via_offer": "Installations réalisées par l'intermédiaire des offres",
}

#: Each ratio: (numerator, denominator).
RATIOS: dict[str, tuple[str, str]] = {
    "with_referent": ("with_referent", "projects_met"),
    "network_effect": ("network_effect", "projects_met"),
    "installed_with_follow_up": ("installed_with_follow_up", "installed"),
    "contacts_per_offer": ("offer_contacts", "offers_published"),
    "installed_via_offer": ("installed_via_offer", "installed"),
}


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
    #: When the référent took the fiche in charge (:meth:`Timeline.referent_accepted_on`).
    accepted: dt.date | None = None


def facts_of(
    t: Timeline,
    period: Period,
    territory: Any,
    contacted: dict[str, list[dt.date]],
    first_reception: frozenset[str] = frozenset(),
) -> Facts:
    """The facts of one fiche as known at the end of ``period``."""
    end = period.end
    installed = t.installed_on(end)
    via = installed is not None and (bool(t.offer) or any(d <= installed for d in contacted.get(t.id, [])))
    return Facts(
        id=t.id,
        received=t.received,
        network_received=network_of(t, t.received, territory),
        first_lead=t.first_lead_on(end),
        effect=t.network_effect(end),
        installed_on=installed,
        network_installed=network_of(t, installed, territory) if installed else None,
        follow_up=t.reached("follow_up", end) is not None,
        via_offer=via,
        structures=frozenset(t.structures_on(end)),
        first_reception=t.received_by in first_reception,
        accepted=t.referent_accepted_on(end),
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
    installed = [f for f in facts if f.installed_on in period and installed_ok(f)]
    published = {o.id for o in offers if o.published_on in period and offer_ok(o)}
    values = {
        "projects_met": len(met),
        "with_referent": sum(1 for f in met if f.first_lead is not None),
        "network_effect": sum(1 for f in met if f.effect),
        "installed": len(installed),
        "installed_with_follow_up": sum(1 for f in installed if f.follow_up),
        "offers_published": len(published),
        "offer_contacts": sum(1 for c in contacts if c.offer in published and c.at <= period.end)
        + sum(1 for offer, day in requests if offer in published and day <= period.end),
        "installed_via_offer": sum(1 for f in installed if f.via_offer),
    }
    ratios = {
        name: (round(values[num] / values[den], 4) if values[den] else None) for name, (num, den) in RATIOS.items()
    }
    to_referent = [(f.first_lead - f.received).days for f in met if f.first_lead is not None]
    received_first = [f for f in met if f.first_reception]
    to_acceptance = [(f.accepted - f.received).days for f in received_first if f.accepted is not None]
    to_install = [(f.installed_on - f.received).days for f in installed if f.installed_on is not None]
    return {
        **values,
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
    }


def yearly_report(
    timelines: Iterable[Timeline],
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
    contacted: dict[str, list[dt.date]] = {}
    for c in contacts:
        if c.at <= period.end:
            contacted.setdefault(c.fiche, []).append(c.at)
    facts = [facts_of(t, period, territory, contacted, receivers) for t in timelines if t.received <= period.end]
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
