"""Use cases of the activity offers: add, list, show, close, contact, match (``capactif offer …``).

Each function takes the workspace, the caller's identity and plain arguments, runs one store
transaction and returns a typed result.  Porteurs' names (in ``offer show`` and ``offer match``) and
a contact's note (free text that may name the porteur) are masked here, when the result is built
(:mod:`engine.privacy`); results carry the territory so that renderers can name communes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from engine import privacy
from engine.app import audit
from engine.app.workspace import Workspace
from engine.errors import InputError, Problem
from engine.i18n import _
from engine.identity import Identity
from engine.offers import repository as repo
from engine.offers.match import FicheFacts, Match, fiches_for_offer, offers_for_fiche
from engine.offers.model import Offer, OfferContact, installed_via_offer
from engine.store import queries
from engine.store.exporting import can_see_personal
from engine.store.records import StoredFiche
from engine.territory import Territory
from engine.vocabulary import unknown

STATUSES = ("open", "closed")


@dataclass
class AddedOffers:
    """``offer add``: the offers stored, with their ids."""

    offers: list[Offer]
    territory: Territory | None = field(default=None, repr=False)

    def to_dict(self) -> list[dict[str, Any]]:
        return [o.to_dict() for o in self.offers]


def add_files(ws: Workspace, who: Identity, files: Sequence[str], *, stdin_text: str | None = None) -> AddedOffers:
    """``offer add``: validate every file first (all problems at once), then store every offer."""
    from engine.offers.spec import read_offers

    net = ws.network
    repo.check_writer(who, "add")
    specs = read_offers(files, net.fiche_context(), stdin_text=stdin_text)
    with ws.store.transaction() as conn:
        return AddedOffers(repo.add_offers(conn, net, who, specs), net.territory)


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


@dataclass
class OfferList:
    """``offer list``: the offers, by publication date then id."""

    offers: list[ListedOffer]

    def to_dict(self) -> list[dict[str, Any]]:
        return [item.to_dict() for item in self.offers]


def list_offers(ws: Workspace, who: Identity, *, status: str | None = None, network: str | None = None) -> OfferList:
    """``offer list``: by publication date then id, filtered by status and local network (offers are public)."""
    net = ws.network
    problems = []
    if status and status not in STATUSES:
        problems.append(Problem("--status", 0, 0, unknown("status", status, STATUSES)))
    if network and network not in net.territory.local_networks:
        problems.append(
            Problem("--network", 0, 0, unknown("local network", network, sorted(net.territory.local_networks)))
        )
    if problems:
        raise InputError(problems=problems)
    with ws.store.transaction() as conn:
        offers = repo.list_offers(conn, network=network, status=status)
        counts: dict[str, int] = {}
        for c in repo.list_contacts(conn, [o.id for o in offers]):
            counts[c.offer] = counts.get(c.offer, 0) + 1
    return OfferList([ListedOffer(o.for_viewer(who), counts.get(o.id, 0)) for o in offers])


@dataclass
class ShownContact:
    """A contact on an offer, with where its fiche stands and whether it was installed through the offer.

    ``note`` and ``porteur_name`` are None when the caller may not see them (masked when built);
    ``contact`` itself never carries the note.
    """

    contact: OfferContact
    stage: str
    installed_on: dt.date | None
    via_offer: bool
    personal: bool
    porteur_name: str | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``offer``, ``fiche``, ``at``, ``by``, ``note`` (null when hidden), ``stage``, ``installed_on``,
        ``via_offer``, ``porteur_name`` (null when hidden)."""
        return {
            **self.contact.to_dict(show_note=False),
            "note": self.note,
            "stage": self.stage,
            "installed_on": self.installed_on.isoformat() if self.installed_on else None,
            "via_offer": self.via_offer,
            "porteur_name": self.porteur_name,
        }


@dataclass
class ShownOffer:
    """``offer show``: the offer, its contacts and the installations it brought."""

    offer: Offer
    contacts: list[ShownContact] = field(default_factory=list)
    territory: Territory | None = field(default=None, repr=False)
    #: The installed fiches linked to the offer (their ``offer`` field), with or without a recorded contact.
    installed: list[str] = field(default_factory=list)

    @property
    def installed_via_offer(self) -> int:
        """Installations through the offer: installed fiches linked to it, as the yearly report counts them."""
        return len(self.installed)

    def to_dict(self) -> dict[str, Any]:
        """The offer's keys, ``status``, ``contacts`` (list) and ``installed_via_offer`` (count)."""
        return {
            **self.offer.to_dict(),
            "status": status_of(self.offer),
            "contacts": [c.to_dict() for c in self.contacts],
            "installed_via_offer": self.installed_via_offer,
        }


