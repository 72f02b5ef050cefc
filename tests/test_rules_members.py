"""The bundled Cap Actif network: what each member covers, and what it does not (territory and competence).

These are coverage facts from each structure's own file (``RuleSet.competent``); which structure a
fiche is routed to is tested with routing itself.
"""

from __future__ import annotations

import pytest

from engine import paths
from engine.rules.loader import load_rules

# Communes used below: INSEE code, name (local network, 2004 intercommunal body).
AMBERT = "63003"  # ambert, CC Pays d'Ambert
ARLANC = "63010"  # ambert, CC du Pays d'Arlanc
AIX_LA_FAYETTE = "63002"  # ambert, CC du Haut Livradois
BAFFIE = "63027"  # ambert, CC Vallée de l'Ance
CUNLHAT = "63132"  # ambert, CC du Pays de Cunlhat
OLLIERGUES = "63258"  # ambert, CC du Pays d'Olliergues
GRANDRIF = "63173"  # ambert, CC Livradois Porte d'Auvergne
SAUXILLANGES = "63415"  # ambert (Issoire arrondissement), CC du Pays de Sauxillanges (not a member)
THIERS = "63430"  # thiers, CC de Thiers communauté
COURPIERE = "63125"  # thiers, CC du Pays de Courpière
ARCONSAT = "63008"  # thiers, CC de la Montagne Thiernoise
BORT_L_ETANG = "63045"  # thiers, CC entre Dore et Allier
BILLOM = "63040"  # thiers (Clermont arrondissement), CC de Billom Saint Dier
LA_CHAISE_DIEU = "43048"  # brioude (Haute-Loire)
NOIRETABLE = "42159"  # ambert (Loire, Montbrison arrondissement)
LAVOINE = "03141"  # thiers (Allier, Vichy arrondissement)


@pytest.fixture(scope="module")
def rules():
    """The bundled rules, loaded once for the module."""
    return load_rules(paths.bundled("rules"))


MEMBER_IDS = {
    "cci-thiers", "cci-ambert", "cci-brioude", "cma-63", "cma-43", "agri-63", "agri-43", "pfil-thiers",
    "pfil-ambert", "adie", "adret", "garantie-63", "urscop", "appuy-createurs", "expansion-63", "parc",
    "cc-haut-livradois", "cc-vallee-ance", "cc-arlanc", "cc-ambert", "cc-cunlhat", "cc-olliergues",
    "cc-livradois-porte-auvergne", "cc-courpiere", "cc-montagne-thiernoise", "cc-entre-dore-allier", "cc-thiers",
    "cc-billom-saint-dier",
}  # fmt: skip


def test_every_member_of_the_seed_list_is_there_and_active(rules):
    """The bundled network holds the seed's members with the agreed ids, all active."""
    assert set(rules.structures) == MEMBER_IDS
    assert all(spec.active for spec in rules.structures.values())
    assert sum(1 for sid in rules.structures if sid.startswith("cc-")) == 12


def test_only_the_chambers_and_adret_can_lead(rules):
    """The référent is always a chamber or the Boutique de Gestion: support structures never lead."""
    leaders = {sid for sid, spec in rules.structures.items() if spec.can_lead}
    assert leaders == {"cci-thiers", "cci-ambert", "cci-brioude", "cma-63", "cma-43", "agri-63", "agri-43", "adret"}
    assert rules.policy.fallback_lead == ["adret"]


@pytest.mark.parametrize("nature", ["artisanal", "commercial", "agricultural"])
def test_one_chamber_per_commune_and_nature_except_loire_and_allier(rules, nature):
    """Each 63/43 commune has exactly one competent chamber per nature; the 42/03 communes have none."""
    chambers = [sid for sid in rules.structures if sid.split("-")[0] in ("cci", "cma", "agri")]
    for code, commune in rules.territory.communes.items():
        competent = [sid for sid in chambers if rules.competent(sid, code, role="lead", nature=nature)]
        expected = 0 if commune.department in ("42", "03") else 1
        assert len(competent) == expected, (commune, competent)


def test_liberal_projects_are_led_by_adret_everywhere(rules):
    """No chamber leads a liberal project; ADRET does, in every commune."""
    for code in rules.territory.communes:
        leaders = [sid for sid in rules.structures if rules.competent(sid, code, role="lead", nature="liberal")]
        assert leaders == ["adret"]


