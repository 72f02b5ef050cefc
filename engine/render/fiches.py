"""Rendering of the fiches' and the store's results: short lines a technician reads at a glance (French labels)."""

from __future__ import annotations

from engine.app.db import Anchor, Rebuild, Upgraded, Verification
from engine.app.fiches import AddedFiches, Change, CheckedFiches, ExportedFiches, FicheList, Imported, ShownFiche
from engine.i18n import N_, _, ngettext
from engine.output import to_csv
from engine.render import renders
from engine.store import events as ev
from engine.store.exporting import COLUMNS, flat
from engine.store.roles import Granted
from engine.vocabulary import KINDS, NEEDS, PUBLICS, STAGES, label

LIST_COLUMNS = ("id", "received", "commune", "kind", "stage", "lead", "supporting", "needs")
LIST_HEADERS = (
    N_("fiche"),
    N_("received on"),
    N_("commune"),
    N_("type"),
    N_("stage"),
    N_("référent"),
    N_("supports"),
    N_("needs"),
)


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
        return _("{fiche}: nothing to change (version {version})").format(fiche=change.fiche, version=change.version)
    lines = [_("{fiche} (version {version}):").format(fiche=change.fiche, version=change.version)]
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
    n = len(changes)
    lines.append(ngettext("{n} fiche stored.", "{n} fiches stored.", n).format(n=n))
    return "\n".join(lines)


@renders(ShownFiche, "text")
def show_text(shown: ShownFiche) -> str:
    """``fiche show``: the fiche, then its history oldest first (both masked by the use case already)."""
    data = shown.fiche
    porteur = data["porteur"]
    head = f"{data['id']} — {label('kind', data['kind'])}, {shown.commune_label}"
    if shown.local_network:
        head = _("{fiche} (local network {network})").format(fiche=head, network=shown.local_network)
    if data["received_by"]:
        received = _("received on {day} by {structure}").format(day=data["received"], structure=data["received_by"])
    else:
        received = _("received on {day}").format(day=data["received"])
    lead = _("référent: {lead}").format(lead=data["lead"] or "—")
    if shown.orphan:
        lead += "  " + _("[orphan: no structure can lead it]")
    lines = [
        head,
        "  " + received,
        "  "
        + _("stage: {label} ({stage})").format(label=STAGES.get(data["stage"], data["stage"]), stage=data["stage"]),
        "  " + lead,
        "  " + _("supports: {structures}").format(structures=", ".join(data["supporting"]) or "—"),
    ]
    if shown.personal:
        who = ", ".join(str(porteur[k]) for k in ("name", "email", "phone") if porteur.get(k)) or "—"
        lines.append("  " + _("porteur: {who}").format(who=who))
    else:
        lines.append("  " + _("porteur: (hidden: seen by the fiche's structures and the coordinator)"))
    shared = _("yes") if porteur["consent_network"] else _("no")
    lines.append("  " + _("shared with the network: {answer}").format(answer=shared))
    if data["summary"]:
        lines.append("  " + _("summary: {text}").format(text=data["summary"]))
    if data["naf"] or data["nature"]:
        lines.append(
            "  "
            + _("activity: {naf} ({nature})").format(
                naf=data["naf"] or "—", nature=label("nature", data["nature"] or "")
            )
        )
    if data["needs"]:
        lines.append("  " + _("needs: {needs}").format(needs=", ".join(NEEDS.get(n, n) for n in data["needs"])))
    if data["publics"]:
        lines.append(
            "  " + _("publics: {publics}").format(publics=", ".join(PUBLICS.get(p, p) for p in data["publics"]))
        )
    if data["installed_on"]:
        lines.append("  " + _("installed on {day}").format(day=data["installed_on"]))
    if data["follow_up_by"]:
        lines.append("  " + _("followed up by {structure}").format(structure=data["follow_up_by"]))
    lines.append(_("history (version {version}):").format(version=shown.version))
    for event in shown.history:
        # a masked value is None in the payload; describe() needs to know it was there to say so
        payload = {**event.payload, **{k: _("(hidden)") for k in event.hidden if event.payload.get(k) is None}}
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
            "lead": row["lead"] or (_("(orphan)") if row["id"] in result.orphans else "—"),
        }
        for row in rows
    ]
    table = to_table(shown, LIST_COLUMNS, [_(h) for h in LIST_HEADERS])
    n = len(rows)
    return f"{table}\n" + ngettext("{n} fiche.", "{n} fiches.", n).format(n=n)


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
    n = len(done.changes)
    source = done.path or done.batch.source
    lines = [
        ngettext("{n} fiche imported from {file}.", "{n} fiches imported from {file}.", n).format(n=n, file=source)
    ]
    if done.rejects_file:
        rejected = len(done.batch.rejected)
        lines.append(
            ngettext(
                "{n} row rejected, written with its errors to {file}.",
                "{n} rows rejected, written with their errors to {file}.",
                rejected,
            ).format(n=rejected, file=done.rejects_file)
        )
    return "\n".join(lines)


@renders(Upgraded, "text")
def upgraded_text(result: Upgraded) -> str:
    """``db upgrade``: from which revision to which."""
    if result.before == result.after:
        return _("{store}: already at schema revision {revision}.").format(store=result.store, revision=result.after)
    if not result.before:
        return _("{store}: upgraded from an empty database to schema revision {revision}.").format(
            store=result.store, revision=result.after
        )
    return _("{store}: upgraded from {before} to schema revision {revision}.").format(
        store=result.store, before=result.before, revision=result.after
    )


@renders(Anchor, "text")
def anchor_text(result: Anchor) -> str:
    """``db verify --anchor``: the head hash to copy into the minutes."""
    message = _("anchor: {digest}\n(hash of event no. {seq}, the head of the chain: copy it into the minutes)")
    return message.format(digest=result.head, seq=result.events)


@renders(Rebuild, "text")
def rebuild_text(result: Rebuild) -> str:
    """``db rebuild-projection``: how many fiches were replayed, how many rows rewritten."""
    return _("{fiches} fiche(s) replayed from their history: {changed} projection row(s) rewritten.").format(
        fiches=result.fiches, changed=result.changed
    )


@renders(Verification, "text")
def verify_text(result: Verification) -> str:
    """``db verify``: every difference, then the count."""
    lines = [str(d) for d in result.differences]
    if result.first_broken is not None:
        lines.insert(0, _("broken chain: first broken link no. {seq}").format(seq=result.first_broken))
    if result.differences:
        n = len(result.differences)
        differences = ngettext("{n} difference", "{n} differences", n).format(n=n)
        fiches = ngettext("{n} fiche", "{n} fiches", result.fiches).format(n=result.fiches)
        events = ngettext("{n} event", "{n} events", result.events).format(n=result.events)
        lines.append(
            _("{differences} in {fiches} ({events}).").format(differences=differences, fiches=fiches, events=events)
        )
    else:
        message = ngettext(
            "ok: {fiches} fiche matches its {events} events.",
            "ok: {fiches} fiches match their {events} events.",
            result.fiches,
        )
        lines.append(message.format(fiches=result.fiches, events=result.events))
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