def installed_through(offer_id: str, fiche: dict[str, Any]) -> bool:
    """The fiche was installed through this offer: installed, and its ``offer`` field names it
    (:func:`engine.offers.model.installed_via_offer`, as the yearly report)."""
    installed = fiche.get("installed_on")
    day = dt.date.fromisoformat(installed) if isinstance(installed, str) else installed
    return installed_via_offer(offer_id if fiche.get("offer") == offer_id else None, day)


def show(ws: Workspace, who: Identity, offer_id: str) -> ShownOffer:
    """``offer show``: one offer with its contacts, names and notes as the caller may see them."""
    net = ws.network
    with ws.store.transaction() as conn:
        offer = repo.get_offer(conn, offer_id)
        contacts = repo.list_contacts(conn, [offer_id])
        stored = {c.fiche: queries.get(conn, c.fiche) for c in contacts}
        installed = repo.installed_fiches(conn, offer_id)
    shown = ShownOffer(offer.for_viewer(who), territory=net.territory, installed=installed)
    for c in contacts:
        s = stored[c.fiche]
        personal = can_see_personal(s, who)
        installed = s.fiche["installed_on"]
        shown.contacts.append(
            ShownContact(
                contact=replace(c, note=""),
                stage=s.fiche["stage"],
                installed_on=dt.date.fromisoformat(installed) if installed else None,
                via_offer=installed_through(offer_id, s.fiche),
                personal=personal,
                porteur_name=privacy.name_if_visible(s.fiche["porteur"]["name"], personal),
                note=c.note if personal else None,
            )
        )
    audit.record_reads(ws, who, [c.contact.fiche for c in shown.contacts if c.personal], f"offer show {offer_id}")
    return shown


@dataclass
class ClosedOffer:
    """``offer close``: the offer as closed."""

    offer: Offer

    def to_dict(self) -> dict[str, Any]:
        return self.offer.to_dict()


def close(ws: Workspace, who: Identity, offer_id: str, *, on: dt.date | None = None, reason: str = "") -> ClosedOffer:
    """``offer close`` (``on`` defaults to today)."""
    with ws.store.transaction() as conn:
        return ClosedOffer(repo.close_offer(conn, who, offer_id, on or dt.date.today(), reason))


@dataclass
class RecordedContact:
    """``offer contact``: the contact recorded (the caller is on the fiche: the note is theirs)."""

    contact: OfferContact

    def to_dict(self) -> dict[str, Any]:
        return self.contact.to_dict()


def contact(
    ws: Workspace, who: Identity, offer_id: str, fiche_id: str, *, on: dt.date | None = None, note: str = ""
) -> RecordedContact:
    """``offer contact``: a contact row on the offer and a contact event on the fiche, together."""
    with ws.store.transaction(fiche_id) as conn:
        return RecordedContact(repo.add_contact(conn, who, offer_id, fiche_id, on or dt.date.today(), note))


def facts(stored: StoredFiche, who: Identity) -> FicheFacts:
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
        porteur_name=privacy.name_if_visible(data["porteur"]["name"], can_see_personal(stored, who)),
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
    territory: Territory | None = field(default=None, repr=False)

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


def match(ws: Workspace, who: Identity, subject: str, *, on: dt.date | None = None) -> MatchResult:
    """``offer match F-…|O-…``: open offers for a fiche, or fiches still looking for an offer."""
    from engine.store.queries import ListFilter

    net = ws.network
    day = on or dt.date.today()
    is_offer = repo.OFFER_ID_RE.match(subject or "") is not None
    if not is_offer and not subject.startswith("F-"):
        raise InputError(
            _("'{subject}' is neither a fiche id (F-2026-0012) nor an offer id (O-2026-0003)").format(subject=subject)
        )
    with ws.store.transaction() as conn:
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
        matched = fiches_for_offer(offer, candidates, net.territory, day, contacts)
        named = [m.fiche.id for m in matched if m.fiche.porteur_name]
        audit.record_reads(ws, who, named, f"offer match {subject}")
        return MatchResult(subject, "offer", day, matched, offer, territory=net.territory)
    matches = offers_for_fiche(fiche, offers, net.territory, day, contacts)
    if fiche.porteur_name:
        audit.record_reads(ws, who, [fiche.id], f"offer match {subject}")
    return MatchResult(subject, "fiche", day, matches, fiche=fiche, territory=net.territory)
