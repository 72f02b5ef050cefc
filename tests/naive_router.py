"""The reference: the same routing by a plain scan of every structure and rule, as written.

:class:`NaiveRouter` finds candidates the obvious way — for each fiche, every structure file's
territory and competence and every rule's ``when`` are evaluated from the rules as written
(departments, local networks, intercommunal bodies, communes, exclusions) — and then ranks them
with the same :func:`engine.routing.suggest.decide` and the same reason text as :func:`suggest`.
Tests check that both give the same suggestion; ``bench/bench_suggest.py`` measures how much the
indexes gain over it.
"""

from __future__ import annotations

from typing import Any

from engine.routing.compile import CompiledRules, CompiledStructure
from engine.routing.suggest import Caseload, Declined, Suggestion, decide
from engine.rules.model import Condition, TerritorySpec
from engine.rules.ruleset import RuleSet
from engine.territory import Commune


def covers(spec: TerritorySpec, c: Commune) -> bool:
    """The territory as written covers the commune (the semantics of ``resolve_territory``)."""
    inside = (
        spec.whole_network
        or c.department in spec.departments
        or c.local_network in spec.local_networks
        or c.epci in spec.intercommunals
        or c.epci_2004 in spec.intercommunals
        or c.insee in spec.communes
    )
    if not inside or c.insee in spec.except_communes:
        return False
    if c.department in getattr(spec, "except_departments", ()) or c.local_network in getattr(
        spec, "except_local_networks", ()
    ):
        return False
    return not (c.epci in spec.except_intercommunals or c.epci_2004 in spec.except_intercommunals)


def condition_holds(when: Condition, c: Commune, fiche: Any, nature: str | None) -> bool:
    """A rule's ``when`` evaluated field by field, as written."""
    if when.departments and c.department not in when.departments:
        return False
    if when.local_networks and c.local_network not in when.local_networks:
        return False
    if when.intercommunals and c.epci not in when.intercommunals and c.epci_2004 not in when.intercommunals:
        return False
    if when.communes and c.insee not in when.communes:
        return False
    if when.kinds and fiche.kind not in when.kinds:
        return False
    if when.natures and nature not in when.natures:
        return False
    if when.stages and fiche.stage not in when.stages:
        return False
    if when.needs_any and not any(n in when.needs_any for n in fiche.needs):
        return False
    if when.needs_all and not all(n in fiche.needs for n in when.needs_all):
        return False
    if when.publics_any and not any(p in when.publics_any for p in fiche.publics):
        return False
    if when.naf_prefixes and not (fiche.naf and any(fiche.naf.startswith(p) for p in when.naf_prefixes)):
        return False
    employees = fiche.employees or 0
    if when.employees_above is not None and employees <= when.employees_above:
        return False
    return when.employees_at_most is None or employees <= when.employees_at_most


class NaiveRouter:
    """Suggestions by scanning every structure and rule for every fiche (the baseline)."""

    def __init__(self, ruleset: RuleSet, compiled: CompiledRules) -> None:
        self.ruleset = ruleset
        self.compiled = compiled
        self._compiled_rules = {r.order: r for r in compiled.rules}

    def __call__(
        self, fiche: Any, caseload: Caseload | None = None, *, alternatives: int = 0, declined: Declined | None = None
    ) -> Suggestion:
        """The same suggestion as :func:`engine.routing.suggest`, found by a linear scan."""
        rs, compiled = self.ruleset, self.compiled
        c = rs.territory.communes[fiche.commune]
        nature = fiche.effective_nature
        fired = [
            self._compiled_rules[i]
            for i, rule in enumerate(rs.policy.rules)
            if i in self._compiled_rules and condition_holds(rule.when, c, fiche, nature)
        ]
        here = [sid for sid, spec in rs.structures.items() if spec.active and covers(spec.territory, c)]
        pools: dict[str, list[CompiledStructure]] = {}
        for step in compiled.lead_steps:
            if step == "nature":
                found = [
                    sid
                    for sid in here
                    if (lead := rs.structures[sid].lead) is not None
                    and (not lead.natures or nature in lead.natures)
                    and (not rs.structures[sid].competence.natures or nature in rs.structures[sid].competence.natures)
                ]
            else:
                found = [sid for sid in here if sid in compiled.fallback_lead]
            pools[step] = sorted((compiled.structures[sid] for sid in found), key=lambda s: s.rank)

        def support_pool(_commune: str, need: str) -> list[CompiledStructure]:
            found = [compiled.structures[sid] for sid in here if need in rs.structures[sid].support.needs]
            return sorted(found, key=compiled.support_key)

        refused = declined or Declined()
        commune = fiche.commune
        return decide(fiche, compiled, commune, nature, fired, pools, support_pool, caseload, alternatives, refused)
