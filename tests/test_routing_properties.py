"""Properties of routing on generated networks and fiches (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from routing_factory import fiche, rule, ruleset, structure, territory

from engine import i18n
from engine.routing import Declined, compile_rules, suggest
from engine.routing.suggest import has_lead
from engine.rules.ruleset import resolve_territory
from engine.vocabulary import KINDS, NATURES, NEEDS, PUBLICS
from tests.naive_router import NaiveRouter

COMMUNES = ["63003", "63430", "43117", "42159", "03141", "63161", "43016"]
NAFS = [None, "10.71C", "10.71B", "47.11B", "01.41Z", "69.20Z", "43.22A", "25.11Z"]
IDS = [f"s{i}" for i in range(8)]
#: NAF prefixes a structure's competence or one of its needs may be restricted to (some match NAFS).
NAF_PREFIXES = ["10", "10.71", "47", "01.4", "69.20Z"]

some = st.lists
territories = st.one_of(
    st.just({"whole_network": True}),
    st.builds(lambda d: {"departments": d}, some(st.sampled_from(["63", "43", "42", "03"]), min_size=1, unique=True)),
    st.builds(lambda n: {"local_networks": n}, some(st.sampled_from(["thiers", "ambert", "brioude"]), min_size=1,
                                                     unique=True)),
    st.builds(lambda c: {"communes": c}, some(st.sampled_from(COMMUNES), min_size=1, unique=True)),
)  # fmt: skip


@st.composite
def structures(draw, sid):
    fields = {"territory": draw(territories), "active": draw(st.booleans() | st.just(True))}
    if draw(st.booleans()):
        fields["lead"] = {"natures": draw(some(st.sampled_from(list(NATURES)), max_size=2, unique=True)),
                          "priority": draw(st.integers(0, 2))}  # fmt: skip
    needs = draw(some(st.sampled_from(list(NEEDS)[:8]), max_size=3, unique=True))
    fields["support"] = {"needs": needs}
    if needs and draw(st.integers(0, 3)) == 0:  # a need served only for some fiches: checked per fiche
        need = draw(st.sampled_from(needs))
        if draw(st.booleans()):
            fields["support"]["naf_prefixes"] = {
                need: draw(some(st.sampled_from(NAF_PREFIXES), min_size=1, max_size=2))
            }
        else:
            fields["support"]["only_with_needs"] = {need: draw(some(st.sampled_from(list(NEEDS)[:8]), min_size=1,
                                                                     max_size=2, unique=True))}  # fmt: skip
    if draw(st.booleans()):  # a structure without competence filters makes its lead the same for every fiche
        fields["competence"] = {
            "kinds": draw(some(st.sampled_from(list(KINDS)), max_size=2, unique=True)),
            "natures": draw(some(st.sampled_from(list(NATURES)), max_size=2, unique=True)),
            "max_employees": draw(st.none() | st.integers(0, 12)),
        }
        if draw(st.integers(0, 3)) == 0:
            fields["competence"]["naf_prefixes"] = draw(some(st.sampled_from(NAF_PREFIXES), min_size=1, max_size=2))
        if draw(st.integers(0, 3)) == 0:
            fields["competence"]["requires_publics"] = draw(some(st.sampled_from(list(PUBLICS)), min_size=1,
                                                                 max_size=2, unique=True))  # fmt: skip
    fields["capacity"] = draw(st.none() | st.integers(1, 3))
    return structure(sid, **fields)


@st.composite
def networks(draw):
    specs = [draw(structures(sid)) for sid in IDS[: draw(st.integers(1, len(IDS)))]]
    ids = [s.id for s in specs]
    rules = []
    for i in range(draw(st.integers(0, 3))):
        role = draw(st.sampled_from(["lead", "support"]))
        need = draw(st.sampled_from(list(NEEDS)[:8])) if role == "support" and draw(st.booleans()) else None
        when = {"kinds": draw(some(st.sampled_from(list(KINDS)), max_size=2, unique=True)),
                "natures": draw(some(st.sampled_from(list(NATURES)), max_size=2, unique=True)),
                "departments": draw(some(st.sampled_from(["63", "43"]), max_size=1))}  # fmt: skip
        rules.append(rule(f"r{i}", draw(st.sampled_from(["prefer", "require", "exclude"])), draw(st.sampled_from(ids)),
                          role=role, need=need, when=when))  # fmt: skip
    fallback = draw(some(st.sampled_from(ids), max_size=2, unique=True))
    return ruleset(*specs, fallback_lead=fallback, rules=rules)


fiches = st.builds(
    lambda commune, naf, kind, employees, needs, publics: fiche(
        commune=commune, naf=naf, kind=kind, employees=employees, needs=needs, publics=publics
    ),
    st.sampled_from(COMMUNES),
    st.sampled_from(NAFS),
    st.sampled_from(list(KINDS)),
    st.none() | st.integers(0, 15),
    some(st.sampled_from(list(NEEDS)[:8]), max_size=3, unique=True),
    some(st.sampled_from(list(PUBLICS)), max_size=2, unique=True),
)
caseloads = st.none() | st.dictionaries(st.sampled_from(IDS), st.integers(0, 4), max_size=4)
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _eligible(spec, f) -> bool:
    """Eligibility checked from the rules as written (independently of the compiled indexes)."""
    comp, nature = spec.competence, f.effective_nature
    return (
        spec.active
        and f.commune in resolve_territory(spec.territory, territory())
        and (not comp.kinds or f.kind in comp.kinds)
        and (not comp.natures or nature in comp.natures)
        and (comp.max_employees is None or (f.employees or 0) <= comp.max_employees)
        and (not comp.naf_prefixes or bool(f.naf and any(f.naf.startswith(p) for p in comp.naf_prefixes)))
        and (not comp.requires_publics or any(p in comp.requires_publics for p in f.publics))
    )


@SETTINGS
@given(networks(), fiches, caseloads)
def test_deterministic_and_equal_to_the_naive_scan(rs, f, caseload):
    """Same rules and fiche → same suggestion, recompiled or not, and the scan of every rule agrees."""
    compiled = compile_rules(rs)
    first = suggest(f, compiled, caseload, alternatives=3)
    assert suggest(f, compiled, caseload, alternatives=3) == first
    assert suggest(f, compile_rules(rs), caseload, alternatives=3).to_dict() == first.to_dict()
    assert NaiveRouter(rs, compiled)(f, caseload, alternatives=3) == first


def test_has_lead_with_a_required_lead_and_an_excluded_one():
    """The two paths random networks seldom reach: a lead required by a rule though it leads for another
    nature (required, it needs only to be able to lead), and the only candidate excluded by a rule."""
    artisanal = fiche(naf="10.71C")  # boulangerie
    when = {"natures": ["artisanal"]}
    leads_commercial = structure("s0", lead={"natures": ["commercial"]})
    leads_artisanal = structure("s1", lead={"natures": ["artisanal"]})
    for leader, rules, led in (
        (leads_commercial, [rule("r0", "require", "s0", role="lead", when=when)], True),
        (leads_commercial, [], False),
        (leads_artisanal, [rule("r1", "exclude", "s1", role="lead", when=when)], False),
        (leads_artisanal, [], True),
    ):
        compiled = compile_rules(ruleset(leader, rules=rules))
        assert (suggest(artisanal, compiled).lead is not None) is led
        assert has_lead(artisanal, compiled) is led


@SETTINGS
@given(networks(), some(fiches, min_size=1, max_size=6))
def test_has_lead_says_whether_the_suggestion_names_a_lead(rs, batch):
    """``has_lead`` (the alerts' ``no_competent_structure``) decides the lead alone as ``suggest`` does,
    rules requiring, excluding and preferring leads and fallback leads included, fiche after fiche on one
    compiled rule set (its memo of each place's lead)."""
    compiled = compile_rules(rs)
    for f in batch:
        assert has_lead(f, compiled) == (suggest(f, compiled).lead is not None), f


declines = st.none() | st.builds(
    lambda lead, support: Declined(dict.fromkeys(lead, "declined"), dict.fromkeys(support, "declined")),
    some(st.sampled_from(IDS), max_size=2, unique=True),
    some(st.sampled_from(IDS), max_size=2, unique=True),
)


@SETTINGS
@given(networks(), some(fiches, min_size=1, max_size=6), caseloads, declines, st.sampled_from(["fr", "en"]))
def test_one_compiled_rule_set_answers_fiche_after_fiche_as_the_naive_scan(rs, batch, caseload, declined, language):
    """The call without alternatives of many fiches on one compiled rule set — what the memo of each
    commune and nature's lead serves — equals the scan, reasons and their language included."""
    compiled = compile_rules(rs)
    naive = NaiveRouter(rs, compiled)
    with i18n.using(language):
        got = [suggest(f, compiled, caseload, declined=declined) for f in batch]
        expected = [naive(f, caseload, declined=declined) for f in batch]
    assert [s.to_dict() for s in got] == [s.to_dict() for s in expected]
    assert got == expected


@SETTINGS
@given(networks(), fiches, caseloads)
def test_the_lead_is_always_eligible_and_never_supports(rs, f, caseload):
    """The lead is active, covers the commune, passes its competence, is below capacity, and never supports."""
    s = suggest(f, compile_rules(rs), caseload)
    if s.lead is None:
        return
    spec = rs.structures[s.lead.structure]
    assert _eligible(spec, f)
    assert spec.capacity is None or not caseload or caseload.get(spec.id, 0) < spec.capacity
    supporting = [x.structure for x in s.supporting]
    assert s.lead.structure not in supporting
    assert len(supporting) == len(set(supporting))
    for x in s.supporting:
        assert _eligible(rs.structures[x.structure], f)


@SETTINGS
@given(networks(), fiches, caseloads)
def test_removing_the_lead_makes_the_first_alternative_lead(rs, f, caseload):
    """Delete the lead's file: the first alternative becomes the lead (or the fiche is an orphan)."""
    s = suggest(f, compile_rules(rs), caseload, alternatives=1)
    if s.lead is None:
        return
    rest = [spec for sid, spec in rs.structures.items() if sid != s.lead.structure]
    smaller = ruleset(*rest, **rs.policy.model_dump())
    again = suggest(f, compile_rules(smaller), caseload)
    assert (again.lead.structure if again.lead else None) == (s.alternatives[0].structure if s.alternatives else None)


@SETTINGS
@given(networks(), fiches, caseloads, structures("unrelated"))
def test_an_unrelated_structure_never_changes_the_result(rs, f, caseload, extra):
    """A structure whose territory does not cover the fiche's commune changes nothing."""
    away = extra.model_copy(update={"territory": extra.territory.model_copy(update={"except_communes": [f.commune]})})
    bigger = ruleset(*rs.structures.values(), away, **rs.policy.model_dump())
    assert suggest(f, compile_rules(bigger), caseload, alternatives=3) == suggest(
        f, compile_rules(rs), caseload, alternatives=3
    )
