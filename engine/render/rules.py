"""Rendering of the rules' results: ``rules check`` (summary or problems), ``rules show``, ``rules schema``."""

from __future__ import annotations

from engine.app.rules import CheckedRules, StructureShown, StructuresShown, WrittenSchemas
from engine.output import to_table
from engine.render import renders


@renders(CheckedRules, "text")
def checked_text(checked: CheckedRules) -> str:
    """A summary of valid rules; else every problem (``error: file:line:col: message``) and what to do."""
    result, s = checked.result, checked.result.summary
    if result.ok:
        return "\n".join(
            [
                f"{checked.rules_dir}: rules valid (version {s['version']})",
                f"  {s['structures']} structures ({s['active_structures']} active, {s['lead_structures']} can lead)",
                f"  {s['communes']} communes in {s['local_networks']} local networks",
                f"  {s['rules']} routing rules",
                *(
                    [f"  {s['orientations']} structures outside the network for orientation"]
                    if s.get("orientations")
                    else []
                ),
            ]
        )
    lines = [f"error: {problem}" for problem in result.problems]
    lines.append(
        f"{s['problems']} problem(s) in {s['files_with_problems']} file(s): fix them and run 'capactif rules check'"
        " again (the network keeps its previous rules until then)."
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

    return to_table(shown.rows, TABLE_COLUMNS, TABLE_HEADERS, title=f"Cap Actif structures (rules {shown.version})")


@renders(WrittenSchemas, "text")
def schemas_text(written: WrittenSchemas) -> str:
    """One line per file written."""
    return "\n".join(f"wrote {path}" for path in written.written)
