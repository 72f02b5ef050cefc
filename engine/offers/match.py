"""Matching offers and fiches: the offers a porteur could take up, the porteurs an offer could interest.

A pure function over plain facts (:class:`FicheFacts`, :class:`~engine.offers.model.Offer`), so the
ranking can be tested without a store.  A fiche and an offer **match** when both hold:

* **activity** — the most precise of: the same NAF code (``naf``), the same NAF class, first five
  characters such as ``10.71`` (``naf_class``), the same NAF division, first two digits
  (``naf_division``), the same nature (``nature``); or one side does not say its activity yet
  (``unspecified``: an offer open to any activity, or a fiche without NAF code or nature).  Two
  different natures never match;
* **territory** — the offer's commune is the fiche's (``commune``), or in the same intercommunal
  body (``intercommunal``, the EPCI of today), or in the same local network (``local_network``).
  Beyond its local network an offer is not proposed: each local network's monthly meeting deals
  with its own offers and porteurs.

Matches are ranked by, in order: **kind** first (a business to take over, ``takeover``, fits a
porteur who wants to take over — fiche kind ``takeover`` or need ``takeover_search``; an activity a
commune seeks, ``sought``, fits a creation), then activity (most precise first), then territory
(closest first), then id.  The same input always gives the same order, and every match says why.

Only offers open on the day are proposed to a fiche; only fiches still looking (stages idea, study,
financing, on hold) are proposed for an offer.  A fiche already in contact with the offer is listed
with the day of the contact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine import activities
from engine.i18n import _
from engine.offers.model import OFFER_KINDS, Offer
from engine.vocabulary import KINDS, NATURES

#: Stages of fiches still looking for their activity: the ones proposed for an offer.
LOOKING_STAGES: tuple[str, ...] = ("idea", "study", "financing", "on_hold")

#: Activity levels, most precise first (the rank is the position).
ACTIVITY_LEVELS: tuple[str, ...] = ("naf", "naf_class", "naf_division", "nature", "unspecified")
#: Territory levels, closest first.
TERRITORY_LEVELS: tuple[str, ...] = ("commune", "intercommunal", "local_network")


@dataclass(frozen=True)
class FicheFacts:
    """What matching reads of a fiche (from the store), and its porteur's name when the caller may see it."""

    id: str
    commune: str
    kind: str
    naf: str | None
    nature: str | None
    needs: tuple[str, ...]
    stage: str
    lead: str | None
    received: dt.date
    porteur_name: str | None = None


@dataclass(frozen=True)
class Match:
    """One offer–fiche pair that matches, with the levels it matched at and the reasons in words."""

    offer: Offer
    fiche: FicheFacts
    kind_fit: bool
    activity: str
    territory: str
    reasons: tuple[str, ...]
    contacted_on: dt.date | None = None

    def key(self) -> tuple[Any, ...]:
        """The ranking: kind fit, then activity, then territory, then the ids."""
        return (
            not self.kind_fit,
            ACTIVITY_LEVELS.index(self.activity),
            TERRITORY_LEVELS.index(self.territory),
            self.offer.id,
            self.fiche.id,
        )


def activity_level(offer: Offer, fiche: FicheFacts) -> tuple[str, str] | None:
    """The most precise activity level the two share, with its reason; None when they differ."""
    if offer.naf and fiche.naf:
        if offer.naf == fiche.naf:
            return "naf", _("same NAF code {code} ({label})").format(code=offer.naf, label=_naf_label(offer.naf))
        if offer.naf[:5] == fiche.naf[:5]:
            return "naf_class", _("same NAF class {prefix} ({offer} and {fiche})").format(
                prefix=offer.naf[:5], offer=offer.naf, fiche=fiche.naf
            )
        if offer.naf[:2] == fiche.naf[:2]:
            return "naf_division", _("same NAF division {prefix} ({offer} and {fiche})").format(
                prefix=offer.naf[:2], offer=offer.naf, fiche=fiche.naf
            )
    if offer.nature and fiche.nature:
        if offer.nature == fiche.nature:
            return "nature", _("same nature: {nature}").format(nature=NATURES.get(offer.nature, offer.nature))
        return None
    if not (offer.naf or offer.nature):
        return "unspecified", _("the offer is open to any activity")
    return "unspecified", _("the fiche does not say its activity yet (no NAF code or nature)")