# (structure, commune, role, facts, expected): each member covers something and not something else.
CASES = [
    ("cci-thiers", THIERS, "lead", {"nature": "commercial"}, True),
    ("cci-thiers", BILLOM, "lead", {"nature": "commercial"}, True),
    ("cci-thiers", THIERS, "lead", {"nature": "artisanal", "employees": 12}, True),
    ("cci-thiers", THIERS, "lead", {"nature": "artisanal", "employees": 3}, False),
    ("cci-thiers", AMBERT, "lead", {"nature": "commercial"}, False),
    ("cci-thiers", LAVOINE, "lead", {"nature": "commercial"}, False),
    ("cci-thiers", THIERS, "support", {"need": "transmission", "nature": "commercial"}, True),
    ("cci-ambert", AMBERT, "lead", {"nature": "commercial"}, True),
    ("cci-ambert", SAUXILLANGES, "lead", {"nature": "commercial"}, True),
    ("cci-ambert", NOIRETABLE, "lead", {"nature": "commercial"}, False),
    ("cci-ambert", THIERS, "lead", {"nature": "commercial"}, False),
    ("cci-brioude", LA_CHAISE_DIEU, "lead", {"nature": "commercial"}, True),
    ("cci-brioude", AMBERT, "lead", {"nature": "commercial"}, False),
    ("cci-brioude", LA_CHAISE_DIEU, "lead", {"nature": "liberal"}, False),
    ("cma-63", AMBERT, "lead", {"nature": "artisanal", "employees": 10}, True),
    ("cma-63", AMBERT, "lead", {"nature": "artisanal", "employees": 11}, False),
    ("cma-63", LA_CHAISE_DIEU, "lead", {"nature": "artisanal"}, False),
    ("cma-63", THIERS, "support", {"need": "training", "nature": "artisanal"}, True),
    ("cma-63", THIERS, "support", {"need": "training", "nature": "commercial"}, False),
    ("cma-43", LA_CHAISE_DIEU, "lead", {"nature": "artisanal"}, True),
    ("cma-43", AMBERT, "lead", {"nature": "artisanal"}, False),
    ("agri-63", BILLOM, "lead", {"nature": "agricultural"}, True),
    ("agri-63", BILLOM, "support", {"need": "farm_installation", "nature": "agricultural"}, True),
    ("agri-63", BILLOM, "lead", {"nature": "commercial"}, False),
    ("agri-63", LA_CHAISE_DIEU, "lead", {"nature": "agricultural"}, False),
    ("agri-43", LA_CHAISE_DIEU, "lead", {"nature": "agricultural"}, True),
    ("agri-43", THIERS, "lead", {"nature": "agricultural"}, False),
    ("pfil-thiers", THIERS, "support", {"need": "honour_loan", "kind": "creation"}, True),
    ("pfil-thiers", LAVOINE, "support", {"need": "honour_loan", "kind": "takeover"}, False),  # its own territory only
    ("pfil-thiers", AMBERT, "support", {"need": "honour_loan"}, False),
    ("pfil-thiers", THIERS, "support", {"need": "honour_loan", "kind": "development"}, False),
    ("pfil-thiers", THIERS, "lead", {"nature": "commercial"}, False),
    ("pfil-ambert", AMBERT, "support", {"need": "honour_loan", "kind": "creation"}, True),
    ("pfil-ambert", NOIRETABLE, "support", {"need": "honour_loan"}, False),  # the Loire: Initiative Loire
    ("pfil-ambert", LA_CHAISE_DIEU, "support", {"need": "honour_loan"}, False),
    ("pfil-ambert", THIERS, "support", {"need": "honour_loan"}, False),
    ("adie", LA_CHAISE_DIEU, "support", {"need": "microcredit", "kind": "creation"}, True),
    ("adie", NOIRETABLE, "support", {"need": "microcredit", "kind": "development"}, True),
    ("adie", THIERS, "support", {"need": "microcredit", "kind": "takeover"}, False),
    ("adie", THIERS, "support", {"need": "guarantee"}, False),
    ("adret", NOIRETABLE, "lead", {"nature": "liberal"}, True),
    ("adret", THIERS, "lead", {"nature": "commercial"}, False),
    ("adret", LA_CHAISE_DIEU, "support", {"need": "business_plan"}, True),
    ("adret", THIERS, "support", {"need": "honour_loan"}, False),
    ("garantie-63", AMBERT, "support", {"need": "guarantee", "kind": "takeover"}, True),
    ("garantie-63", LA_CHAISE_DIEU, "support", {"need": "guarantee"}, False),
    ("garantie-63", NOIRETABLE, "support", {"need": "guarantee"}, False),
    ("urscop", LA_CHAISE_DIEU, "support", {"need": "cooperative"}, True),
    ("urscop", THIERS, "support", {"need": "transmission", "kind": "takeover"}, True),
    ("urscop", THIERS, "support", {"need": "honour_loan"}, False),
    ("appuy-createurs", THIERS, "support", {"need": "activity_test", "kind": "creation", "stage": "idea"}, True),
    ("appuy-createurs", THIERS, "support", {"need": "activity_test", "kind": "creation", "stage": "installed"}, False),
    ("appuy-createurs", THIERS, "support", {"need": "activity_test", "kind": "takeover"}, False),
    ("appuy-createurs", LA_CHAISE_DIEU, "support", {"need": "activity_test", "kind": "creation"}, False),
    ("expansion-63", THIERS, "support", {"need": "premises", "naf": "25.71Z"}, True),
    ("expansion-63", AMBERT, "support", {"need": "land", "naf": "17.12Z"}, True),
    ("expansion-63", AMBERT, "support", {"need": "investment", "naf": "47.11B"}, False),  # industrial only
    ("expansion-63", AMBERT, "support", {"need": "investment", "naf": "25.62B"}, True),
    ("expansion-63", THIERS, "support", {"need": "premises", "naf": "47.11B"}, False),
    ("expansion-63", THIERS, "support", {"need": "premises"}, False),
    ("expansion-63", LA_CHAISE_DIEU, "support", {"need": "investment"}, False),
    ("parc", NOIRETABLE, "support", {"need": "housing"}, True),
    ("parc", LA_CHAISE_DIEU, "support", {"need": "takeover_search"}, True),
    ("parc", THIERS, "support", {"need": "premises"}, False),
    ("parc", THIERS, "lead", {"nature": "liberal"}, False),
]


