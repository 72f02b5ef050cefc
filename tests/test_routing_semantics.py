"""Routing semantics on small hand-made networks: eligibility, steps, tie-break, rules, capacity, needs."""

from __future__ import annotations

import pytest
from routing_factory import fiche, rule, ruleset, structure

from engine.errors import InputError
from engine.routing import compile_rules, explain, suggest
from tests.naive_router import NaiveRouter

#: Routing's reasons are checked in English, the language they are written in (French: test_french_output).
pytestmark = pytest.mark.usefixtures("english")

AMBERT = "63003"  # Puy-de-Dôme, local network ambert
LAVAUDIEU = "43117"  # Haute-Loire, local network brioude

CMA63 = structure("cma-63", kind="cma", territory={"departments": ["63"]}, lead={"natures": ["artisanal"]},
                  competence={"natures": ["artisanal"]}, support={"needs": ["business_plan"]})  # fmt: skip
CCI = structure("cci-ambert", kind="cci", territory={"local_networks": ["ambert"]}, lead={"natures": ["commercial"]})
BGE = structure("bge", lead={"natures": ["liberal"]}, support={"needs": ["business_plan", "training"]})
PFIL = structure("pfil", kind="pfil", territory={"local_networks": ["ambert"]}, support={"needs": ["honour_loan"]})
PFIL_WIDE = structure("pfil-wide", kind="pfil", support={"needs": ["honour_loan", "microcredit"]})


def run(rs, f, caseload=None, alternatives=0):
    """Suggest with the indexes, and check the naive scan agrees."""
    compiled = compile_rules(rs)
    got = suggest(f, compiled, caseload, alternatives=alternatives)
    assert got == NaiveRouter(rs, compile_rules(rs))(f, caseload, alternatives=alternatives)
    return got


def test_json_keys_are_exactly_the_documented_ones():
    """to_dict has the issue's keys, in order, and the nested shapes."""
    rs = ruleset(CMA63, BGE, PFIL, fallback_lead=["bge"])
    s = run(rs, fiche(naf="10.71C", needs=["honour_loan", "housing"]), alternatives=1)
    d = s.to_dict()
    assert list(d) == ["fiche", "lead", "supporting", "uncovered_needs", "orientations", "alternatives", "orphan",
                       "rules_version", "notes", "nature_to_confirm"]  # fmt: skip
    assert list(d["lead"]) == ["structure", "reasons"]
    assert list(d["supporting"][0]) == ["structure", "needs", "reasons"]
    assert list(d["alternatives"][0]) == ["structure", "reasons"]
    assert d["uncovered_needs"] == ["housing"]
    assert d["orphan"] is False
    assert d["rules_version"] == "test-1"


def test_lead_by_nature_with_reasons():
    """The structure leading for the fiche's nature in its commune leads; the reasons say so."""
    s = run(ruleset(CMA63, CCI, BGE), fiche(naf="10.71C"))
    assert s.lead.structure == "cma-63"
    assert s.lead.reasons[:2] == [
        "competent to lead for nature 'artisanal' (artisanale)",
        "covers commune 63003 Ambert: its territory is department 63 (Puy-de-Dôme)",
    ]


def test_fallback_lead_when_no_structure_leads_for_the_nature():
    """In Haute-Loire no CMA in this network: the policy's fallback leads, and says why."""
    s = run(ruleset(CMA63, BGE, fallback_lead=["bge"]), fiche(naf="10.71C", commune=LAVAUDIEU))
    assert s.lead.structure == "bge"
    assert s.lead.reasons[0].startswith("fallback lead of the routing policy: no structure of the commune can lead")


def test_fiche_without_nature_only_any_nature_leads_then_fallback():
    """No NAF code: a structure leading for any nature leads; chambers bound to a nature do not."""
    anyone = structure("anyone", territory={"departments": ["63"]}, lead={})
    s = run(ruleset(CMA63, anyone, BGE, fallback_lead=["bge"]), fiche())
    assert s.lead.structure == "anyone"
    assert "the fiche has no nature" in s.lead.reasons[0]
    s = run(ruleset(CMA63, BGE, fallback_lead=["bge"]), fiche())
    assert s.lead.structure == "bge"


