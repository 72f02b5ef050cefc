"""A seeded synthetic year of fiches for the demo, the tests and the benchmarks.

**Synthetic**: no real porteur is in here.  The sample is shaped on the network so it looks like a
real year: communes drawn in proportion to their population, activities drawn from the NAF codes
of ``data/naf_nature.csv`` (artisanal and commercial trades) and from the sections of farming and
liberal professions, needs and publics that go with the kind of project, the structure that
received the porteur chosen among those covering the commune.  Names, emails and phones are made up
(``@example.org`` addresses, phone numbers in the 06 99 range).  Same network, seed and end date →
same fiches, in the same order.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from engine import activities
from engine.fiche import Fiche
from engine.vocabulary import KINDS

FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Julie", "Sarah", "Marion", "Claire", "Anaïs", "Lucie", "Pauline",
    "Thomas", "Nicolas", "Julien", "Maxime", "Antoine", "Pierre", "Romain", "Hugo", "Louis", "Mathieu", "Bruno",
    "Sébastien",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Roux", "Fournier", "Girard", "Bonnet", "Dupuy", "Chabrier", "Vidal", "Bourdier",
    "Chassaigne", "Faure", "Bayle", "Rochon", "Tixier", "Chomette", "Boudon", "Marcheix", "Sauvadet", "Pradier",
)  # fmt: skip

#: Share of each kind of project in a year (creation dominates, as in the network's yearly figures).
KIND_WEIGHTS = {"creation": 0.62, "takeover": 0.18, "development": 0.20}
#: Share of each nature of activity.
NATURE_WEIGHTS = {"artisanal": 0.38, "commercial": 0.30, "agricultural": 0.16, "liberal": 0.16}
#: Divisions drawn for the natures the nature table leaves to their NAF section.
_SECTION_PREFIXES = {
    "commercial": ("47.", "55.", "56.", "46."),
    "agricultural": ("01.", "02."),
    "liberal": ("69.", "70.22", "71.1", "74.", "86.2", "86.9", "85.5"),
}
#: Probability of each need by kind of project.
NEEDS_BY_KIND = {
    "creation": {
        "business_plan": 0.7, "legal_status": 0.5, "honour_loan": 0.45, "bank_loan": 0.4, "training": 0.25,
        "guarantee": 0.2, "grant": 0.2, "premises": 0.25, "microcredit": 0.08, "activity_test": 0.05,
        "cooperative": 0.04, "housing": 0.05, "spouse_job": 0.03,
    },
    "takeover": {
        "takeover_search": 0.5, "business_plan": 0.6, "honour_loan": 0.5, "bank_loan": 0.6, "guarantee": 0.35,
        "legal_status": 0.3, "housing": 0.05,
    },
    "development": {
        "investment": 0.5, "bank_loan": 0.4, "grant": 0.35, "premises": 0.3, "post_creation": 0.3,
        "guarantee": 0.2, "transmission": 0.08,
    },
}  # fmt: skip


@dataclass(frozen=True)
class _Codes:
    """NAF codes by nature (each code's nature as the nature table derives it)."""

    by_nature: dict[str, list[str]]


def _codes() -> _Codes:
    table = activities.nature_table()
    codes = sorted(activities.nomenclature())
    by_nature: dict[str, list[str]] = {n: [] for n in NATURE_WEIGHTS}
    for code in codes:
        finding = activities.nature_of(code)
        in_table = not finding.matched.startswith("section")
        drawn = in_table and any(code.startswith(p) for p in table)
        drawn = drawn or any(code.startswith(p) for p in _SECTION_PREFIXES.get(finding.nature, ()))
        if drawn and finding.nature in by_nature:
            by_nature[finding.nature].append(code)
    return _Codes(by_nature)


def generate(
    network: Any,
    count: int = 500,
    *,
    seed: int = 2026,
    end: dt.date | None = None,
    days: int = 365,
    returning: float = 0.0,
) -> list[Fiche]:
    """``count`` valid fiches received in the ``days`` days up to ``end`` (default today), oldest first.

    ``returning``: the share of fiches whose porteur already has one (same name, e-mail and phone: a
    porteur who comes back with another project, or met by a second structure).
    """
    return list(iter_fiches(network, count, seed=seed, end=end, days=days, returning=returning))


def iter_fiches(
    network: Any,
    count: int,
    *,
    seed: int = 2026,
    end: dt.date | None = None,
    days: int = 365,
    returning: float = 0.0,
) -> Iterator[Fiche]:
    """Stream the sample (for benchmarks of 100,000 fiches), oldest first within each block of 10,000."""
    end = end or dt.date.today()
    rng = random.Random(seed)
    territory = network.territory
    communes = sorted(territory.communes.values(), key=lambda c: c.insee)
    weights = [max(c.population, 1) for c in communes]
    codes = _codes()
    receivers = _receivers(network)
    ctx = network.fiche_context()
    for start in range(0, count, 10_000):
        block: list[dict[str, Any]] = []
        for _ in range(min(10_000, count - start)):
            received = end - dt.timedelta(days=rng.randrange(days))
            commune = rng.choices(communes, weights)[0]
            data = _draw(rng, received, commune, codes, receivers.get(commune.insee, []))
            if returning and block and rng.random() < returning:
                data["porteur"] = dict(rng.choice(block)["porteur"])
            block.append(data)
        block.sort(key=lambda d: d["received"])
        for data in block:
            yield Fiche.model_validate(data, context=ctx)


def _draw(rng: random.Random, received: dt.date, commune: Any, codes: _Codes, receivers: list[str]) -> dict[str, Any]:
    kind = _pick(rng, KIND_WEIGHTS)
    nature = _pick(rng, NATURE_WEIGHTS)
    naf = rng.choice(codes.by_nature[nature])
    needs = [n for n, p in NEEDS_BY_KIND[kind].items() if rng.random() < p]
    if nature == "agricultural":
        needs += [n for n, p in (("farm_installation", 0.7), ("land", 0.4)) if rng.random() < p]
    if not needs:
        needs = ["business_plan" if kind != "development" else "investment"]
    publics = []
    if kind == "creation" and rng.random() < 0.45:
        publics.append("job_seeker")
    for public, p in (("young", 0.15), ("benefit_recipient", 0.08), ("no_bank_access", 0.07)):
        if rng.random() < p:
            publics.append(public)
    if nature == "agricultural" and rng.random() < 0.6:
        publics.append("farmer")
    if "no_bank_access" in publics and "microcredit" not in needs:
        needs.append("microcredit")
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    employees = rng.choice((0, 0, 0, 1, 1, 2, 3)) if kind != "development" else rng.randrange(2, 25)
    activity = activities.nomenclature()[naf].label
    data: dict[str, Any] = {
        "received": received.isoformat(),
        "summary": f"{KINDS[kind]}: {activity[:80]}",
        "porteur": {
            "name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower()}.{rng.randrange(1000)}@example.org",
            "phone": f"06 99 {rng.randrange(100):02d} {rng.randrange(100):02d} {rng.randrange(100):02d}",
            "consent_network": rng.random() < 0.3,
        },
        "commune": commune.insee,
        "kind": kind,
        "naf": naf,
        "employees": employees,
        "needs": needs,
        "publics": publics,
    }
    if receivers and rng.random() < 0.9:
        data["received_by"] = rng.choice(receivers)
    return data


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _receivers(network: Any) -> dict[str, list[str]]:
    """Active structures covering each commune (who may first meet a porteur there)."""
    rules = getattr(network, "rules", None)
    if rules is None:
        return {}
    out: dict[str, list[str]] = {}
    for sid in sorted(rules.structures):
        if not rules.structures[sid].active:
            continue
        for code in rules.communes_of(sid):
            out.setdefault(code, []).append(sid)
    return {code: sorted(ids) for code, ids in out.items()}
