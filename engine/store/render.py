"""Text for the store commands: short lines a technician reads at a glance (French labels for values)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.i18n import _
from engine.store import events as ev
from engine.store.repository import Change
from engine.vocabulary import KINDS, NEEDS, PUBLICS, STAGES, label

LIST_COLUMNS = ("id", "received", "commune", "kind", "stage", "lead", "supporting", "needs")
LIST_HEADERS = ("fiche", "reçue le", "commune", "type", "étape", "référent", "appuis", "besoins")


def change_text(change: Change) -> str:
    """What a write did, one line per event."""
    if not change.events:
        return f"{change.fiche}: nothing to change (version {change.version})"
    lines = [f"{change.fiche} (version {change.version}):"]
    for event in change.events:
        lines.append(f"  {ev.describe(event['kind'], event['payload'])}")
    return "\n".join(lines)


def added_text(changes: Sequence[Change]) -> str:
    """``fiche add``: each new id with its suggestion and what was assigned."""
    lines = []
    for change in changes:
        lines.append(change_text(change))
    lines.append(f"{len(changes)} fiche(s) stored.")
    return "\n".join(lines)


def show_text(shown: Any, territory: Any = None) -> str:
    """``fiche show``: the fiche, then its history oldest first."""
    data = shown.fiche
    porteur = data["porteur"]
    commune = data["commune"]
    if territory is not None and commune in territory.communes:
        commune = str(territory.communes[commune])
    lines = [
        f"{data['id']} — {label('kind', data['kind'])}, {commune}"
        + (f" (réseau local {shown.stored.local_network})" if shown.stored.local_network else ""),
        f"  reçue le {data['received']}" + (f" par {data['received_by']}" if data["received_by"] else ""),
        f"  étape: {STAGES.get(data['stage'], data['stage'])} ({data['stage']})",
        f"  référent: {data['lead'] or '—'}"
        + ("  [orpheline: aucune structure ne peut la prendre]" if shown.stored.orphan else ""),
        f"  appuis: {', '.join(data['supporting']) or '—'}",
    ]
    if shown.personal:
        who = ", ".join(str(porteur[k]) for k in ("name", "email", "phone") if porteur.get(k)) or "—"
        lines.append(f"  porteur: {who}")
    else:
        lines.append("  porteur: (masqué: visible des structures de la fiche et du coordinateur)")
    lines.append(f"  partage réseau: {'oui' if porteur['consent_network'] else 'non'}")
    if data["summary"]:
        lines.append(f"  résumé: {data['summary']}")
    if data["naf"] or data["nature"]:
        lines.append(f"  activité: {data['naf'] or '—'} ({label('nature', data['nature'] or '')})")
    if data["needs"]:
        lines.append("  besoins: " + ", ".join(NEEDS.get(n, n) for n in data["needs"]))
    if data["publics"]:
        lines.append("  publics: " + ", ".join(PUBLICS.get(p, p) for p in data["publics"]))
    if data["installed_on"]:
        lines.append(f"  installée le {data['installed_on']}")
    if data["follow_up_by"]:
        lines.append(f"  suivi par {data['follow_up_by']}")
    lines.append(f"historique (version {shown.stored.version}):")
    for event in shown.history:
        text = ev.describe(event["kind"], event["payload"], show_text=shown.personal)
        lines.append(f"  {event['at']}  {event['by'] or '—'}: {text}")
    return "\n".join(lines)


def list_table(rows: Sequence[dict[str, Any]]) -> str:
    """``fiche list``: one line per fiche."""
    from engine.output import to_table

    shown = [
        {
            **row,
            "kind": KINDS.get(row["kind"], row["kind"]),
            "stage": row["stage"],
            "lead": row["lead"] or ("(orpheline)" if row.get("_orphan") else "—"),
        }
        for row in rows
    ]
    table = to_table(shown, LIST_COLUMNS, LIST_HEADERS)
    return f"{table}\n{len(rows)} fiche(s)."


def verify_text(result: Any) -> str:
    """``db verify``: every difference, then the count."""
    lines = [str(d) for d in result.differences]
    if result.first_broken is not None:
        lines.insert(0, _("broken chain: first broken link no. {seq}").format(seq=result.first_broken))
    if result.differences:
        lines.append(f"{len(result.differences)} difference(s) in {result.fiches} fiche(s) ({result.events} events).")
    else:
        lines.append(f"ok: {result.fiches} fiche(s) match their {result.events} events.")
    if result.anchor_found is not None:
        lines.append(
            _("anchor found: the history recorded up to it is intact")
            if result.anchor_found
            else _(
                "anchor not found: this hash is not in the chain (the history was rewritten, or the hash was miscopied)"
            )
        )
    return "\n".join(lines)