@pytest.mark.parametrize(
    ("a", "b", "caseload", "winner", "words"),
    [
        ({"lead": {"priority": 2}}, {"lead": {}}, None, "a",
         "by lead priority: higher lead priority (2 against 0 for b)"),
        ({"lead": {}, "territory": {"communes": [AMBERT]}}, {"lead": {}}, None, "a",
         "by territorial specificity: more specific territory (1 communes against 191 for b)"),
        ({"lead": {}}, {"lead": {}}, {"a": 3, "b": 1}, "b",
         "by caseload: fewer active fiches as lead (1 against 3 for a)"),
        ({"lead": {}}, {"lead": {}}, None, "a", "by id: tied with b on every other criterion: first by id"),
    ],
)  # fmt: skip
def test_tie_break_order_and_its_reason(a, b, caseload, winner, words):
    """Priority, then specificity, then caseload, then id decide; the lead's reasons name the criterion."""
    s = run(ruleset(structure("a", **a), structure("b", **b)), fiche(), caseload=caseload, alternatives=1)
    assert s.lead.structure == winner
    assert s.lead.reasons[2] == f"first of 2 candidates {words}"
    assert s.alternatives[0].structure == ({"a", "b"} - {winner}).pop()


@pytest.mark.parametrize(
    ("a", "caseload", "winner", "words"),
    [
        ({"lead": {"priority": 2}}, {"a": 3, "b": 1}, "a",
         "by lead priority: higher lead priority (2 against 0 for b)"),
        ({"lead": {}}, {"a": 3, "b": 1}, "b", "by caseload: fewer active fiches as lead (1 against 3 for a)"),
        ({"lead": {}}, {"a": 1, "b": 1}, "a", "by id: tied with b on every other criterion: first by id"),
        ({"lead": {}, "capacity": 3}, {"a": 3, "b": 7}, "b", None),
    ],
)  # fmt: skip
def test_caseloads_rank_and_drop_fiche_after_fiche(a, caseload, winner, words):
    """Without alternatives, on one compiled rule set (the memo of the commune's lead): the caseloads
    still decide a tie and fill a capacity, and the reasons say so; before they are given and after."""
    rs = ruleset(structure("a", **a), structure("b", lead={}))
    compiled = compile_rules(rs)
    naive = NaiveRouter(rs, compiled)
    for load in (None, caseload, None):
        s = suggest(fiche(), compiled, load)
        assert s == naive(fiche(), load)
    s = suggest(fiche(), compiled, caseload)
    assert s.lead.structure == winner
    if words is None:
        assert s.lead.reasons[-1] == "a: at capacity (3 active fiches as lead, capacity 3)"
    else:
        assert s.lead.reasons[2] == f"first of 2 candidates {words}"


def test_policy_tie_break_order_is_followed():
    """With specificity before priority in routing.yaml, the more specific structure wins."""
    high = structure("high", lead={"priority": 5})
    local = structure("local", territory={"communes": [AMBERT]}, lead={})
    assert run(ruleset(high, local), fiche()).lead.structure == "high"
    rs = ruleset(high, local, tie_break=["specificity", "priority", "id"])
    assert run(rs, fiche()).lead.structure == "local"


def test_structure_at_capacity_is_not_chosen_and_the_reasons_say_so():
    """A structure whose caseload reached its capacity is passed over, with its figures."""
    full = structure("cma-63", territory={"departments": ["63"]}, lead={"natures": ["artisanal"]}, capacity=2)
    s = run(ruleset(full, BGE, fallback_lead=["bge"]), fiche(naf="10.71C"), caseload={"cma-63": 2})
    assert s.lead.structure == "bge"
    assert "cma-63: at capacity (2 active fiches as lead, capacity 2)" in s.lead.reasons
    assert run(ruleset(full, BGE), fiche(naf="10.71C"), caseload={"cma-63": 1}).lead.structure == "cma-63"
    e = explain(fiche(naf="10.71C"), compile_rules(ruleset(full, BGE)), "cma-63", caseload={"cma-63": 5})
    assert e.role == "not chosen"
    assert "at capacity (5 active fiches as lead, capacity 2)" in e.reasons


def test_exclude_rule_removes_a_lead_and_is_cited():
    """An exclude rule that fires removes the structure as lead; the reasons cite the rule id."""
    rs = ruleset(CMA63, BGE, fallback_lead=["bge"],
                 rules=[rule("no-cma-big", "exclude", "cma-63", when={"employees_above": 5})])  # fmt: skip
    s = run(rs, fiche(naf="10.71C", employees=8))
    assert s.lead.structure == "bge"
    assert "cma-63: excluded as lead by rule `no-cma-big`: because of no-cma-big" in s.lead.reasons
    assert run(rs, fiche(naf="10.71C", employees=3)).lead.structure == "cma-63"
    e = explain(fiche(naf="10.71C", employees=8), compile_rules(rs), "cma-63")
    assert "excluded as lead by rule `no-cma-big`: because of no-cma-big" in e.reasons


