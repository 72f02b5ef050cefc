"""Rendering of the offers' results (``capactif offer …``): short lines and tables (French labels for values)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.app.offers import AddedOffers, ClosedOffer, MatchResult, OfferList, RecordedContact, ShownOffer
from engine.offers.model import OFFER_KINDS, Offer, OfferContact
from engine.output import to_csv
from engine.render import renders
from engine.vocabulary import KINDS, NATURES, STAGES

LIST_COLUMNS = (
    "id",
    "status",
    "kind",
    "title",
    "commune",
    "local_network",
    "naf",
    "published_on",
    "published_in",
    "contacts",
)
LIST_HEADERS = ("offre", "état", "type", "titre", "commune", "réseau local", "NAF", "publiée le", "dans", "contacts")
#: Short kind labels for the table.
SHORT_KINDS = {"takeover": "à reprendre", "sought": "recherchée"}
CSV_COLUMNS = (*LIST_COLUMNS, "nature", "published_by", "closed_on", "closed_reason", "description")
#: Ten columns do not fit in 120 characters: rich folded the offer ids ('O-2025-000' / '1'), which
#: technicians copy into 'offer show'.  160, as the alerts' tables.
TABLE_WIDTH = 160


def commune_text(code: str, territory: Any) -> str:
    """'63003 Ambert' when the territory knows the code."""
    commune = territory.communes.get(code) if territory is not None else None
    return str(commune) if commune else code


def offer_line(offer: Offer, territory: Any = None) -> str:
    """``O-2025-0003 — entreprise à reprendre: Boulangerie (63003 Ambert), Villages Magazine du 2025-03-14``."""
    return (
        f"{offer.id} — {OFFER_KINDS.get(offer.kind, offer.kind)}: {offer.title} "
        f"({commune_text(offer.commune, territory)}), {offer.published_in} du {offer.published_on.isoformat()}"
    )


@renders(AddedOffers, "text")
def added(result: AddedOffers) -> str:
    """``offer add``: one line per stored offer, then the count."""
    return added_text(result.offers, result.territory)


def added_text(offers: Sequence[Offer], territory: Any = None) -> str:
    """One line per stored offer, then the count."""
    return "\n".join([*(offer_line(o, territory) for o in offers), f"{len(offers)} offer(s) stored."])


def list_rows(listed: Sequence[Any]) -> list[dict[str, Any]]:
    """``offer list`` rows: the JSON keys of each offer, kind in French for the table."""
    return [item.to_dict() for item in listed]


@renders(OfferList, "csv")
def list_csv(result: OfferList) -> str:
    """``offer list --format csv``: the JSON keys as columns (``CSV_COLUMNS``)."""
    return to_csv(list_rows(result.offers), CSV_COLUMNS)


@renders(OfferList, "table")
def list_table(result: OfferList) -> str:
    """``offer list``: one line per offer."""
    from engine.output import to_table

    rows = []
    for row in list_rows(result.offers):
        rows.append(
            {
                **row,
                "kind": SHORT_KINDS.get(row["kind"], row["kind"]),
                "status": "ouverte" if row["status"] == "open" else f"close le {row['closed_on']}",
            }
        )
    return f"{to_table(rows, LIST_COLUMNS, LIST_HEADERS, width=TABLE_WIDTH)}\n{len(rows)} offer(s)."


@renders(ShownOffer, "text")
def show_text(shown: ShownOffer) -> str:
    """``offer show``: the offer, where and when it was published, its contacts and installations."""
    o: Offer = shown.offer
    lines = [offer_line(o, shown.territory)]
    if o.local_network:
        lines.append(f"  réseau local: {o.local_network}")
    if o.naf or o.nature:
        lines.append(f"  activité: {o.naf or '—'} ({NATURES.get(o.nature or '', o.nature or 'nature non précisée')})")
    if o.description:
        lines.append(f"  description: {o.description}")
    lines.append(
        f"  publiée dans {o.published_in} le {o.published_on.isoformat()}"
        + (f" par {o.published_by}" if o.published_by else "")
    )
    if o.closed_on:
        lines.append(f"  close le {o.closed_on.isoformat()}" + (f": {o.closed_reason}" if o.closed_reason else ""))
    else:
        lines.append("  ouverte")
    lines.append(f"contacts ({len(shown.contacts)}):")
    for c in shown.contacts:
        who = f" — {c.porteur_name}" if c.porteur_name else ""
        note = f" — {c.note}" if c.note else ""
        installed = ""
        if c.installed_on:
            installed = f", installée le {c.installed_on.isoformat()}"
            installed += " (par l'intermédiaire de l'offre)" if c.via_offer else ""
        lines.append(
            f"  {c.contact.at.isoformat()}  {c.contact.fiche}{who} ({STAGES.get(c.stage, c.stage)}{installed})"
            f", noté par {c.contact.by or '—'}{note}"
        )
    lines.append(f"installations par l'intermédiaire de l'offre: {shown.installed_via_offer}")
    return "\n".join(lines)


@renders(ClosedOffer, "text")
def closed_text(result: ClosedOffer) -> str:
    """``offer close``."""
    return f"{result.offer.id} closed on {result.offer.closed_on}."


@renders(RecordedContact, "text")
def recorded_text(result: RecordedContact) -> str:
    """``offer contact``: what was recorded."""
    return contact_text(result.contact)


def contact_text(contact: OfferContact) -> str:
    """A contact recorded, in one line."""
    return (
        f"{contact.fiche}: contact with offer {contact.offer} on {contact.at.isoformat()} recorded "
        "(a contact row on the offer and a contact event on the fiche)"
    )


@renders(MatchResult, "text")
def match_text(result: MatchResult) -> str:
    """``offer match``: the subject, then each match with its reasons, best first."""
    territory = result.territory
    if result.subject_type == "offer":
        assert result.offer is not None
        head = f"Fiches pour l'offre {offer_line(result.offer, territory)}"
    else:
        f = result.fiche
        assert f is not None
        who = f" — {f.porteur_name}" if f.porteur_name else ""
        head = (
            f"Offres pour la fiche {f.id}{who} ({KINDS.get(f.kind, f.kind)}, "
            f"{commune_text(f.commune, territory)}, NAF {f.naf or '—'})"
        )
    lines = [f"{head}, au {result.on.isoformat()}:"]
    if not result.matches:
        lines.append("  aucune correspondance.")
    for rank, m in enumerate(result.matches, 1):
        if result.subject_type == "offer":
            who = f" — {m.fiche.porteur_name}" if m.fiche.porteur_name else ""
            title = f"{m.fiche.id}{who} ({STAGES.get(m.fiche.stage, m.fiche.stage)}, référent {m.fiche.lead or '—'})"
        else:
            title = offer_line(m.offer, territory)
        lines.append(f"{rank}. {title}")
        lines.extend(f"     - {reason}" for reason in m.reasons)
    return "\n".join(lines)