@pytest.mark.parametrize(("structure", "commune", "role", "facts", "expected"), CASES)
def test_member_covers(rules, structure, commune, role, facts, expected):
    """A member's file covers exactly what the network decided (territory and competence)."""
    assert rules.competent(structure, commune, role=role, **facts) is expected


# Each communauté de communes: one of its communes, and a neighbour of another member body.
COMMUNAUTES = [
    ("cc-haut-livradois", AIX_LA_FAYETTE, AMBERT),
    ("cc-vallee-ance", BAFFIE, AIX_LA_FAYETTE),
    ("cc-arlanc", ARLANC, BAFFIE),
    ("cc-ambert", AMBERT, ARLANC),
    ("cc-cunlhat", CUNLHAT, OLLIERGUES),
    ("cc-olliergues", OLLIERGUES, CUNLHAT),
    ("cc-livradois-porte-auvergne", GRANDRIF, BILLOM),
    ("cc-courpiere", COURPIERE, THIERS),
    ("cc-montagne-thiernoise", ARCONSAT, COURPIERE),
    ("cc-entre-dore-allier", BORT_L_ETANG, ARCONSAT),
    ("cc-thiers", THIERS, BORT_L_ETANG),
    ("cc-billom-saint-dier", BILLOM, GRANDRIF),
]


@pytest.mark.parametrize(("structure", "own", "other"), COMMUNAUTES)
def test_communaute_covers_its_own_communes_only(rules, structure, own, other):
    """A communauté de communes supports premises, land and grants on its communes, not elsewhere, never leads."""
    for need in ("premises", "land", "grant"):
        assert rules.competent(structure, own, role="support", need=need)
        assert not rules.competent(structure, other, role="support", need=need)
    assert not rules.competent(structure, own, role="support", need="honour_loan")
    assert not rules.competent(structure, own, role="lead", nature="commercial")


def test_communautes_cover_their_2004_bodies_without_overlap(rules):
    """The 12 communautés cover disjoint sets of communes, each its whole 2004 body."""
    seen: set[str] = set()
    for structure, _, _ in COMMUNAUTES:
        covered = rules.communes_of(structure)
        (siren,) = rules.structures[structure].territory.intercommunals
        assert covered == rules.territory.intercommunals[siren].communes
        assert rules.territory.intercommunals[siren].year == 2004
        assert not covered & seen
        seen |= covered
    assert SAUXILLANGES not in seen and LA_CHAISE_DIEU not in seen and NOIRETABLE not in seen