def test_require_rule_forces_the_lead_even_outside_its_natures():
    """A require rule makes an eligible structure lead, whatever its lead natures."""
    rs = ruleset(CMA63, BGE, rules=[rule("young-bge", "require", "bge", when={"publics_any": ["young"]})])
    s = run(rs, fiche(naf="10.71C", publics=["young"]), alternatives=1)
    assert s.lead.structure == "bge"
    assert s.lead.reasons[0] == "required as lead by rule `young-bge`: because of young-bge"
    assert s.alternatives[0].structure == "cma-63"
    assert s.alternatives[0].reasons[1] == "bge is required as lead by a rule"


def test_require_rule_on_an_ineligible_structure_says_why_it_could_not():
    """A required structure that does not cover the commune does not lead; the reasons say why."""
    rs = ruleset(CMA63, CCI, rules=[rule("req-cci", "require", "cci-ambert")])
    s = run(rs, fiche(naf="10.71C", commune="63430"))
    assert s.lead.structure == "cma-63"
    assert (
        "rule `req-cci` requires cci-ambert as lead, but cci-ambert: does not cover commune 63430 Thiers: "
        "its territory is local network ambert" in s.lead.reasons
    )


def test_prefer_rule_ranks_first_among_candidates():
    """A prefer rule wins the tie-break over priority and specificity."""
    a = structure("a", lead={"priority": 3}, territory={"communes": [AMBERT]})
    b = structure("b", lead={})
    rs = ruleset(a, b, rules=[rule("pref-b", "prefer", "b", when={"kinds": ["creation"]})])
    s = run(rs, fiche())
    assert s.lead.structure == "b"
    assert (
        s.lead.reasons[2] == "first of 2 candidates by rule preference: preferred by rule `pref-b`: because of pref-b"
    )
    assert run(rs, fiche(kind="takeover")).lead.structure == "a"


def test_competence_filters_and_inactive_structures():
    """Kinds, stages, NAF prefixes, required publics, headcount and 'active: false' keep a structure out."""
    picky = structure("picky", lead={}, competence={"kinds": ["takeover"], "stages": ["study"], "naf_prefixes": ["47"],
                      "requires_publics": ["young"], "max_employees": 3})  # fmt: skip
    rs = ruleset(picky, structure("asleep", lead={}, active=False))
    ok = fiche(kind="takeover", stage="study", naf="47.11B", publics=["young"], employees=2)
    assert run(rs, ok).lead.structure == "picky"
    for change in ({"kind": "creation"}, {"stage": "idea"}, {"naf": "10.71C"}, {"publics": []}, {"employees": 4}):
        f = fiche(**{**ok.model_dump(include={"kind", "stage", "naf", "publics", "employees"}), **change})
        assert run(rs, f).orphan, change
    reasons = explain(fiche(naf="10.71C", employees=9), compile_rules(rs), "picky").reasons
    assert reasons == [
        "not competent for project kind 'creation' (création): competent for 'takeover'",
        "not competent at stage 'idea' (idée (premier accueil)): competent at 'study'",
        "not competent for activity 10.71C: competent for NAF 47",
        "serves only the publics 'young': the fiche lists none of them",
        "serves projects of at most 3 employees: the fiche plans 9",
    ]
    assert explain(ok, compile_rules(rs), "asleep").reasons[0] == "not active ('active: false' in its file)"


def test_orphan_lists_the_near_misses():
    """No structure can lead: lead is null, orphan is true and the alternatives say why each could not."""
    full = structure("cma-63", territory={"departments": ["63"]}, lead={"natures": ["artisanal"]}, capacity=1)
    s = run(ruleset(full, CCI), fiche(naf="10.71C"), caseload={"cma-63": 1})
    assert s.orphan
    d = s.to_dict()
    assert d["lead"] is None and d["orphan"] is True
    assert d["alternatives"] == [
        {
            "structure": "cci-ambert",
            "reasons": ["does not lead for nature 'artisanal' (artisanale): it leads for commercial"],
        },
        {"structure": "cma-63", "reasons": ["at capacity (1 active fiche as lead, capacity 1)"]},
    ]
    nobody = run(ruleset(CMA63), fiche(naf="10.71C", commune=LAVAUDIEU))
    assert nobody.orphan and nobody.alternatives == []


