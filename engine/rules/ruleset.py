"""A loaded, validated rules directory: what routing, checks and reports work from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.rules.model import RoutingPolicy, StructureSpec, TerritorySpec
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

    def communes_of(self, structure_id: str) -> frozenset[str]:
        """INSEE codes of the communes a structure covers (its territory resolved)."""
        return resolve_territory(self.structures[structure_id].territory, self.territory)


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
