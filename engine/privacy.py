"""What a caller may see of a porteur, and masking: the one place both are decided.

The network's promise to porteurs: their name, email and phone, and any free text that may name
them (the fiche's ``summary``, the text of notes and contacts, the comments of stage and commune
changes, the notes of offer contacts), reach only

* the structures *on the fiche* (its lead, its supporting structures, the structure that
  received the porteur),
* every structure when the porteur agreed to share with the network (``consent_network``),
* the coordinator;

never the committee, never the public.  Every use case of :mod:`engine.app` that returns fiche
data passes it through :func:`mask_fiche` / :func:`mask_event` (or asks :func:`sees_personal_data`
for a single name) before it leaves the application layer, so no renderer ever holds what the
caller may not see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.identity import Identity

#: The porteur's fields that identify them.
PERSONAL_FIELDS = ("name", "email", "phone")
#: The fiche's free-text fields, which may name the porteur.
FREE_TEXT_FIELDS = ("summary",)
#: History events whose ``text`` is free text (notes and contacts).
FREE_TEXT_EVENTS = frozenset({"contact", "note"})
#: Fields of a ``fiche_edited`` event whose old and new values are personal or free text.
EDITED_PERSONAL = frozenset({"summary", "porteur.name", "porteur.email", "porteur.phone"})
#: Event payload keys holding free text (the comment of a stage or commune change, the reason a
#: structure gave for declining a suggestion).
FREE_TEXT_PAYLOAD = ("comment", "reason")


def on_fiche(lead: str | None, supporting: Iterable[str], received_by: str | None) -> set[str]:
    """The structures on a fiche: its lead, its supporting structures and who received the porteur."""
    out = set(supporting)
    out.update(s for s in (lead, received_by) if s)
    return out


def sees_personal_data(who: Identity, structures_on_fiche: set[str], consent_network: bool) -> bool:
    """Whether ``who`` may read the porteur's personal data (see the module docstring)."""
    if who.is_coordinator:
        return True
    if who.structure is None:
        return False
    return consent_network or who.structure in structures_on_fiche


def sees_fiche_personal_data(who: Identity, fiche: Mapping[str, Any]) -> bool:
    """:func:`sees_personal_data` for a fiche dict (``lead``, ``supporting``, ``received_by``, ``porteur``)."""
    on = on_fiche(fiche.get("lead"), fiche.get("supporting") or (), fiche.get("received_by"))
    porteur = fiche.get("porteur") or {}
    return sees_personal_data(who, on, bool(porteur.get("consent_network")))


def mask_fiche(fiche: Mapping[str, Any], visible: bool) -> dict[str, Any]:
    """The fiche dict with the porteur's personal fields and the free-text fields nulled unless ``visible``."""
    if visible:
        return dict(fiche)
    out = dict(fiche)
    if isinstance(out.get("porteur"), Mapping):
        porteur = dict(out["porteur"])
        for name in PERSONAL_FIELDS:
            porteur[name] = None
        out["porteur"] = porteur
    for name in FREE_TEXT_FIELDS:
        if name in out:
            out[name] = None
    return out


def mask_payload(kind: str, payload: Mapping[str, Any], visible: bool) -> dict[str, Any]:
    """An event's payload as the caller may see it: free text nulled, a ``created`` fiche masked."""
    out = dict(payload)
    if visible:
        return out
    if kind in FREE_TEXT_EVENTS and "text" in out:
        out["text"] = None
    for key in FREE_TEXT_PAYLOAD:
        if out.get(key):
            out[key] = None
    if isinstance(out.get("fiche"), Mapping):
        out["fiche"] = mask_fiche(out["fiche"], visible)
    if isinstance(out.get("changes"), Mapping):  # fiche_edited: field -> {old, new}
        out["changes"] = {
            name: {"old": None, "new": None} if name in EDITED_PERSONAL else change
            for name, change in out["changes"].items()
        }
    return out


def name_if_visible(name: str | None, visible: bool) -> str | None:
    """The porteur's name, or None when the caller may not see it."""
    return name if visible else None