def test_supporting_per_need_most_specific_never_the_lead():
    """Each need goes to the most specific structure serving it; one entry per structure; the lead is never one."""
    rs = ruleset(CMA63, BGE, PFIL, PFIL_WIDE)
    s = run(rs, fiche(naf="10.71C", needs=["honour_loan", "microcredit", "training", "business_plan"]))
    assert s.lead.structure == "cma-63"
    assert [(x.structure, x.needs) for x in s.supporting] == [
        ("pfil", ["honour_loan"]),
        ("pfil-wide", ["microcredit"]),
        ("bge", ["training"]),
    ]
    assert s.supporting[0].reasons == [
        "need 'honour_loan' (prêt d'honneur): serves it in 63003 Ambert (its territory is local network ambert), "
        "most specific of 2 structures (85 communes)"
    ]
    assert "also covers need 'business_plan' (étude de marché et plan d'affaires) as lead" in s.lead.reasons
    several = run(rs, fiche(naf="10.71C", commune=LAVAUDIEU, needs=["honour_loan", "microcredit"]))
    assert [(x.structure, x.needs) for x in several.supporting] == [("pfil-wide", ["honour_loan", "microcredit"])]


def test_support_naf_prefixes_and_uncovered_needs():
    """A need served only for some activities is uncovered for the others."""
    exp = structure("exp", support={"needs": ["premises"], "naf_prefixes": {"premises": ["25"]}})
    rs = ruleset(CMA63, exp)
    assert run(rs, fiche(naf="25.11Z", needs=["premises"])).supporting[0].structure == "exp"
    s = run(rs, fiche(naf="10.71C", needs=["premises", "housing"]))
    assert s.supporting == [] and s.uncovered_needs == ["premises", "housing"]
    assert explain(fiche(naf="10.71C", needs=["premises"]), compile_rules(rs), "exp").reasons == [
        "never leads (its file has no 'lead:' section)",
        "need 'premises' (local d'activité): served only for NAF 25, the fiche's activity is 10.71C",
    ]


def test_support_rules_require_prefer_exclude():
    """Rules of role support force, rank first or remove a structure for a need, and are cited."""
    rs = ruleset(
        CMA63, BGE, PFIL, PFIL_WIDE,
        rules=[
            rule("wide-first", "prefer", "pfil-wide", role="support", need="honour_loan", when={"kinds": ["takeover"]}),
            rule("no-pfil", "exclude", "pfil", role="support", when={"employees_above": 5}),
            rule("bge-micro", "require", "bge", role="support", need="microcredit", when={"publics_any": ["young"]}),
        ],
    )  # fmt: skip
    s = run(rs, fiche(naf="10.71C", kind="takeover", needs=["honour_loan"]))
    assert s.supporting[0].structure == "pfil-wide"
    assert s.supporting[0].reasons == [
        "need 'honour_loan' (prêt d'honneur): preferred by rule `wide-first`: because of wide-first"
    ]
    assert run(rs, fiche(naf="10.71C", employees=7, needs=["honour_loan"])).supporting[0].structure == "pfil-wide"
    s = run(rs, fiche(naf="10.71C", publics=["young"], needs=["microcredit"]))
    assert [(x.structure, x.needs) for x in s.supporting] == [("bge", ["microcredit"])]


def test_explain_roles_and_unknown_structure():
    """--explain says lead, supporting, alternative or not chosen; an unknown id is an input error."""
    rs = compile_rules(ruleset(CMA63, BGE, PFIL, fallback_lead=["bge"]))
    f = fiche(naf="10.71C", needs=["honour_loan"])
    assert explain(f, rs, "cma-63").role == "lead"
    assert explain(f, rs, "pfil").role == "supporting"
    alt = explain(f, rs, "bge")
    assert alt.role == "alternative" and alt.reasons[0] == "alternative no. 1 for lead"
    far = explain(fiche(naf="10.71C", commune=LAVAUDIEU), rs, "cma-63")
    assert far.reasons[0] == "does not cover commune 43117 Lavaudieu: its territory is department 63 (Puy-de-Dôme)"
    assert list(far.to_dict()) == ["fiche", "structure", "role", "reasons", "rules_version"]
    with pytest.raises(InputError, match=r"unknown structure 'cma63' \(did you mean 'cma-63'\?\)"):
        explain(f, rs, "cma63")
