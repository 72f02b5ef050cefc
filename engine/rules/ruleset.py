"""A loaded, validated rules directory: what routing, checks and reports work from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine import activities
from engine.rules.model import Condition, OrientationSpec, RoutingPolicy, StructureSpec, TerritorySpec
from engine.territory import Territory


@dataclass
class RuleSet:
    """The territory, the structures (sorted by id), the routing policy and the rules' version.

    ``version`` identifies the exact rules a suggestion was computed with: the git revision of the
    rules directory when it is clean in a git work tree, else a content hash (``sha256:…``).
    ``locations`` maps a structure id or a routing rule id to ``(file, line)`` for explanations.
    """

    rules_dir: Path
    territory: Territory
    structures: dict[str, StructureSpec]
    policy: RoutingPolicy
    version: str
    locations: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: Structures outside the network (``orientation.yaml``), never lead nor support: orientation only.
    orientations: list[OrientationSpec] = field(default_factory=list)

    def communes_of(self, structure_id: str) -> frozenset[str]:
        """INSEE codes of the communes a structure covers (its territory resolved)."""
        return resolve_territory(self.structures[structure_id].territory, self.territory)

    def competent(
        self,
        structure_id: str,
        commune: str,
        *,
        role: str = "lead",
        nature: str | None = None,
        need: str | None = None,
        kind: str | None = None,
        stage: str | None = None,
        naf: str | None = None,
        employees: int | None = None,
        publics: Iterable[str] = (),
        artisan_registered: bool | None = None,
    ) -> bool:
        """Whether the structure's own file lets it take such a fiche in ``role`` ('lead' or 'support').

        Only the structure's file counts: active, territory, competence filters, the natures it leads,
        the needs it supports (a need limited to NAF prefixes needs ``naf``).  The coordinator's rules
        of routing.yaml are routing's business (:mod:`engine.routing`).  ``nature`` is the activity's
        nature: a new artisanal firm above ten employees counts as commercial, a registered one keeps
        the CMA (droit de suite, :func:`engine.activities.effective_nature`).  A fact left None is not checked.
        """
        spec = self.structures[structure_id]
        comp = spec.competence
        nature = activities.effective_nature(nature, employees, kind, artisan_registered)
        checks = [
            spec.active,
            commune in self.communes_of(structure_id),
            _allows(comp.kinds, kind),
            _allows(comp.stages, stage),
            _allows(comp.natures, nature),
            naf is None or not comp.naf_prefixes or any(naf.startswith(p) for p in comp.naf_prefixes),
            not comp.requires_publics or bool(set(comp.requires_publics) & set(publics)),
            employees is None or comp.max_employees is None or employees <= comp.max_employees,
        ]
        if role == "lead":
            checks.append(spec.lead is not None and _allows(spec.lead.natures, nature))
        else:
            checks.append(need is None or need in spec.support.needs)
            only = spec.support.naf_prefixes.get(need or "", [])  # type: ignore[call-overload]
            checks.append(not only or (naf is not None and any(naf.startswith(p) for p in only)))
        return all(checks)


#: Kinds of structure that receive porteurs first without leading them (the seed: "des professionnels
#: du premier accueil répartis sur le territoire"): the communautés de communes and the Parc.
FIRST_RECEPTION_KINDS = ("epci", "parc")


def first_reception_structures(ruleset: RuleSet) -> frozenset[str]:
    """The structures of first reception: active communautés de communes and the Parc that never lead."""
    return frozenset(
        sid
        for sid, spec in ruleset.structures.items()
        if spec.kind in FIRST_RECEPTION_KINDS and spec.lead is None and spec.active
    )


def _allows(allowed: Sequence[str], value: str | None) -> bool:
    """An empty filter allows anything; an unknown value is not checked."""
    return not allowed or value is None or value in allowed


def resolve_territory(spec: TerritorySpec, territory: Territory) -> frozenset[str]:
    """The communes a territory specification covers: union of what is listed, minus exclusions.

    Unknown codes are ignored here: pass 2 of validation reports them with their location.
    """
    if spec.whole_network:
        covered = set(territory.communes)
    else:
        covered = set()
        for code in spec.departments:
            covered |= {c.insee for c in territory.communes.values() if c.department == code}
        for net in spec.local_networks:
            if net in territory.local_networks:
                covered |= territory.local_networks[net].communes
        for siren in spec.intercommunals:
            if siren in territory.intercommunals:
                covered |= territory.intercommunals[siren].communes
        covered |= {c for c in spec.communes if c in territory.communes}
    covered -= set(spec.except_communes)
    covered = {c for c in covered if territory.communes[c].department not in spec.except_departments}
    for net in spec.except_local_networks:
        if net in territory.local_networks:
            covered -= territory.local_networks[net].communes
    for siren in spec.except_intercommunals:
        if siren in territory.intercommunals:
            covered -= territory.intercommunals[siren].communes
    return frozenset(covered)


def condition_communes(cond: Condition, territory: Territory) -> frozenset[str] | None:
    """The communes a ``when`` condition's places allow (their intersection), or None when it names none.

    Shared by routing (which compiles the condition) and validation (which checks it can ever fire),
    so both read a condition's places the same way.
    """
    places: list[frozenset[str]] = []
    if cond.departments:
        places.append(frozenset(c.insee for c in territory.communes.values() if c.department in cond.departments))
    if cond.local_networks:
        nets = [territory.local_networks[n].communes for n in cond.local_networks if n in territory.local_networks]
        places.append(frozenset().union(*nets))
    if cond.intercommunals:
        bodies = [territory.intercommunals[s].communes for s in cond.intercommunals if s in territory.intercommunals]
        places.append(frozenset().union(*bodies))
    if cond.communes:
        places.append(frozenset(cond.communes) & frozenset(territory.communes))
    return frozenset.intersection(*places) if places else None
