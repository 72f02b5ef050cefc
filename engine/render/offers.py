"""Rendering of the offers' results (``capactif offer …``): short lines and tables (French labels for values)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.app.offers import AddedOffers, ClosedOffer, MatchResult, OfferList, RecordedContact, ShownOffer
from engine.i18n import N_, _, ngettext
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
LIST_HEADERS = (
    N_("offer"),
    N_("state"),
    N_("type"),
    N_("title"),
    N_("commune"),
    N_("local network"),
    N_("NAF"),
    N_("published on"),
    N_("in"),
    N_("contacts"),
)
#: Short kind labels for the table (translated where shown).
SHORT_KINDS = {"takeover": N_("to take over"), "sought": N_("sought")}
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
    return _("{offer} — {kind}: {title} ({commune}), {medium} of {day}").format(
        offer=offer.id,
        kind=OFFER_KINDS.get(offer.kind, offer.kind),
        title=offer.title,
        commune=commune_text(offer.commune, territory),
        medium=offer.published_in,
        day=offer.published_on.isoformat(),
    )


@renders(AddedOffers, "text")
def added(result: AddedOffers) -> str:
    """``offer add``: one line per stored offer, then the count."""
    return added_text(result.offers, result.territory)


def added_text(offers: Sequence[Offer], territory: Any = None) -> str:
    """One line per stored offer, then the count."""
    n = len(offers)
    return "\n".join(
        [
            *(offer_line(o, territory) for o in offers),
            ngettext("{n} offer stored.", "{n} offers stored.", n).format(n=n),
        ]
    )


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
                "kind": _(SHORT_KINDS[row["kind"]]) if row["kind"] in SHORT_KINDS else row["kind"],
                "status": _("open") if row["status"] == "open" else _("closed on {day}").format(day=row["closed_on"]),
            }
        )
    table = to_table(rows, LIST_COLUMNS, [_(h) for h in LIST_HEADERS], width=TABLE_WIDTH)
    return f"{table}\n" + ngettext("{n} offer.", "{n} offers.", len(rows)).format(n=len(rows))


@renders(ShownOffer, "text")
def show_text(shown: ShownOffer) -> str:
    """``offer show``: the offer, where and when it was published, its contacts and installations."""
    o: Offer = shown.offer
    lines = [offer_line(o, shown.territory)]
    if o.local_network:
        lines.append("  " + _("local network: {network}").format(network=o.local_network))
    if o.naf or o.nature:
        nature = NATURES.get(o.nature or "", o.nature or _("nature not given"))
        lines.append("  " + _("activity: {naf} ({nature})").format(naf=o.naf or "—", nature=nature))
    if o.description:
        lines.append("  " + _("description: {text}").format(text=o.description))
    day = o.published_on.isoformat()
    if o.published_by:
        published = _("published in {medium} on {day} by {structure}").format(
            medium=o.published_in, day=day, structure=o.published_by
        )
    else:
        published = _("published in {medium} on {day}").format(medium=o.published_in, day=day)
    lines.append("  " + published)
    if o.closed_on:
        closed = _("closed on {day}").format(day=o.closed_on.isoformat())
        lines.append(
            "  "
            + (_("{closed}: {reason}").format(closed=closed, reason=o.closed_reason) if o.closed_reason else closed)
        )
    else:
        lines.append("  " + _("open"))
    lines.append(_("contacts ({n}):").format(n=len(shown.contacts)))
    for c in shown.contacts:
        who = f" — {c.porteur_name}" if c.porteur_name else ""
        note = f" — {c.note}" if c.note else ""
        installed = ""
        if c.installed_on:
            if c.via_offer:
                installed = _(", installed on {day} (through the offer)").format(day=c.installed_on.isoformat())
            else:
                installed = _(", installed on {day}").format(day=c.installed_on.isoformat())
        line = _("{day}  {fiche}{who} ({stage}{installed}), noted by {structure}{note}").format(
            day=c.contact.at.isoformat(),
            fiche=c.contact.fiche,
            who=who,
            stage=STAGES.get(c.stage, c.stage),
            installed=installed,
            structure=c.contact.by or "—",
            note=note,
        )
        lines.append("  " + line)
    lines.append(_("installations through the offer: {n}").format(n=shown.installed_via_offer))
    return "\n".join(lines)


@renders(ClosedOffer, "text")
def closed_text(result: ClosedOffer) -> str:
    """``offer close``."""
    return _("{offer} closed on {day}.").format(offer=result.offer.id, day=result.offer.closed_on)


@renders(RecordedContact, "text")
def recorded_text(result: RecordedContact) -> str:
    """``offer contact``: what was recorded."""
    return contact_text(result.contact)


def contact_text(contact: OfferContact) -> str:
    """A contact recorded, in one line."""
    return _(
        "{fiche}: contact with offer {offer} on {day} recorded "
        "(a contact row on the offer and a contact event on the fiche)"
    ).format(fiche=contact.fiche, offer=contact.offer, day=contact.at.isoformat())


@renders(MatchResult, "text")
def match_text(result: MatchResult) -> str:
    """``offer match``: the subject, then each match with its reasons, best first."""
    territory = result.territory
    if result.subject_type == "offer":
        assert result.offer is not None
        head = _("Fiches for the offer {offer}").format(offer=offer_line(result.offer, territory))
    else:
        f = result.fiche
        assert f is not None
        who = f" — {f.porteur_name}" if f.porteur_name else ""
        head = _("Offers for the fiche {fiche}{who} ({kind}, {commune}, NAF {naf})").format(
            fiche=f.id,
            who=who,
            kind=KINDS.get(f.kind, f.kind),
            commune=commune_text(f.commune, territory),
            naf=f.naf or "—",
        )
    lines = [_("{subject}, on {day}:").format(subject=head, day=result.on.isoformat())]
    if not result.matches:
        lines.append("  " + _("no match."))
    for rank, m in enumerate(result.matches, 1):
        if result.subject_type == "offer":
            who = f" — {m.fiche.porteur_name}" if m.fiche.porteur_name else ""
            title = _("{fiche}{who} ({stage}, référent {lead})").format(
                fiche=m.fiche.id, who=who, stage=STAGES.get(m.fiche.stage, m.fiche.stage), lead=m.fiche.lead or "—"
            )
        else:
            title = offer_line(m.offer, territory)
        lines.append(f"{rank}. {title}")
        lines.extend(f"     - {reason}" for reason in m.reasons)
    return "\n".join(lines)
