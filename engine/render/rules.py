"""Rendering of the rules' results: ``rules check`` (summary or problems), ``rules show``, ``rules schema``."""

from __future__ import annotations

import re

from engine.app.rules import CheckedRules, StructureShown, StructuresShown, WrittenSchemas
from engine.i18n import _
from engine.output import to_table
from engine.render import renders


@renders(CheckedRules, "text")
def checked_text(checked: CheckedRules) -> str:
    """A summary of valid rules; else every problem (``error: file:line:col: message``) and what to do."""
    result, s = checked.result, checked.result.summary
    if result.ok:
        lines = [
            _("{directory}: rules valid (version {version})").format(directory=checked.rules_dir, version=s["version"]),
            _("  {n} structures ({active} active, {lead} can lead)").format(
                n=s["structures"], active=s["active_structures"], lead=s["lead_structures"]
            ),
            _("  {n} communes in {networks} local networks").format(n=s["communes"], networks=s["local_networks"]),
            _("  {n} routing rules").format(n=s["rules"]),
        ]
        if s.get("orientations"):
            lines.append(_("  {n} structures outside the network for orientation").format(n=s["orientations"]))
        return "\n".join(lines)
    from engine.output import for_terminal

    lines = [for_terminal(_("error: {problem}").format(problem=problem)) for problem in result.problems]
    lines.append(
        _(
            "{n} problem(s) in {files} file(s): fix them and run 'capactif rules check' again "
            "(the network keeps its previous rules until then)."
        ).format(n=s["problems"], files=s["files_with_problems"])
    )
    return "\n".join(lines)


@renders(StructureShown, "text")
def structure_text(shown: StructureShown) -> str:
    """What one structure covers, in sentences."""
    from engine.rules.describe import structure_lines

    return "\n".join(structure_lines(shown.info))


@renders(StructuresShown, "text")
def structures_text(shown: StructuresShown) -> str:
    """One row per structure."""
    from engine.rules.describe import TABLE_COLUMNS, TABLE_HEADERS

    rows = [{**row, "leads": re.sub(r"\bany\b", _("any nature"), row["leads"])} for row in shown.rows]
    headers = [_(h) for h in TABLE_HEADERS]
    return to_table(
        rows, TABLE_COLUMNS, headers, title=_("Cap Actif structures (rules {version})").format(version=shown.version)
    )


@renders(WrittenSchemas, "text")
def schemas_text(written: WrittenSchemas) -> str:
    """One line per file written."""
    return "\n".join(_("wrote {path}").format(path=path) for path in written.written)
