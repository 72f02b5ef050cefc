"""One function per ``capactif offer`` command: load the network, open the store, one transaction.

The CLI calls exactly one of these and renders what it returns; tests call them too.  Porteurs'
names (in ``offer show`` and ``offer match``) follow the store's rule
(:func:`engine.store.exporting.can_see_personal`); a contact's note, free text that may name the
porteur, follows the same rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.offers import repository as repo
from engine.offers.match import FicheFacts, Match, fiches_for_offer, offers_for_fiche
from engine.offers.model import Offer, OfferContact, installed_via_offer
from engine.store import access, queries
from engine.store.exporting import can_see_personal
from engine.store.records import StoredFiche
from engine.store.service import load_network, opened
from engine.vocabulary import unknown

STATUSES = ("open", "closed")


def add_files(
    db_url: str | None,
    rules_path: str | Path | None,
    files: Sequence[str],
    as_: str | None,
    *,
    stdin_text: str | None = None,
) -> list[Offer]:
    """``offer add``: validate every file first (all problems at once), then store every offer."""
    from engine.offers.spec import read_offers

    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    repo.check_writer(who, "add")
    specs = read_offers(files, net.fiche_context(), stdin_text=stdin_text)
    with opened(db_url) as store, store.transaction() as conn:
        return repo.add_offers(conn, net, who, specs)


@dataclass
class ListedOffer:
    """An offer in ``offer list``, with how many contacts it brought."""

    offer: Offer
    contacts: int

    def to_dict(self) -> dict[str, Any]:
        """The offer's keys (docs/offers.md), then ``status`` and ``contacts``."""
        return {**self.offer.to_dict(), "status": status_of(self.offer), "contacts": self.contacts}


def status_of(offer: Offer) -> str:
    """``open`` or ``closed``."""
    return "closed" if offer.closed_on else "open"


def list_offers(
    db_url: str | None,
    rules_path: str | Path | None,
    *,
    status: str | None = None,
    network: str | None = None,
    as_: str | None = None,
) -> list[ListedOffer]:
    """``offer list``: by publication date then id, filtered by status and local network.

    A closing reason is shown only to those who may see it (:meth:`Offer.for_viewer`)."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    problems = []
    if status and status not in STATUSES:
        problems.append(Problem("--status", 0, 0, unknown("status", status, STATUSES)))
    if network and network not in net.territory.local_networks:
        problems.append(
            Problem("--network", 0, 0, unknown("local network", network, sorted(net.territory.local_networks)))
        )
    if problems:
        raise InputError(problems=problems)
    with opened(db_url) as store, store.transaction() as conn:
        offers = repo.list_offers(conn, network=network, status=status)
        counts: dict[str, int] = {}
        for c in repo.list_contacts(conn, [o.id for o in offers]):
            counts[c.offer] = counts.get(c.offer, 0) + 1
    return [ListedOffer(o.for_viewer(who), counts.get(o.id, 0)) for o in offers]


@dataclass
class ShownContact:
    """A contact on an offer, with where its fiche stands and whether it was installed through the offer."""

    contact: OfferContact
    stage: str
    installed_on: dt.date | None
    via_offer: bool
    personal: bool
    porteur_name: str | None

    def to_dict(self) -> dict[str, Any]:
        """``offer``, ``fiche``, ``at``, ``by``, ``note`` (null when hidden), ``stage``, ``installed_on``,
        ``via_offer``, ``porteur_name`` (null when hidden)."""
        return {
            **self.contact.to_dict(show_note=self.personal),
            "stage": self.stage,
            "installed_on": self.installed_on.isoformat() if self.installed_on else None,
            "via_offer": self.via_offer,
            "porteur_name": self.porteur_name if self.personal else None,
        }


@dataclass
class ShownOffer:
    """``offer show``: the offer, its contacts and the installations it brought."""

    offer: Offer
    contacts: list[ShownContact] = field(default_factory=list)

    @property
    def installed_via_offer(self) -> int:
        return sum(1 for c in self.contacts if c.via_offer)

    def to_dict(self) -> dict[str, Any]:
        """The offer's keys, ``status``, ``contacts`` (list) and ``installed_via_offer`` (count)."""
        return {
            **self.offer.to_dict(),
            "status": status_of(self.offer),
            "contacts": [c.to_dict() for c in self.contacts],
            "installed_via_offer": self.installed_via_offer,
        }


def installed_through(offer_id: str, fiche: dict[str, Any], contacted_on: dt.date | None) -> bool:
    """The fiche was installed through this offer: its ``offer`` field names it, or it contacted it on or
    before its installation date (:func:`engine.offers.model.installed_via_offer`, as the yearly report)."""
    installed = fiche.get("installed_on")
    day = dt.date.fromisoformat(installed) if isinstance(installed, str) else installed
    own = offer_id if fiche.get("offer") == offer_id else None
    return installed_via_offer(own, day, [contacted_on] if contacted_on else [])


