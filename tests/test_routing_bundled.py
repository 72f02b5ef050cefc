"""Routing on the bundled Cap Actif network: one test per routing choice of the network."""

from __future__ import annotations

from functools import cache

import pytest

from engine import network, paths
from engine.fiche import Fiche
from engine.routing import compile_rules, explain, suggest
from engine.routing.compile import CompiledRules
from tests.naive_router import NaiveRouter

#: Routing's reasons are checked in English, the language they are written in (French: test_french_output).
pytestmark = pytest.mark.usefixtures("english")

THIERS, AMBERT, LAVAUDIEU = "63430", "63003", "43117"  # local networks thiers, ambert, brioude
NOIRETABLE, LAVOINE = "42159", "03141"  # Loire (ambert), Allier (thiers)


@cache
def bundled() -> tuple[network.Network, CompiledRules]:
    net = network.load(paths.bundled("rules"))
    return net, compile_rules(net.rules)


def routed(**fields):
    """The suggestion for a fiche on the bundled network (the naive scan must agree)."""
    net, rules = bundled()
    f = Fiche.model_validate({"received": "2025-03-01", "kind": "creation", **fields}, context=net.fiche_context())
    s = suggest(f, rules, alternatives=3)
    assert s == NaiveRouter(net.rules, rules)(f, alternatives=3)
    return s


def supports(s) -> dict[str, str]:
    return {need: sup.structure for sup in s.supporting for need in sup.needs}


@pytest.mark.parametrize(
    ("commune", "naf", "lead"),
    [
        (THIERS, "43.22A", "cma-63"),  # plumbing: artisanal, Puy-de-Dôme
        (LAVAUDIEU, "43.22A", "cma-43"),  # artisanal, Haute-Loire
        (AMBERT, "01.41Z", "agri-63"),  # dairy farming: agricultural, Puy-de-Dôme
        (LAVAUDIEU, "01.41Z", "agri-43"),
        (THIERS, "47.11B", "cci-thiers"),  # grocery: commercial, local network thiers
        (AMBERT, "47.11B", "cci-ambert"),
        (LAVAUDIEU, "47.11B", "cci-brioude"),
    ],
)
def test_nature_leads_to_the_chamber_of_the_department_or_local_network(commune, naf, lead):
    """Artisanal → CMA of the department, agricultural → agriculture chamber, commercial → CCI of the local network."""
    s = routed(commune=commune, naf=naf)
    assert s.lead.structure == lead
    assert s.lead.reasons[0].startswith("competent to lead for nature")


def test_artisanal_headcount_threshold():
    """An artisanal activity with 10 employees stays with the CMA; with 11 it goes to the CCI, and says why."""
    assert routed(commune=THIERS, naf="43.22A", employees=10).lead.structure == "cma-63"
    s = routed(commune=THIERS, naf="43.22A", employees=11)
    assert s.lead.structure == "cci-thiers"
    assert "artisanal activity with 11 employees (more than 10): handled as commercial" in s.lead.reasons


def test_bake_off_shop_goes_to_the_cci_and_the_bakery_to_the_cma():
    """10.71B (terminal de cuisson) is commercial, 10.71C (boulangerie) artisanal."""
    assert routed(commune=AMBERT, naf="10.71B").lead.structure == "cci-ambert"
    assert routed(commune=AMBERT, naf="10.71C").lead.structure == "cma-63"


@pytest.mark.parametrize("commune", [THIERS, LAVAUDIEU, NOIRETABLE])
def test_liberal_professions_go_to_adret(commune):
    """No chamber for liberal professions: the Boutique de Gestion leads, for its nature."""
    s = routed(commune=commune, naf="69.20Z")
    assert s.lead.structure == "adret"
    assert s.lead.reasons[0] == "competent to lead for nature 'liberal' (libérale)"


@pytest.mark.parametrize("commune", [NOIRETABLE, LAVOINE])
@pytest.mark.parametrize("naf", ["43.22A", "47.11B", "01.41Z"])
def test_loire_and_allier_communes_go_to_adret_by_fallback(commune, naf):
    """No chamber of the network covers the Loire and Allier communes: ADRET leads as fallback."""
    s = routed(commune=commune, naf=naf)
    assert s.lead.structure == "adret"
    assert s.lead.reasons[0].startswith("fallback lead of the routing policy")


