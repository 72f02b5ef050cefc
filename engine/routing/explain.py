"""Why a structure was or was not chosen for a fiche, in words (``capactif suggest --explain``).

Not on the hot path: an explanation checks one structure against everything routing considers —
active, territory, competence filters, lead ability, coordinator rules, capacity, the ranking
against the structure that won — and says each finding in a short sentence without subject::

    does not cover commune 43117 Lavaudieu: its territory is department 63 (Puy-de-Dôme)
    not competent for nature 'liberal' (libérale): competent for 'artisanal'
    excluded as lead by rule `no-adie-above-12k` (rules/routing.yaml:14): …
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.errors import InputError
from engine.i18n import N_, _
from engine.routing.compile import CompiledRule, CompiledRules, CompiledStructure, label_of
from engine.routing.eligibility import eligibility_problems, fired_rules
from engine.routing.suggest import lead_obstacle, suggest
from engine.vocabulary import unknown

#: The roles an explanation reports, in JSON (``role``: these ids, whatever the language).
ROLES = ("lead", "supporting", "alternative", "not chosen")

_ROLE_WORDS = {
    "lead": N_("lead"),
    "supporting": N_("supporting"),
    "alternative": N_("alternative"),
    "not chosen": N_("not chosen"),
}


def role_words(role: str) -> str:
    """An explanation's role as the text output says it, in the language in force."""
    return _(_ROLE_WORDS[role]) if role in _ROLE_WORDS else role


@dataclass(slots=True)
class Explanation:
    """Why one structure has its role (or none) in the suggestion for one fiche."""

    fiche: str
    structure: str
    role: str
    reasons: list[str]
    rules_version: str

    def to_dict(self) -> dict[str, Any]:
        """``{"fiche", "structure", "role", "reasons", "rules_version"}``."""
        return {
            "fiche": self.fiche,
            "structure": self.structure,
            "role": self.role,
            "reasons": list(self.reasons),
            "rules_version": self.rules_version,
        }


def explain(
    fiche: Any, rules: CompiledRules, structure: str, caseload: Any = None, suggestion: Any = None
) -> Explanation:
    """Why ``structure`` leads, supports, is an alternative, or was not chosen for ``fiche``."""
    if structure not in rules.structures:
        raise InputError(f"--explain: {unknown('structure', structure, sorted(rules.structures))}")
    s = rules.structures[structure]
    full = suggest(fiche, rules, caseload, alternatives=len(rules.structures))
    label = fiche.label()
    if full.lead is not None and full.lead.structure == structure:
        return Explanation(label, structure, "lead", list(full.lead.reasons), rules.version)
    for support in full.supporting:
        if support.structure == structure:
            return Explanation(label, structure, "supporting", list(support.reasons), rules.version)
    reasons: list[str] = []
    role = "not chosen"
    problems = eligibility_problems(s, fiche, rules)
    reasons.extend(problems)
    fired = fired_rules(fiche, rules)
    for rank, alt in enumerate(full.alternatives, 1):
        if alt.structure == structure and full.lead is not None:
            role = "alternative"
            reasons.append(_("alternative no. {rank} for lead").format(rank=rank))
            reasons.extend(alt.reasons)
            break
    else:
        if not problems:
            reasons.extend(_lead_words(s, fiche, rules, fired, caseload, full))
    if not problems:
        reasons.extend(_support_words(s, fiche, rules, fired, full))
    return Explanation(label, structure, role, reasons, rules.version)


def _lead_words(
    s: CompiledStructure, fiche: Any, rules: CompiledRules, fired: list[CompiledRule], caseload: Any, full: Any
) -> list[str]:
    """Why an eligible structure that is not an alternative does not lead."""
    excluded = {r.structure: r for r in fired if r.role == "lead" and r.action == "exclude"}
    nature = fiche.effective_nature
    obstacle = lead_obstacle(s, fiche, fiche.commune, nature, excluded, caseload, rules)
    if obstacle is not None:
        return [obstacle]
    if s.can_lead and not s.leads_for(nature) and s.id in rules.fallback_lead and full.lead is not None:
        return [
            _("fallback lead only: {lead} leads for nature {nature}").format(
                lead=full.lead.structure, nature=label_of("nature", nature)
            )
        ]
    if full.orphan:  # pragma: no cover - a structure able to lead makes the fiche no orphan
        return [_("could lead, but no lead was chosen")]
    return [_("not a lead candidate in the policy's steps ({steps})").format(steps=", ".join(rules.lead_steps))]


def _support_words(
    s: CompiledStructure, fiche: Any, rules: CompiledRules, fired: list[CompiledRule], full: Any
) -> list[str]:
    """For each need of the fiche: why ``s`` does not support it."""
    if not fiche.needs:
        return [_("the fiche declares no need: no supporting structure is chosen")]
    by_need = {need: sup.structure for sup in full.supporting for need in sup.needs}
    lead = full.lead.structure if full.lead else None
    out = []
    for need in fiche.needs:
        what = _("need {need}").format(need=label_of("need", need))
        rule = next(
            (r for r in fired if r.role == "support" and r.action == "exclude" and r.structure == s.id
             and r.need in (None, need)),
            None,
        )  # fmt: skip
        if rule is not None:
            out.append(_("{need}: excluded by {rule}: {why}").format(need=what, rule=rule.cite, why=rule.why))
        elif need not in s.support_needs:
            out.append(_("{need}: not among the needs it serves").format(need=what))
        elif need in s.support_with and not s.support_with[need].intersection(fiche.needs):
            with_ = _(" or ").join(label_of("need", n) for n in sorted(s.support_with[need]))
            out.append(_("{need}: served only when the fiche also needs {needs}").format(need=what, needs=with_))
        elif not s.serves(need, fiche):
            prefixes = ", ".join(s.support_naf.get(need, ()))
            naf = fiche.naf or _("not given")
            out.append(
                _("{need}: served only for NAF {prefixes}, the fiche's activity is {naf}").format(
                    need=what, prefixes=prefixes, naf=naf
                )
            )
        elif need in by_need:
            other = rules.structures[by_need[need]]
            out.append(
                _("{need}: goes to {structure} ({n} communes against {own})").format(
                    need=what, structure=other.id, n=other.specificity, own=s.specificity
                )
            )
        elif lead is not None and need not in full.uncovered_needs:
            out.append(_("{need}: covered by the lead {lead}").format(need=what, lead=lead))
        else:  # pragma: no cover - an eligible structure serving an uncovered need would cover it
            out.append(_("{need}: not chosen").format(need=what))
    return out
