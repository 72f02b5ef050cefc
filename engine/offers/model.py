"""Activity offers: businesses to take over and activities a commune seeks (the seed's "bourse").

An offer is published somewhere (a magazine, the website, a market day) on a date; porteurs get in
touch (a *contact*, linked to their fiche); a fiche installed through an offer is one whose ``offer``
field names it (the activity installed is the offer's), not any fiche that once contacted it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Literal

from engine import vocabulary

OfferKind = Literal["takeover", "sought"]

#: The kinds of offer, with their French label.
OFFER_KINDS: dict[str, str] = {
    "takeover": "entreprise à reprendre",
    "sought": "activité recherchée par une commune",
}

#: French words for the kinds of offer, besides their ids and labels (engine.vocabulary.canonical).
vocabulary.register(
    "offer kind",
    OFFER_KINDS,
    {
        "takeover": ("reprise", "à reprendre", "à vendre", "cession", "entreprise à céder"),
        "sought": ("recherchée", "activité recherchée", "commune recherche", "appel à candidatures"),
    },
)

OFFER_ID_PATTERN = r"^O-\d{4}-\d{4,}$"


@dataclass(frozen=True)
class Offer:
    """One published offer (see :mod:`engine.offers.tables` for the columns)."""

    id: str
    kind: str
    title: str
    description: str
    commune: str
    local_network: str | None
    naf: str | None
    nature: str | None
    published_on: dt.date
    published_in: str
    published_by: str | None
    closed_on: dt.date | None = None
    closed_reason: str | None = None

    def for_viewer(self, who: Any) -> Offer:
        """The offer as ``who`` may see it: ``closed_reason`` is free text that may name the porteur who
        took the business over, so only the coordinator and the structure that published it see it."""
        if self.closed_reason is None or who.is_coordinator or (who.structure and who.structure == self.published_by):
            return self
        return replace(self, closed_reason=None)

    def open_on(self, day: dt.date) -> bool:
        """Published by ``day`` and not closed by then."""
        return self.published_on <= day and (self.closed_on is None or self.closed_on > day)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; keys documented in docs/offers.md."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "description": self.description,
            "commune": self.commune,
            "local_network": self.local_network,
            "naf": self.naf,
            "nature": self.nature,
            "published_on": self.published_on.isoformat(),
            "published_in": self.published_in,
            "published_by": self.published_by,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "closed_reason": self.closed_reason,
        }


@dataclass(frozen=True)
class OfferContact:
    """A porteur (their fiche) who got in touch about an offer, on a date."""

    offer: str
    fiche: str
    at: dt.date
    by: str | None
    note: str = ""

    def to_dict(self, *, show_note: bool = True) -> dict[str, Any]:
        """JSON-ready form: ``offer``, ``fiche``, ``at``, ``by``, ``note`` (hidden when personal)."""
        return {
            "offer": self.offer,
            "fiche": self.fiche,
            "at": self.at.isoformat(),
            "by": self.by,
            "note": self.note if show_note else None,
        }


def installed_via_offer(offer_field: str | None, installed_on: dt.date | None) -> bool:
    """A fiche installed through an offer: installed, and linked to the offer it answered (its ``offer``
    field: the installed activity is the offer's).  Having contacted an offer is not enough (the yearly
    report's ``installed_via_offer``, docs/report.md)."""
    return installed_on is not None and bool(offer_field)
