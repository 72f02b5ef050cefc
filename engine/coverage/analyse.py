"""Static coverage of the rules: for each commune × nature × project kind (× need), who could take it.

Computed from the compiled rules alone (:func:`engine.routing.compile_rules`), with routing's own
semantics — the structures covering a commune, the natures they lead, the fallback leads, the
coordinator's rules, the tie-break order — but without a fiche: the facts that vary from one
porteur to the next (stage, NAF code, publics, headcount, the other needs declared) are
*conditions*, not dimensions.

For each combination and role the status is:

* ``covered``: a structure takes it whatever the porteur (no condition);
* ``conditional``: only structures (or rules) with conditions take it — e.g. a couveuse only at the
  stages idea and study, a comité d'expansion only for industrial NAF codes; a porteur outside
  those conditions finds nobody.  The entry lists each candidate with its conditions;
* ``gap``: no structure at all.

and for the lead, a **tie** when the two first unconditional candidates are equal on every criterion
of the policy's tie-break but ``caseload`` and ``id``: the choice then depends only on the day's
caseloads or on the alphabetical order of ids.

Communes with the same active structures and the same applicable rules behave identically, so the
work is done once per *commune class*, not per commune (35,000 communes are a few thousand classes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.i18n import _
from engine.routing.compile import CompiledCondition, CompiledRule, CompiledRules, CompiledStructure
from engine.vocabulary import KINDS, NATURES, NEEDS


@dataclass(frozen=True)
class Candidate:
    """A structure that could take a combination, and the conditions it needs ('' when none)."""

    structure: str
    conditions: tuple[str, ...] = ()

    def words(self) -> str:
        if not self.conditions:
            return self.structure
        return _("{structure} (only {conditions})").format(
            structure=self.structure, conditions="; ".join(self.conditions)
        )


@dataclass
class Finding:
    """The coverage of one combination in one commune class, for one role (lead or a need)."""

    role: str  # "lead" or "support"
    nature: str
    kind: str
    need: str | None
    status: str  # "gap", "conditional", "tie"
    candidates: tuple[Candidate, ...] = ()
    decided_by: str | None = None  # for a tie: "caseload" or "id"


@dataclass
class CommuneClass:
    """Communes that every rule treats alike: the same active structures, the same rules."""

    communes: list[str]
    structures: tuple[CompiledStructure, ...]
    rules: tuple[CompiledRule, ...]
    findings: list[Finding] = field(default_factory=list)


def commune_classes(compiled: CompiledRules) -> list[CommuneClass]:
    """Every commune of the territory, grouped by (structures covering it, rules applying in it)."""
    classes: dict[tuple, CommuneClass] = {}
    for code in sorted(compiled.territory.communes):
        structures = compiled.by_commune.get(code, ())
        rules = compiled.rules_at(code)
        key = (tuple(s.id for s in structures), tuple(r.order for r in rules))
        found = classes.get(key)
        if found is None:
            classes[key] = CommuneClass([code], structures, rules)
        else:
            found.communes.append(code)
    return list(classes.values())


def analyse(compiled: CompiledRules) -> list[CommuneClass]:
    """Every commune class with its findings (gaps, conditional coverage, ties)."""
    classes = commune_classes(compiled)
    for cls in classes:
        for nature in NATURES:
            for kind in KINDS:
                cls.findings += _lead(compiled, cls, nature, kind)
                for need in NEEDS:
                    finding = _need(compiled, cls, nature, kind, need)
                    if finding is not None:
                        cls.findings.append(finding)
    return classes


# --- conditions ------------------------------------------------------------------------------------


def structure_conditions(s: CompiledStructure, need: str | None = None) -> list[str]:
    """The porteur-specific filters of a structure (and of its need), in words."""
    out = []
    if s.stages is not None:
        out.append(_("at stages {stages}").format(stages=", ".join(sorted(s.stages))))
    if s.naf_prefixes:
        out.append(_("for NAF {prefixes}").format(prefixes=_prefixes(s.naf_prefixes)))
    if s.requires_publics is not None:
        out.append(_("for publics {publics}").format(publics=", ".join(sorted(s.requires_publics))))
    if s.max_employees is not None:
        out.append(_("up to {n} employees").format(n=s.max_employees))
    if need is not None and need in s.support_naf:
        out.append(_("{need} for NAF {prefixes}").format(need=need, prefixes=_prefixes(s.support_naf[need])))
    if need is not None and need in s.support_with:
        out.append(
            _("{need} only with the need {needs}").format(need=need, needs=_(" or ").join(sorted(s.support_with[need])))
        )
    return out


def _prefixes(prefixes: tuple[str, ...]) -> str:
    shown = ", ".join(prefixes[:4])
    return shown + (_("… ({n} prefixes)").format(n=len(prefixes)) if len(prefixes) > 4 else "")


def _applies(when: CompiledCondition, nature: str, kind: str) -> bool:
    """The rule can fire for this nature and kind (territory is already matched by the class)."""
    return (when.kinds is None or kind in when.kinds) and (when.natures is None or nature in when.natures)


def _full(when: CompiledCondition, need: str | None) -> bool:
    """The rule fires for *every* fiche of the combination (no porteur-specific condition)."""
    if when.stages is not None or when.publics_any is not None or when.naf_prefixes:
        return False
    if when.employees_above is not None or when.employees_at_most is not None:
        return False
    if need is None:
        return when.needs_any is None and not when.needs_all
    return (when.needs_any is None or need in when.needs_any) and when.needs_all <= {need}


def _admits(s: CompiledStructure, nature: str, kind: str) -> bool:
    return (s.kinds is None or kind in s.kinds) and s.admits_nature(nature)


# --- lead -----------------------------------------------------------------------------------------


def _lead(compiled: CompiledRules, cls: CommuneClass, nature: str, kind: str) -> list[Finding]:
    """A gap, a conditional coverage or a tie for the lead of (nature, kind) in the class; else nothing."""
    fired = [r for r in cls.rules if r.role == "lead" and _applies(r.when, nature, kind)]
    excluded_full = {r.structure for r in fired if r.action == "exclude" and _full(r.when, None)}
    excluded_some = {r.structure: r.id for r in fired if r.action == "exclude" and not _full(r.when, None)}
    preferred = frozenset(r.structure for r in fired if r.action == "prefer" and _full(r.when, None))
    here = {s.id: s for s in cls.structures}

    phases: list[list[Candidate]] = []
    required = []
    for rule in fired:
        s = here.get(rule.structure)
        if rule.action != "require" or s is None or not s.can_lead or not _admits(s, nature, kind):
            continue
        if s.id in excluded_full:
            continue
        conditions = structure_conditions(s)
        if not _full(rule.when, None):
            conditions.append(_("when rule {rule} fires").format(rule=rule.id))
        required.append(_candidate(s, conditions, excluded_some))
    phases.append(required)
    fallback = set(compiled.fallback_lead)
    for step in compiled.lead_steps:
        found = []
        for s in cls.structures:
            able = s.leads_for(nature) if step == "nature" else s.id in fallback
            if able and _admits(s, nature, kind) and s.id not in excluded_full:
                found.append(_candidate(s, structure_conditions(s), excluded_some))
        phases.append(found)

    everyone = [c for phase in phases for c in phase]
    if not everyone:
        return [Finding("lead", nature, kind, None, "gap")]
    leading = next((phase for phase in phases if any(not c.conditions for c in phase)), None)
    if leading is None:
        return [Finding("lead", nature, kind, None, "conditional", tuple(dict.fromkeys(everyone)))]
    return _tie(compiled, here, [c for c in leading if not c.conditions], preferred, nature, kind)


def _candidate(s: CompiledStructure, conditions: list[str], excluded_some: dict[str, str]) -> Candidate:
    if s.id in excluded_some:
        conditions = [*conditions, _("unless rule {rule} fires").format(rule=excluded_some[s.id])]
    return Candidate(s.id, tuple(conditions))


def _tie(
    compiled: CompiledRules,
    here: dict[str, CompiledStructure],
    unconditional: list[Candidate],
    preferred: frozenset[str],
    nature: str,
    kind: str,
) -> list[Finding]:
    """The candidates tied with the first one on every static criterion (caseload and id aside)."""
    if len(unconditional) < 2:
        return []
    static = [i for i, c in enumerate(compiled.tie_break) if c not in ("caseload", "id")]
    ranked = sorted((here[c.structure] for c in unconditional), key=lambda s: compiled.lead_key(s, preferred))
    first = compiled.lead_key(ranked[0], preferred)
    tied = [s for s in ranked if all(compiled.lead_key(s, preferred)[i] == first[i] for i in static)]
    if len(tied) < 2:
        return []
    decided_by = "caseload" if "caseload" in compiled.tie_break else "id"
    candidates = tuple(Candidate(s.id) for s in tied)
    return [Finding("lead", nature, kind, None, "tie", candidates, decided_by)]


# --- needs ----------------------------------------------------------------------------------------


def _need(compiled: CompiledRules, cls: CommuneClass, nature: str, kind: str, need: str) -> Finding | None:
    """A gap or a conditional coverage of ``need`` for (nature, kind) in the class; None when covered."""
    fired = [r for r in cls.rules if r.role == "support" and r.need in (None, need) and _applies(r.when, nature, kind)]
    excluded_full = {r.structure for r in fired if r.action == "exclude" and _full(r.when, need)}
    excluded_some = {r.structure: r.id for r in fired if r.action == "exclude" and not _full(r.when, need)}
    found: list[Candidate] = []
    for s in cls.structures:
        if need in s.support_needs and _admits(s, nature, kind) and s.id not in excluded_full:
            candidate = _candidate(s, structure_conditions(s, need), excluded_some)
            if not candidate.conditions:
                return None
            found.append(candidate)
    here = {s.id: s for s in cls.structures}
    for rule in fired:
        s = here.get(rule.structure)  # type: ignore[assignment]
        if rule.action == "exclude" or s is None or not _admits(s, nature, kind) or s.id in excluded_full:
            continue
        if (rule.need is None or rule.action == "prefer") and need not in s.support_needs:
            continue
        conditions = structure_conditions(s)
        if not _full(rule.when, need):
            conditions.append(_("when rule {rule} fires").format(rule=rule.id))
        candidate = _candidate(s, conditions, excluded_some)
        if not candidate.conditions:
            return None
        found.append(candidate)
    status = "conditional" if found else "gap"
    return Finding("support", nature, kind, need, status, tuple(dict.fromkeys(found)))