def territory_level(offer: Offer, fiche: FicheFacts, territory: Any) -> tuple[str, str] | None:
    """The closest territory level the two share, with its reason; None beyond the local network."""
    a, b = territory.communes.get(offer.commune), territory.communes.get(fiche.commune)
    if a is None or b is None:
        return None
    if a.insee == b.insee:
        return "commune", _("same commune: {commune}").format(commune=a)
    if a.epci and a.epci == b.epci:
        return "intercommunal", _("same intercommunal body: {body} ({offer} and {fiche})").format(
            body=a.epci_name, offer=a.name, fiche=b.name
        )
    if a.local_network and a.local_network == b.local_network:
        return "local_network", _("same local network: {network} ({offer} and {fiche})").format(
            network=a.local_network, offer=a.name, fiche=b.name
        )
    return None


def kind_fit(offer: Offer, fiche: FicheFacts) -> tuple[bool, str]:
    """Whether the fiche's kind is what the offer is for, and why (said either way)."""
    offered = OFFER_KINDS.get(offer.kind, offer.kind)
    if offer.kind == "takeover":
        if fiche.kind == "takeover":
            return True, _("{offered}: the porteur wants to take over a business (kind {kind})").format(
                offered=offered, kind=KINDS["takeover"]
            )
        if "takeover_search" in fiche.needs:
            return True, _(
                "{offered}: the porteur is looking for a business to take over (need takeover_search)"
            ).format(offered=offered)
        return False, _("{offered}, the fiche is a {kind}: a takeover could be an option").format(
            offered=offered, kind=KINDS.get(fiche.kind, fiche.kind)
        )
    if fiche.kind == "creation":
        return True, _("{offered}: the porteur creates an activity (kind {kind})").format(
            offered=offered, kind=KINDS["creation"]
        )
    return False, _("{offered}, the fiche is a {kind}").format(offered=offered, kind=KINDS.get(fiche.kind, fiche.kind))


def match_pair(offer: Offer, fiche: FicheFacts, territory: Any, contacted_on: dt.date | None = None) -> Match | None:
    """The match of one offer and one fiche, or None when activity or territory rule it out."""
    activity = activity_level(offer, fiche)
    place = territory_level(offer, fiche, territory)
    if activity is None or place is None:
        return None
    fit, why = kind_fit(offer, fiche)
    reasons = [why, activity[1], place[1]]
    if contacted_on is not None:
        reasons.append(_("already in contact since {date}").format(date=contacted_on.isoformat()))
    return Match(offer, fiche, fit, activity[0], place[0], tuple(reasons), contacted_on)


def offers_for_fiche(
    fiche: FicheFacts,
    offers: Iterable[Offer],
    territory: Any,
    day: dt.date,
    contacts: Mapping[tuple[str, str], dt.date] | None = None,
) -> list[Match]:
    """The offers open on ``day`` that match the fiche, best first."""
    contacts = contacts or {}
    found = []
    for offer in offers:
        if not offer.open_on(day):
            continue
        m = match_pair(offer, fiche, territory, contacts.get((offer.id, fiche.id)))
        if m is not None:
            found.append(m)
    return sorted(found, key=Match.key)


def fiches_for_offer(
    offer: Offer,
    fiches: Iterable[FicheFacts],
    territory: Any,
    day: dt.date,
    contacts: Mapping[tuple[str, str], dt.date] | None = None,
) -> list[Match]:
    """The fiches received by ``day`` and still looking that match the offer, best first."""
    contacts = contacts or {}
    found = []
    for fiche in fiches:
        if fiche.received > day or fiche.stage not in LOOKING_STAGES:
            continue
        m = match_pair(offer, fiche, territory, contacts.get((offer.id, fiche.id)))
        if m is not None:
            found.append(m)
    return sorted(found, key=Match.key)


def _naf_label(code: str) -> str:
    activity = activities.nomenclature().get(code)
    return activity.label if activity else code
