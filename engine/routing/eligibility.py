"""Whether a structure may act for a fiche at all, and which coordinator rules fire: shared by
:mod:`engine.routing.suggest` (choosing) and :mod:`engine.routing.explain` (saying why), so that the
two never disagree and neither imports the other's internals."""

from __future__ import annotations

from typing import Any

from engine.routing.compile import CompiledRule, CompiledRules, CompiledStructure, label_of


def _values(values: Any) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


def eligibility_problems(s: CompiledStructure, fiche: Any, rules: CompiledRules) -> list[str]:
    """Everything that keeps ``s`` from acting for this fiche (active, territory, competence).

    An empty list means the structure is eligible; lead ability and needs are judged apart.
    """
    out: list[str] = []
    if not s.active:
        out.append("not active ('active: false' in its file)")
    if fiche.commune not in s.communes:
        out.append(f"does not cover commune {rules.commune_text(fiche.commune)}: its territory is {s.territory_words}")
    nature = fiche.effective_nature
    if s.kinds is not None and fiche.kind not in s.kinds:
        out.append(f"not competent for project kind {label_of('kind', fiche.kind)}: competent for {_values(s.kinds)}")
    if s.stages is not None and fiche.stage not in s.stages:
        out.append(f"not competent at stage {label_of('stage', fiche.stage)}: competent at {_values(s.stages)}")
    if s.natures is not None and nature not in s.natures:
        if nature is None:
            out.append(f"competent only for nature {_values(s.natures)}: the fiche has no nature (no NAF code)")
        else:
            out.append(f"not competent for nature {label_of('nature', nature)}: competent for {_values(s.natures)}")
    if s.naf_prefixes and not (fiche.naf and fiche.naf.startswith(s.naf_prefixes)):
        what = f"activity {fiche.naf}" if fiche.naf else "a fiche with no NAF code"
        out.append(f"not competent for {what}: competent for NAF {', '.join(s.naf_prefixes)}")
    if s.requires_publics is not None and not any(p in s.requires_publics for p in fiche.publics):
        out.append(f"serves only the publics {_values(s.requires_publics)}: the fiche lists none of them")
    if s.max_employees is not None and (fiche.employees or 0) > s.max_employees:
        out.append(f"serves projects of at most {s.max_employees} employees: the fiche plans {fiche.employees}")
    return out


def fired_rules(fiche: Any, rules: CompiledRules) -> list[CompiledRule]:
    """The coordinator rules whose conditions hold for this fiche, in file order."""
    nature = fiche.effective_nature
    return [r for r in rules.rules_at(fiche.commune) if r.when.holds(fiche, nature)]
