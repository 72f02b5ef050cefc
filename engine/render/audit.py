"""Rendering of ``capactif audit``: who read a fiche's personal data or changed it, and when."""

from __future__ import annotations

from engine.app.audit import FicheAudit
from engine.i18n import _, ngettext
from engine.render import renders


@renders(FicheAudit, "text")
def audit_text(result: FicheAudit) -> str:
    """One line per entry (UTC time, who, the account, what), then the count."""
    lines = [_("fiche {fiche}: who read or changed it").format(fiche=result.fiche_id)]
    for line in result.lines:
        what = _("read the personal data") if line.action == "read" else _("changed")
        account = f"{line.account_name} <{line.account_email}>" if line.account_email else _("(command line)")
        lines.append(f"{line.at:%Y-%m-%d %H:%M:%S} UTC  {line.actor or '—'}  {account}  {what}: {line.detail}")
    lines.append(ngettext("{n} entry.", "{n} entries.", len(result.lines)).format(n=len(result.lines)))
    return "\n".join(lines)