def test_needs_go_to_supporting_structures():
    """Honour loan → the PFIL, microcredit → ADIE, guarantee → Puy-de-Dôme Garantie, premises → the CC, …"""
    needs = ["honour_loan", "microcredit", "guarantee", "cooperative", "activity_test", "investment",
             "premises", "housing"]  # fmt: skip
    s = routed(commune=THIERS, naf="10.71C", needs=needs, publics=["job_seeker"])
    assert supports(s) == {
        "honour_loan": "pfil-thiers",
        "microcredit": "adie",
        "guarantee": "garantie-63",
        "cooperative": "urscop",
        "activity_test": "appuy-createurs",
        "investment": "expansion-63",
        "premises": "cc-thiers",  # a bakery is an artisan's shop, not industry: its communauté de communes
        "housing": "parc",
    }
    assert s.uncovered_needs == []
    assert supports(routed(commune=THIERS, naf="47.11B", needs=["premises"])) == {"premises": "cc-thiers"}
    assert routed(commune=AMBERT, naf="10.71C", needs=["honour_loan"]).supporting[0].structure == "pfil-ambert"


def test_the_lead_covers_the_needs_it_serves():
    """Business plan and training stay with the lead chamber: no supporting structure for them."""
    s = routed(commune=THIERS, naf="10.71C", needs=["business_plan", "training"])
    assert s.supporting == []
    assert "also covers need 'training' (formation) as lead" in s.lead.reasons


def test_territory_limits_of_the_puy_de_dome_structures():
    """garantie-63, appuy-createurs and expansion-63 work only in the Puy-de-Dôme."""
    needs = ["guarantee", "activity_test", "investment"]
    inside = routed(commune=AMBERT, naf="10.71C", needs=needs, publics=["job_seeker"])
    assert supports(inside) == {
        "guarantee": "garantie-63",
        "activity_test": "appuy-createurs",
        "investment": "expansion-63",
    }
    outside = routed(commune=LAVAUDIEU, naf="10.71C", needs=needs, publics=["job_seeker"])
    assert outside.supporting == [] and outside.uncovered_needs == needs
    _, rules = bundled()
    net, _ = bundled()
    f = Fiche.model_validate({"received": "2025-03-01", "kind": "creation", "commune": LAVAUDIEU, "naf": "10.71C",
                              "needs": needs}, context=net.fiche_context())  # fmt: skip
    assert explain(f, rules, "garantie-63").reasons[0] == (
        "does not cover commune 43117 Lavaudieu: its territory is department 63 (Puy-de-Dôme)"
    )


def test_territory_limits_of_the_pfils_and_brioude_honour_loan_uncovered():
    """Each PFIL serves its local network in the Puy-de-Dôme only (a platform lends on its own territory:
    the Loire and Allier communes get an orientation); in brioude no structure gives an honour loan."""
    assert supports(routed(commune=THIERS, naf="47.11B", needs=["honour_loan"])) == {"honour_loan": "pfil-thiers"}
    for outside in (LAVOINE, NOIRETABLE):
        s = routed(commune=outside, naf="47.11B", needs=["honour_loan"])
        assert s.supporting == [] and s.uncovered_needs == ["honour_loan"] and s.orientations
    s = routed(commune=LAVAUDIEU, naf="47.11B", needs=["honour_loan"])
    assert s.supporting == [] and s.uncovered_needs == ["honour_loan"]


def test_coordinator_rule_excludes_building_trades_from_the_activity_test():
    """Rule no-activity-test-building: a plumber is not offered the couveuse, and --explain cites it."""
    s = routed(commune=THIERS, naf="43.22A", needs=["activity_test"])
    assert s.uncovered_needs == ["activity_test"]
    net, rules = bundled()
    f = Fiche.model_validate({"received": "2025-03-01", "kind": "creation", "commune": THIERS, "naf": "43.22A",
                              "needs": ["activity_test"]}, context=net.fiche_context())  # fmt: skip
    reasons = explain(f, rules, "appuy-createurs").reasons
    cited = "need 'activity_test' (test d'activité (couveuse)): excluded by rule `no-activity-test-building`"
    assert any(r.startswith(cited) for r in reasons), reasons


def test_explain_a_chamber_for_a_liberal_profession():
    """--explain cma-63 on a liberal activity: not competent for nature 'liberal'."""
    net, rules = bundled()
    f = Fiche.model_validate({"received": "2025-03-01", "kind": "creation", "commune": THIERS, "naf": "69.20Z"},
                             context=net.fiche_context())  # fmt: skip
    assert (
        explain(f, rules, "cma-63").reasons[0]
        == "not competent for nature 'liberal' (libérale): competent for 'artisanal'"
    )


def test_rules_version_is_the_rule_sets():
    """Every suggestion carries the version of the rules it was computed with."""
    net, _ = bundled()
    assert routed(commune=THIERS, naf="69.20Z").rules_version == net.rules.version