def show(db_url: str | None, rules_path: str | Path | None, offer_id: str, as_: str | None) -> ShownOffer:
    """``offer show``: one offer with its contacts, names and notes as the caller may see them."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    with opened(db_url) as store, store.transaction() as conn:
        offer = repo.get_offer(conn, offer_id)
        contacts = repo.list_contacts(conn, [offer_id])
        stored = {c.fiche: queries.get(conn, c.fiche) for c in contacts}
    shown = ShownOffer(offer.for_viewer(who))
    for c in contacts:
        s = stored[c.fiche]
        personal = can_see_personal(s, who)
        installed = s.fiche["installed_on"]
        shown.contacts.append(
            ShownContact(
                contact=c,
                stage=s.fiche["stage"],
                installed_on=dt.date.fromisoformat(installed) if installed else None,
                via_offer=installed_through(offer_id, s.fiche, c.at),
                personal=personal,
                porteur_name=s.fiche["porteur"]["name"],
            )
        )
    return shown


def close(
    db_url: str | None, rules_path: str | Path | None, offer_id: str, as_: str | None, *, on: dt.date, reason: str = ""
) -> Offer:
    """``offer close``."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    with opened(db_url) as store, store.transaction() as conn:
        return repo.close_offer(conn, who, offer_id, on, reason)


def contact(
    db_url: str | None,
    rules_path: str | Path | None,
    offer_id: str,
    fiche_id: str,
    as_: str | None,
    *,
    on: dt.date,
    note: str = "",
) -> OfferContact:
    """``offer contact``: a contact row on the offer and a contact event on the fiche, together."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    with opened(db_url) as store, store.transaction(fiche_id) as conn:
        return repo.add_contact(conn, who, offer_id, fiche_id, on, note)


def facts(stored: StoredFiche, who: access.Viewer) -> FicheFacts:
    """What matching reads of a stored fiche; the porteur's name only when ``who`` may see it."""
    data = stored.fiche
    return FicheFacts(
        id=data["id"],
        commune=data["commune"],
        kind=data["kind"],
        naf=data["naf"],
        nature=data["nature"],
        needs=tuple(data["needs"]),
        stage=data["stage"],
        lead=data["lead"],
        received=dt.date.fromisoformat(data["received"]),
        porteur_name=data["porteur"]["name"] if can_see_personal(stored, who) else None,
    )


@dataclass
class MatchResult:
    """``offer match``: the subject (a fiche or an offer), the day, and the matches best first."""

    subject: str
    subject_type: str
    on: dt.date
    matches: list[Match]
    offer: Offer | None = None
    fiche: FicheFacts | None = None

    def to_dict(self) -> dict[str, Any]:
        """``subject``, ``subject_type`` (fiche|offer), ``on``, ``matches`` (docs/offers.md)."""
        return {
            "subject": self.subject,
            "subject_type": self.subject_type,
            "on": self.on.isoformat(),
            "matches": [match_dict(i, m, self.subject_type) for i, m in enumerate(self.matches, 1)],
        }


def match_dict(rank: int, m: Match, subject_type: str) -> dict[str, Any]:
    """One match: ``rank``, the other side (``offer`` or ``fiche`` with its own keys), the levels, reasons."""
    if subject_type == "fiche":
        other: dict[str, Any] = {
            "offer": m.offer.id,
            "kind": m.offer.kind,
            "title": m.offer.title,
            "commune": m.offer.commune,
            "naf": m.offer.naf,
            "published_on": m.offer.published_on.isoformat(),
            "published_in": m.offer.published_in,
        }
    else:
        other = {
            "fiche": m.fiche.id,
            "kind": m.fiche.kind,
            "commune": m.fiche.commune,
            "naf": m.fiche.naf,
            "stage": m.fiche.stage,
            "lead": m.fiche.lead,
            "porteur_name": m.fiche.porteur_name,
        }
    return {
        "rank": rank,
        **other,
        "kind_fit": m.kind_fit,
        "activity": m.activity,
        "territory": m.territory,
        "contacted_on": m.contacted_on.isoformat() if m.contacted_on else None,
        "reasons": list(m.reasons),
    }


def match(
    db_url: str | None, rules_path: str | Path | None, subject: str, as_: str | None, *, on: dt.date | None = None
) -> MatchResult:
    """``offer match F-…|O-…``: open offers for a fiche, or fiches still looking for an offer."""
    from engine.store.queries import ListFilter

    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    day = on or dt.date.today()
    is_offer = repo.OFFER_ID_RE.match(subject or "") is not None
    if not is_offer and not subject.startswith("F-"):
        raise InputError(f"'{subject}' is neither a fiche id (F-2026-0012) nor an offer id (O-2026-0003)")
    with opened(db_url) as store, store.transaction() as conn:
        if is_offer:
            offer = repo.get_offer(conn, subject)
            stored = queries.iter_fiches(conn, ListFilter(network=offer.local_network)) if offer.local_network else []
            candidates = [facts(s, who) for s in stored]
            contacts = {(c.offer, c.fiche): c.at for c in repo.list_contacts(conn, [subject])}
        else:
            fiche = facts(queries.get(conn, subject), who)
            offers = repo.list_offers(conn)
            contacts = {(c.offer, c.fiche): c.at for c in repo.list_contacts(conn, fiche_ids=[subject])}
    if is_offer:
        return MatchResult(
            subject, "offer", day, fiches_for_offer(offer, candidates, net.territory, day, contacts), offer
        )
    matches = offers_for_fiche(fiche, offers, net.territory, day, contacts)
    return MatchResult(subject, "fiche", day, matches, fiche=fiche)
