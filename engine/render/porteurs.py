"""Rendering of ``capactif porteur find/erase/purge`` (``porteur export`` is JSON only: its ``to_dict()``)."""

from __future__ import annotations

from engine.app.porteurs import Erased, Found
from engine.i18n import _
from engine.render import renders


@renders(Found, "text")
def found_text(result: Found) -> str:
    """One line per fiche (id, received, stage, name, e-mail), then the count; the same for the messages
    about offers (number, received, offer, name, e-mail, the fiche it became)."""
    line = _("{fiche}  received on {received}  {stage}  {name}  {email}")
    lines = [
        line.format(
            fiche=m.fiche, received=m.received, stage=f"{m.stage:<10}", name=m.name or "—", email=m.email or "—"
        )
        for m in result.matches
    ]
    lines.append(_("{n} fiche(s).").format(n=len(result.matches)))
    if result.messages:
        message = _("message {number}  received on {received}  offer {offer}  {name}  {email}  fiche {fiche}")
        lines += [
            message.format(
                number=m.message,
                received=m.received,
                offer=m.offer,
                name=m.name or "—",
                email=m.email or "—",
                fiche=m.fiche or "—",
            )
            for m in result.messages
        ]
        lines.append(
            _("{n} message(s) about offers (porteur export/erase --message N).").format(n=len(result.messages))
        )
    return "\n".join(lines)


@renders(Erased, "text")
def erased_text(result: Erased) -> str:
    """The fiches erased (or, dry run, to erase), then the count."""
    fiches = result.fiches
    lines = [f"  {f}" for f in fiches]
    if result.dry_run:
        lines.append(_("{n} fiche(s) to erase (personal data).").format(n=len(fiches)))
    else:
        lines.append(_("{n} fiche(s) erased (personal data).").format(n=len(fiches)))
    if result.messages:
        numbers = ", ".join(str(n) for n in result.messages)
        if result.dry_run:
            lines.append(_("messages about offers to erase: {numbers}").format(numbers=numbers))
        else:
            lines.append(_("messages about offers erased: {numbers}").format(numbers=numbers))
    return "\n".join(lines)
