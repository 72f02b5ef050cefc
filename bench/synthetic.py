"""A reproducible national-scale network for the routing benchmark (seeded; nothing is downloaded).

About 35,000 communes in 100 departments (350 each, 25 intercommunal bodies of 14 communes, 3
local networks per department), about 2,000 structures shaped like Cap Actif's members — per
department a CMA, a chamber of agriculture, a guarantee fund, a couveuse, a comité d'expansion,
one CCI and one PFIL per local network, a communauté de communes per intercommunal body (some);
a few national structures (ADIE, Urscop, a Boutique de Gestion per region) — and coordinator rules
of every action.  Fiches draw a commune, an activity (NAF code), a headcount, needs and publics.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from engine.activities import nomenclature
from engine.fiche import Fiche
from engine.rules.model import RoutingPolicy, RoutingRule, StructureSpec
from engine.rules.ruleset import RuleSet
from engine.territory import Commune, Intercommunal, LocalNetwork, Territory
from engine.vocabulary import NEEDS, PUBLICS

DEPARTMENTS = 100
COMMUNES_PER_DEPARTMENT = 350
BODY_SIZE = 14
NETWORKS_PER_DEPARTMENT = 3
REGION_SIZE = 8  # departments per Boutique de Gestion


def territory() -> Territory:
    """The synthetic territory (deterministic: no randomness in its shape)."""
    communes: dict[str, Commune] = {}
    networks: dict[str, set[str]] = {}
    bodies: dict[str, set[str]] = {}
    departments = {}
    for d in range(1, DEPARTMENTS + 1):
        dep = f"{d:03d}"
        departments[dep] = f"Département {dep}"
        for i in range(COMMUNES_PER_DEPARTMENT):
            insee = f"{dep}{i:03d}"
            net = f"n{dep}-{i * NETWORKS_PER_DEPARTMENT // COMMUNES_PER_DEPARTMENT}"
            body = f"2{dep}{i // BODY_SIZE:05d}"
            communes[insee] = Commune(
                insee=insee, name=f"Commune {insee}", department=dep, arrondissement=f"{dep}0",
                arrondissement_name="", population=1000, epci=body, epci_name=f"CC {body}", epci_2004="",
                epci_2004_name="", local_network=net,
            )  # fmt: skip
            networks.setdefault(net, set()).add(insee)
            bodies.setdefault(body, set()).add(insee)
    return Territory(
        communes,
        departments,
        {n: LocalNetwork(n, n, frozenset(c)) for n, c in networks.items()},
        {b: Intercommunal(b, f"CC {b}", 2026, frozenset(c)) for b, c in bodies.items()},
    )


def _spec(**fields: Any) -> StructureSpec:
    return StructureSpec.model_validate(fields)


def ruleset(seed: int = 2025) -> RuleSet:
    """About 2,000 structures and 60 coordinator rules over :func:`territory`."""
    rng = random.Random(seed)
    terr = territory()
    specs: list[StructureSpec] = []
    industrial = [f"{n:02d}" for n in range(10, 34)]
    chamber_needs = ["business_plan", "training", "legal_status", "transmission", "post_creation"]
    test_only = {"kinds": ["creation"], "stages": ["idea", "study"]}
    for d in range(1, DEPARTMENTS + 1):
        dep = f"{d:03d}"
        in_dep = {"departments": [dep]}
        specs += [
            _spec(id=f"cma-{dep}", name="CMA", kind="cma", territory=in_dep, lead={"natures": ["artisanal"]},
                  competence={"natures": ["artisanal"]},
                  support={"needs": ["business_plan", "training", "legal_status", "transmission", "post_creation"]},
                  capacity=rng.choice([None, 400])),
            _spec(id=f"agri-{dep}", name="Chambre d'agriculture", kind="agriculture", territory=in_dep,
                  lead={"natures": ["agricultural"]}, competence={"natures": ["agricultural"]},
                  support={"needs": ["farm_installation", "business_plan", "training", "post_creation"]}),
            _spec(id=f"garantie-{dep}", name="Garantie", kind="guarantee", territory=in_dep,
                  competence={"kinds": ["creation", "takeover", "development"]}, support={"needs": ["guarantee"]}),
            _spec(id=f"couveuse-{dep}", name="Couveuse", kind="incubator", territory=in_dep,
                  competence=test_only, support={"needs": ["activity_test"]}),
            _spec(id=f"expansion-{dep}", name="Expansion", kind="expansion", territory=in_dep,
                  support={"needs": ["investment", "premises", "land"],
                           "naf_prefixes": {"premises": industrial, "land": industrial}}),
        ]  # fmt: skip
        for n in range(NETWORKS_PER_DEPARTMENT):
            net = f"n{dep}-{n}"
            specs += [
                _spec(id=f"cci-{dep}-{n}", name="CCI", kind="cci", territory={"local_networks": [net]},
                      lead={"natures": ["commercial"]}, competence={"natures": ["commercial"]},
                      support={"needs": chamber_needs}),
                _spec(id=f"pfil-{dep}-{n}", name="PFIL", kind="pfil", territory={"local_networks": [net]},
                      competence={"kinds": ["creation", "takeover"]},
                      support={"needs": ["honour_loan", "bank_loan", "post_creation"]}),
            ]  # fmt: skip
        for b in range(0, COMMUNES_PER_DEPARTMENT // BODY_SIZE, 3):  # one body in three has a CC in the network
            body = f"2{dep}{b:05d}"
            specs.append(
                _spec(id=f"cc-{body}", name="CC", kind="epci", territory={"intercommunals": [body]},
                      support={"needs": ["premises", "land", "grant"]})
            )  # fmt: skip
    for r in range(0, DEPARTMENTS, REGION_SIZE):
        deps = [f"{d:03d}" for d in range(r + 1, min(r + REGION_SIZE, DEPARTMENTS) + 1)]
        specs.append(
            _spec(id=f"bge-{r // REGION_SIZE:02d}", name="BGE", kind="bge", territory={"departments": deps},
                  lead={"natures": ["liberal"]},
                  support={"needs": ["business_plan", "training", "legal_status", "bank_loan", "post_creation"]})
        )  # fmt: skip
    specs += [
        _spec(id="adie", name="ADIE", kind="microcredit", territory={"whole_network": True},
              competence={"kinds": ["creation", "development"]}, support={"needs": ["microcredit", "post_creation"]}),
        _spec(id="urscop", name="Urscop", kind="cooperative", territory={"whole_network": True},
              support={"needs": ["cooperative", "transmission"]}),
        _spec(id="parc", name="Réseau national", kind="parc", territory={"whole_network": True},
              support={"needs": ["housing", "spouse_job", "takeover_search"]}),
    ]  # fmt: skip
    rules = []
    for i in range(60):
        dep = f"{rng.randint(1, DEPARTMENTS):03d}"
        kind = i % 4
        if kind == 0:
            rules.append(
                RoutingRule(
                    id=f"r{i}",
                    why="no couveuse for building trades",
                    action="exclude",
                    structure=f"couveuse-{dep}",
                    role="support",
                    need="activity_test",
                    when={"naf_prefixes": ["41", "42", "43"], "departments": [dep]},
                )
            )
        elif kind == 1:
            rules.append(
                RoutingRule(
                    id=f"r{i}",
                    why="takeovers with a bank loan get an honour loan",
                    action="prefer",
                    structure=f"pfil-{dep}-0",
                    role="support",
                    need="honour_loan",
                    when={"kinds": ["takeover"], "needs_any": ["bank_loan"], "local_networks": [f"n{dep}-0"]},
                )
            )
        elif kind == 2:
            rules.append(
                RoutingRule(
                    id=f"r{i}",
                    why="large firms are followed by the CCI",
                    action="exclude",
                    structure=f"cma-{dep}",
                    when={"employees_above": 8, "departments": [dep]},
                )
            )
        else:
            rules.append(
                RoutingRule(
                    id=f"r{i}",
                    why="no bank access: microcredit",
                    action="require",
                    structure="adie",
                    role="support",
                    need="microcredit",
                    when={"publics_any": ["no_bank_access"], "needs_any": ["bank_loan"], "departments": [dep]},
                )
            )
    bge = [s.id for s in specs if s.kind == "bge"]
    policy = RoutingPolicy(fallback_lead=bge, rules=rules)
    return RuleSet(
        rules_dir=Path("synthetic"),
        territory=terr,
        structures={s.id: s for s in sorted(specs, key=lambda s: s.id)},
        policy=policy,
        version=f"synthetic:{seed}",
    )


def fiches(rs: RuleSet, count: int, seed: int = 7) -> list[Fiche]:
    """``count`` valid fiches over the rule set's territory (seeded)."""
    rng = random.Random(seed)
    codes = list(rs.territory.communes)
    nafs = [c for c in sorted(nomenclature()) if c[:2] in {"01", "10", "25", "43", "45", "47", "56", "62", "69", "96"}]
    needs, publics = list(NEEDS), list(PUBLICS)
    kinds, stages = ["creation"] * 6 + ["takeover"] * 3 + ["development"], ["idea", "study", "financing"]
    out = []
    for i in range(count):
        naf = rng.choice(nafs) if rng.random() < 0.9 else None
        out.append(
            Fiche.model_validate({
                "id": f"F-2025-{i + 1:06d}", "received": "2025-03-01", "commune": rng.choice(codes),
                "kind": rng.choice(kinds), "stage": rng.choice(stages), "naf": naf,
                "employees": rng.choice([None, 0, 1, 2, 3, 5, 9, 10, 11, 25]),
                "needs": rng.sample(needs, rng.choice([0, 1, 2, 2, 3, 4])),
                "publics": rng.sample(publics, rng.choice([0, 0, 1, 2])),
            })
        )  # fmt: skip
    return out
