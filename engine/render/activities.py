"""Rendering of ``capactif naf search``: the NAF rév. 2 codes found for a porteur's words."""

from __future__ import annotations

from engine.app.activities import NafSearch
from engine.i18n import _
from engine.output import to_json
from engine.render import renders
from engine.vocabulary import label


@renders(NafSearch, "text")
def naf_search_text(result: NafSearch) -> str:
    """An aligned table (code, label, nature in French, whether to confirm it), or what to try instead."""
    if not result.matches:
        return _(
            "No NAF code matches '{words}': try another word for the activity (e.g. 'boulangerie', "
            "'plombier') or a code such as 10.71C."
        ).format(words=result.words)
    header = (_("Code"), _("Activity (NAF rév. 2)"), _("Nature"), "")
    rows = [
        (m.code, m.label, label("nature", m.nature), _("to confirm with the porteur") if m.needs_confirmation else "")
        for m in result.matches
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(3)]
    lines = []
    for row in (header, *rows):
        lines.append("  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip())
    return "\n".join(lines)


@renders(NafSearch, "json")
def naf_search_json(result: NafSearch) -> str:
    return to_json(result.to_dict())
