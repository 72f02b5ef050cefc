"""Hand-made networks on the real territory, for the routing tests (not a test module)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from engine.fiche import Fiche, context
from engine.rules.model import RoutingPolicy, RoutingRule, StructureSpec
from engine.rules.ruleset import RuleSet
from engine.territory import Territory, load_territory

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"


@cache
def territory() -> Territory:
    """The bundled territory (191 communes, local networks thiers / ambert / brioude)."""
    return load_territory(RULES_DIR)


def structure(sid: str, **fields: Any) -> StructureSpec:
    """A structure spec with a name, a kind and a territory by default (the whole network)."""
    data: dict[str, Any] = {"id": sid, "name": sid.upper(), "kind": "bge", "territory": {"whole_network": True}}
    data.update(fields)
    return StructureSpec.model_validate(data)


def rule(rid: str, action: str, sid: str, **fields: Any) -> RoutingRule:
    """A coordinator rule with a 'why'."""
    return RoutingRule.model_validate(
        {"id": rid, "why": f"because of {rid}", "action": action, "structure": sid, **fields}
    )


def ruleset(*structures: StructureSpec, version: str = "test-1", **policy: Any) -> RuleSet:
    """A rule set over the bundled territory."""
    return RuleSet(
        rules_dir=RULES_DIR,
        territory=territory(),
        structures={s.id: s for s in sorted(structures, key=lambda s: s.id)},
        policy=RoutingPolicy.model_validate(policy),
        version=version,
        locations={},
    )


def fiche(**fields: Any) -> Fiche:
    """A valid fiche (received 2025-03-01, creation, in Ambert unless told otherwise)."""
    data: dict[str, Any] = {"received": "2025-03-01", "kind": "creation", "commune": "63003"}
    data.update(fields)
    return Fiche.model_validate(data, context=context(territory()))
