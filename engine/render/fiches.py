"""Rendering of the fiches' and the store's results: short lines a technician reads at a glance (French labels)."""

from __future__ import annotations

from engine.app.db import Anchor, Upgraded, Verification
from engine.app.fiches import AddedFiches, Change, CheckedFiches, ExportedFiches, FicheList, Imported, ShownFiche
from engine.i18n import _, ngettext
from engine.output import to_csv
from engine.render import renders
from engine.store import events as ev
from engine.store.exporting import COLUMNS, flat
from engine.store.roles import Granted
from engine.vocabulary import KINDS, NEEDS, PUBLICS, STAGES, label

LIST_COLUMNS = ("id", "received", "commune", "kind", "stage", "lead", "supporting", "needs")
LIST_HEADERS = ("fiche", "reçue le", "commune", "type", "étape", "référent", "appuis", "besoins")


@renders(CheckedFiches, "text")
def checked_text(result: CheckedFiches) -> str:
    """``fiche check``: ok per fiche, its notices, the count."""
    lines = []
    for f in result.fiches:
        lines.append(_("{fiche}: ok").format(fiche=f.label()))
        lines.extend(_("  note: {notice}").format(notice=notice) for notice in f.notices())
    n = len(result.fiches)
    lines.append(ngettext("{n} fiche valid.", "{n} fiches valid.", n).format(n=n))
    return "\n".join(lines)


@renders(Change, "text")
def change_text(change: Change) -> str:
    """What a write did, one line per event."""
    if not change.events:
        return f"{change.fiche}: nothing to change (version {change.version})"
    lines = [f"{change.fiche} (version {change.version}):"]
    for event in change.events:
        lines.append(f"  {ev.describe(event['kind'], event['payload'])}")
    return "\n".join(lines)


@renders(AddedFiches, "text")
def added_text(added: AddedFiches) -> str:
    """``fiche add``: each new id with its suggestion and what was assigned."""
    changes = added.changes
    lines = []
    for change in changes:
        lines.append(change_text(change))
    lines.append(f"{len(changes)} fiche(s) stored.")
    return "\n".join(lines)


@renders(ShownFiche, "text")
def show_text(shown: ShownFiche) -> str:
    """``fiche show``: the fiche, then its history oldest first (both masked by the use case already)."""
    data = shown.fiche
    porteur = data["porteur"]
    lines = [
        f"{data['id']} — {label('kind', data['kind'])}, {shown.commune_label}"
        + (f" (réseau local {shown.local_network})" if shown.local_network else ""),
        f"  reçue le {data['received']}" + (f" par {data['received_by']}" if data["received_by"] else ""),
        f"  étape: {STAGES.get(data['stage'], data['stage'])} ({data['stage']})",
        f"  référent: {data['lead'] or '—'}"
        + ("  [orpheline: aucune structure ne peut la prendre]" if shown.orphan else ""),
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
    lines.append(f"historique (version {shown.version}):")
    for event in shown.history:
        # a masked value is None in the payload; describe() needs to know it was there to say so
        payload = {**event.payload, **{k: "(masqué)" for k in event.hidden if event.payload.get(k) is None}}
        text = ev.describe(event.kind, payload, show_text=not event.hidden)
        lines.append(f"  {event.at}  {event.by or '—'}: {text}")
    return "\n".join(lines)


@renders(FicheList, "table")
def list_table(result: FicheList) -> str:
    """``fiche list``: one line per fiche."""
    from engine.output import to_table

    rows = result.fiches
    shown = [
        {
            **row,
            "kind": KINDS.get(row["kind"], row["kind"]),
            "stage": row["stage"],
            "lead": row["lead"] or ("(orpheline)" if row["id"] in result.orphans else "—"),
        }
        for row in rows
    ]
    table = to_table(shown, LIST_COLUMNS, LIST_HEADERS)
    return f"{table}\n{len(rows)} fiche(s)."


@renders(FicheList, "csv")
def list_csv(result: FicheList) -> str:
    """``fiche list --format csv``: the import columns (so a list can be imported elsewhere)."""
    return to_csv((flat(r) for r in result.fiches), COLUMNS)


@renders(ExportedFiches, "csv", "json", "yaml")
def exported(result: ExportedFiches) -> str:
    """``fiche export``: the file's text as the use case made it."""
    return result.text


@renders(Imported, "text")
def imported_text(done: Imported) -> str:
    """``fiche import``: how many were stored, and where the rejected rows went."""
    lines = [f"{len(done.changes)} fiche(s) imported from {done.path or done.batch.source}."]
    if done.rejects_file:
        lines.append(f"{len(done.batch.rejected)} row(s) rejected, written with their errors to {done.rejects_file}.")
    return "\n".join(lines)


@renders(Upgraded, "text")
def upgraded_text(result: Upgraded) -> str:
    """``db upgrade``: from which revision to which."""
    if result.before == result.after:
        return f"{result.store}: already at schema revision {result.after}."
    return f"{result.store}: upgraded from {result.before or 'an empty database'} to schema revision {result.after}."


@renders(Anchor, "text")
def anchor_text(result: Anchor) -> str:
    """``db verify --anchor``: the head hash to copy into the minutes."""
    message = _("anchor: {digest}\n(hash of event no. {seq}, the head of the chain: copy it into the minutes)")
    return message.format(digest=result.head, seq=result.events)


@renders(Verification, "text")
def verify_text(result: Verification) -> str:
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


@renders(Granted, "text")
def granted_text(result: Granted) -> str:
    """``db roles``: the role made (or found), each grant, and what the role may do."""
    done = (
        _("role {role} created (schema {schema}):")
        if result.created
        else _("role {role} already there (schema {schema}):")
    )
    lines = [done.format(role=result.role, schema=result.schema)]
    lines += [f"  {g}" for g in result.grants]
    lines.append(_("{role} may add events, never change or delete them.").format(role=result.role))
    return "\n".join(lines)
