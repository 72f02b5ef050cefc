"""Suggestions and explanations as text a technician reads in ten seconds, or as JSON.

Text: one block per fiche — the lead with its reasons, each supporting structure with the needs it
covers (French labels), the needs nobody covers, the alternatives, the rules' version.  JSON: the
documented keys of :meth:`Suggestion.to_dict` (one object, or a list for several fiches).
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.app.suggest import Explanations, Suggestions
from engine.i18n import _
from engine.render import renders
from engine.routing.compile import CompiledRules
from engine.routing.explain import Explanation, role_words
from engine.routing.suggest import Suggestion, orientation_words
from engine.vocabulary import NATURES, NEEDS


def _name(rules: CompiledRules, sid: str) -> str:
    s = rules.structures.get(sid)
    return f"{sid} — {s.name}" if s else sid


def _needs(needs: Sequence[str]) -> str:
    return ", ".join(NEEDS.get(n, n) for n in needs)


def render_suggestion(s: Suggestion, rules: CompiledRules) -> str:
    """One fiche's suggestion as short lines of text (in the language in force, like its reasons)."""
    commune = rules.commune_text(s.commune)
    if s.nature:
        head = _("{fiche} — {commune}, activity {nature}").format(
            fiche=s.fiche, commune=commune, nature=NATURES.get(s.nature, s.nature)
        )
    else:
        head = _("{fiche} — {commune}, unknown nature (no NAF code)").format(fiche=s.fiche, commune=commune)
    lines = [head]
    if s.lead is not None:
        lines.append("  " + _("lead: {structure}").format(structure=_name(rules, s.lead.structure)))
        lines.extend(f"    - {r}" for r in s.lead.reasons)
    else:
        lines.append("  " + _("ORPHAN: no structure can lead this fiche"))
        if not s.alternatives:
            lines.append("    - " + _("no structure able to lead covers commune {commune}").format(commune=commune))
        lines.extend(f"    - {a.structure}: {r}" for a in s.alternatives for r in a.reasons)
    for sup in s.supporting:
        lines.append(
            "  "
            + _("supporting: {structure} — {needs}").format(
                structure=_name(rules, sup.structure), needs=_needs(sup.needs)
            )
        )
        lines.extend(f"    - {r}" for r in sup.reasons)
    if s.uncovered_needs:
        lines.append(
            "  "
            + _("uncovered needs (no structure of the network serves them here): {needs}").format(
                needs=_needs(s.uncovered_needs)
            )
        )
        oriented = {o.need: o for o in s.orientations}
        for need in s.uncovered_needs:
            lines.append(f"    - {NEEDS.get(need, need)}: {orientation_words(oriented.get(need))}")
    if s.lead is not None:
        for rank, alt in enumerate(s.alternatives, 1):
            lines.append(
                "  " + _("alternative {rank}: {structure}").format(rank=rank, structure=_name(rules, alt.structure))
            )
            lines.extend(f"    - {r}" for r in alt.reasons)
    lines.extend("  " + _("note: {note}").format(note=note) for note in s.notes)
    lines.append("  " + _("rules: {version}").format(version=s.rules_version))
    return "\n".join(lines)


def render_explanation(e: Explanation, rules: CompiledRules) -> str:
    """Why one structure has its role for one fiche."""
    lines = [
        _("{fiche} — {structure}: {role}").format(
            fiche=e.fiche, structure=_name(rules, e.structure), role=role_words(e.role)
        )
    ]
    lines.extend(f"  - {r}" for r in e.reasons)
    lines.append("  " + _("rules: {version}").format(version=e.rules_version))
    return "\n".join(lines)


def render_text(items: Sequence[Suggestion] | Sequence[Explanation], rules: CompiledRules) -> str:
    """Every block, separated by a blank line."""
    blocks = [
        render_explanation(item, rules) if isinstance(item, Explanation) else render_suggestion(item, rules)
        for item in items
    ]
    return "\n\n".join(blocks)


@renders(Suggestions, "text")
def suggestions_text(result: Suggestions) -> str:
    """``capactif suggest``: one block per fiche."""
    return render_text(result.suggestions, result.rules)


@renders(Explanations, "text")
def explanations_text(result: Explanations) -> str:
    """``capactif suggest --explain S``: one block per fiche."""
    return render_text(result.explanations, result.rules)
