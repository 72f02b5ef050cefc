"""Rendering of ``capactif porteur find/erase/purge`` (``porteur export`` is JSON only: its ``to_dict()``)."""

from __future__ import annotations

from engine.app.porteurs import Erased, Found
from engine.i18n import _
from engine.render import renders


@renders(Found, "text")
def found_text(result: Found) -> str:
    """One line per fiche (id, received, stage, name, e-mail), then the count."""
    line = _("{fiche}  received on {received}  {stage}  {name}  {email}")
    lines = [
        line.format(
            fiche=m.fiche, received=m.received, stage=f"{m.stage:<10}", name=m.name or "—", email=m.email or "—"
        )
        for m in result.matches
    ]
    lines.append(_("{n} fiche(s).").format(n=len(result.matches)))
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
    return "\n".join(lines)
