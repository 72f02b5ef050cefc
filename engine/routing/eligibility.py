"""Whether a structure may act for a fiche at all, and which coordinator rules fire: shared by
:mod:`engine.routing.suggest` (choosing) and :mod:`engine.routing.explain` (saying why), so that the
two never disagree and neither imports the other's internals."""

from __future__ import annotations

from typing import Any

from engine.i18n import _
from engine.routing.compile import CompiledRule, CompiledRules, CompiledStructure, label_of


def _values(values: Any) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


def eligible(s: CompiledStructure, fiche: Any) -> bool:
    """Whether ``s`` may act for this fiche at all: :func:`eligibility_problems` is empty (the same tests,
    without saying them: ``lead_obstacle`` asks it of every led fiche in ``capactif alerts``)."""
    return (
        s.active
        and fiche.commune in s.communes
        and s.admits(fiche)
        and (s.natures is None or fiche.effective_nature in s.natures)
    )


def eligibility_problems(s: CompiledStructure, fiche: Any, rules: CompiledRules) -> list[str]:
    """Everything that keeps ``s`` from acting for this fiche (active, territory, competence).

    An empty list means the structure is eligible; lead ability and needs are judged apart.  Said in
    the language in force.
    """
    out: list[str] = []
    if not s.active:
        out.append(_("not active ('active: false' in its file)"))
    if fiche.commune not in s.communes:
        out.append(
            _("does not cover commune {commune}: its territory is {territory}").format(
                commune=rules.commune_text(fiche.commune), territory=s.territory_words
            )
        )
    nature = fiche.effective_nature
    if s.kinds is not None and fiche.kind not in s.kinds:
        out.append(
            _("not competent for project kind {kind}: competent for {kinds}").format(
                kind=label_of("kind", fiche.kind), kinds=_values(s.kinds)
            )
        )
    if s.stages is not None and fiche.stage not in s.stages:
        out.append(
            _("not competent at stage {stage}: competent at {stages}").format(
                stage=label_of("stage", fiche.stage), stages=_values(s.stages)
            )
        )
    if s.natures is not None and nature not in s.natures:
        if nature is None:
            out.append(
                _("competent only for nature {natures}: the fiche has no nature (no NAF code)").format(
                    natures=_values(s.natures)
                )
            )
        else:
            out.append(
                _("not competent for nature {nature}: competent for {natures}").format(
                    nature=label_of("nature", nature), natures=_values(s.natures)
                )
            )
    if s.naf_prefixes and not (fiche.naf and fiche.naf.startswith(s.naf_prefixes)):
        prefixes = ", ".join(s.naf_prefixes)
        if fiche.naf:
            out.append(
                _("not competent for activity {naf}: competent for NAF {prefixes}").format(
                    naf=fiche.naf, prefixes=prefixes
                )
            )
        else:
            out.append(
                _("not competent for a fiche with no NAF code: competent for NAF {prefixes}").format(prefixes=prefixes)
            )
    if s.requires_publics is not None and not any(p in s.requires_publics for p in fiche.publics):
        out.append(
            _("serves only the publics {publics}: the fiche lists none of them").format(
                publics=_values(s.requires_publics)
            )
        )
    if s.max_employees is not None and (fiche.employees or 0) > s.max_employees:
        out.append(
            _("serves projects of at most {most} employees: the fiche plans {n}").format(
                most=s.max_employees, n=fiche.employees
            )
        )
    return out


def fired_rules(fiche: Any, rules: CompiledRules) -> list[CompiledRule]:
    """The coordinator rules whose conditions hold for this fiche, in file order."""
    nature = fiche.effective_nature
    return [r for r in rules.rules_at(fiche.commune) if r.when.holds(fiche, nature)]
