"""The monthly meeting's agenda for one local network, as a JSON-ready dict (keys in docs/agenda.md).

A pure function over what the store holds on the eve of the meeting (:attr:`Meeting.as_of`).  The
fiches of a local network are those whose commune, **on the eve of the meeting**, is in it: a fiche
whose porteur moved (``commune_changed``) is discussed by the network it moved to.  Sections:

1. ``new_fiches``: fiches received since the last meeting, with routing's suggested lead and supports;
2. ``to_share_out``: active fiches without a lead whose suggestion puts several structures on it (a
   lead and at least one supporting structure): the meeting shares out the roles; the other possible
   leads (routing's alternatives) are listed too;
3. ``alerts``: the alerts (:mod:`engine.alerts`) on the network's fiches on the eve of the meeting;
4. ``installations``: fiches installed since the last meeting (installation date), and whether
   through an offer; ``follow_ups_due``: installed fiches without follow-up whose charter deadline
   (installation + ``follow_up_offered`` days) falls before the next meeting, overdue ones flagged;
5. ``offers``: the network's offers published since the last meeting; ``offer_contacts``: contacts
   recorded since the last meeting on the network's offers.

Porteurs' names follow the store's rule for the viewer (:meth:`StoredFiche.porteur_for`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from engine.agenda.meeting import Meeting
from engine.offers.model import Offer, OfferContact, installed_via_offer
from engine.readmodel import StoredFiche, network_of
from engine.routing import CompiledRules, suggest
from engine.vocabulary import ACTIVE_STAGES

#: How many other possible leads a fiche to share out lists.
ALTERNATIVES = 2


def build_agenda(
    meeting: Meeting,
    network: str,
    territory: Any,
    fiches: Iterable[StoredFiche],
    views: Iterable[Any],
    alerts: Iterable[Any],
    offers: Sequence[Offer],
    contacts: Sequence[OfferContact],
    rules: CompiledRules,
    *,
    viewer: Any,
    follow_up_days: int | None,
    caseload: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The agenda of ``network`` for ``meeting`` (see the module docstring for each section)."""
    as_of = meeting.as_of
    state = {v.id: v for v in views}
    members = [t for t in fiches if t.received <= as_of and network_of(t, as_of, territory) == network]
    member_ids = {t.id for t in members}

    new_fiches, share_out, installations, follow_ups = [], [], [], []
    for t in members:
        view = state.get(t.id)
        if view is None:  # a broken history ('capactif db verify' reports it): nothing to show safely
            continue
        name = t.porteur_for(viewer)
        needs_suggestion = meeting.covers(t.received) or (view.lead is None and view.stage in ACTIVE_STAGES)
        suggestion = suggest(view, rules, caseload, alternatives=ALTERNATIVES) if needs_suggestion else None
        if meeting.covers(t.received):
            new_fiches.append(_new_fiche(t, view, suggestion, name, territory))
        if suggestion is not None and view.lead is None and view.stage in ACTIVE_STAGES:
            structures = _suggested_structures(suggestion)
            if sum(1 for s in structures if s["role"] != "alternative_lead") >= 2:
                share_out.append({**_head(t, view, name, territory), "structures": structures})
        installed = t.installed_on(as_of)
        if installed is not None and meeting.covers(installed):
            via = installed_via_offer(t.offer, installed)
            installations.append(
                {**_head(t, view, name, territory), "installed_on": installed.isoformat(), "via_offer": via}
            )
        if installed is not None and view.stage == "installed" and follow_up_days is not None:
            due = installed + dt.timedelta(days=follow_up_days)
            if due < meeting.next:
                follow_ups.append(
                    {
                        **_head(t, view, name, territory),
                        "installed_on": installed.isoformat(),
                        "due": due.isoformat(),
                        "overdue": due < meeting.day,
                    }
                )

    new_offers = [o for o in offers if o.local_network == network and meeting.covers(o.published_on)]
    network_offers = {o.id: o for o in offers if o.local_network == network}
    names = {t.id: t for t in fiches}
    offer_contacts = []
    for c in contacts:
        if c.offer in network_offers and meeting.covers(c.at):
            t = names.get(c.fiche)  # type: ignore[assignment]
            offer_contacts.append(
                {
                    "offer": c.offer,
                    "title": network_offers[c.offer].title,
                    "fiche": c.fiche,
                    "at": c.at.isoformat(),
                    "by": c.by,
                    "porteur_name": t.porteur_for(viewer) if t else None,
                }
            )
    local = territory.local_networks.get(network)
    return {
        "network": network,
        "name": local.name if local else network,
        **meeting.to_dict(),
        "as_of": as_of.isoformat(),
        "rules_version": rules.version,
        "fiches": len(members),
        "new_fiches": sorted(new_fiches, key=lambda r: (r["received"], r["fiche"])),
        "to_share_out": sorted(share_out, key=lambda r: (r["received"], r["fiche"])),
        "alerts": [a.to_dict() for a in alerts if a.fiche in member_ids],
        "installations": sorted(installations, key=lambda r: (r["installed_on"], r["fiche"])),
        "follow_ups_due": sorted(follow_ups, key=lambda r: (r["due"], r["fiche"])),
        "offers": [
            {**o.to_dict(), "status": "closed" if o.closed_on else "open", "commune_name": _commune_name(o, territory)}
            for o in new_offers
        ],
        "offer_contacts": sorted(offer_contacts, key=lambda r: (r["at"], r["offer"], r["fiche"])),
    }


def _head(t: StoredFiche, view: Any, name: str | None, territory: Any) -> dict[str, Any]:
    """What every line about a fiche starts with (its state on the eve of the meeting)."""
    commune = territory.communes.get(view.commune)
    return {
        "fiche": t.id,
        "received": t.received.isoformat(),
        "commune": view.commune,
        "commune_name": commune.name if commune else None,
        "kind": view.kind,
        "naf": view.naf,
        "stage": view.stage,
        "lead": view.lead,
        "supporting": list(view.supporting),
        "porteur_name": name,
    }


def _new_fiche(t: StoredFiche, view: Any, suggestion: Any, name: str | None, territory: Any) -> dict[str, Any]:
    lead = suggestion.lead
    return {
        **_head(t, view, name, territory),
        "needs": list(view.needs),
        "suggested_lead": {"structure": lead.structure, "reasons": list(lead.reasons)} if lead else None,
        "suggested_supports": [{"structure": s.structure, "needs": list(s.needs)} for s in suggestion.supporting],
        "uncovered_needs": list(suggestion.uncovered_needs),
        "orientations": [o.to_dict() for o in getattr(suggestion, "orientations", ())],
        "orphan": suggestion.orphan,
    }


def _suggested_structures(suggestion: Any) -> list[dict[str, Any]]:
    """The structures a suggestion names: the lead, the supports (with their needs), the other possible leads."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    if suggestion.lead is not None:
        out.append({"structure": suggestion.lead.structure, "role": "lead", "needs": []})
        seen.add(suggestion.lead.structure)
    for s in suggestion.supporting:
        if s.structure not in seen:
            out.append({"structure": s.structure, "role": "support", "needs": list(s.needs)})
            seen.add(s.structure)
    for a in suggestion.alternatives:
        if a.structure not in seen:
            out.append({"structure": a.structure, "role": "alternative_lead", "needs": []})
            seen.add(a.structure)
    return out


def _commune_name(offer: Offer, territory: Any) -> str | None:
    """The name of an offer's commune, shown beside its code; None when the offer names no commune."""
    commune = territory.communes.get(offer.commune) if offer.commune else None
    return commune.name if commune else None
