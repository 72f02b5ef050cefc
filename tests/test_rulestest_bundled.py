"""The bundled routing tests: they pass on the bundled network and cover every member and rule."""

from __future__ import annotations

from engine import network, paths
from engine.app import Workspace, rules
from engine.render import render
from engine.rulestest import default_case_files, load_cases

RULES = paths.bundled("rules")


def _cases():
    net = network.load(RULES)
    return net, load_cases(default_case_files(RULES), net.fiche_context())


def test_bundled_routing_cases_pass():
    """Every case the network agreed on routes as agreed with the bundled rules (what CI runs)."""
    report = rules.test(Workspace.open(rules=RULES))
    assert report.total >= 40
    assert report.ok, "\n" + render(report, "text")


def test_bundled_cases_name_every_member_in_a_role():
    """Each member structure is expected somewhere as lead, as support or as the structure covering a need."""
    net, cases = _cases()
    named = set()
    for case in cases:
        named.add(case.expect.lead)
        named.update(case.expect.supporting_include)
        named.update(sid for _, sid in case.expect.covered_by)
    assert len(net.structure_ids) >= 27
    assert sorted(net.structure_ids - named) == []


def test_bundled_cases_exercise_every_coordinator_rule():
    """Each rule of routing.yaml has a case named after it."""
    net, cases = _cases()
    names = " ".join(c.name for c in cases)
    assert [r.id for r in net.rules.policy.rules if f"{r.id}:" not in names] == []


def test_bundled_cases_cover_every_need_and_local_network():
    """Every need of the vocabulary but one (legal_status) and every local network appears in the cases."""
    net, cases = _cases()
    needs = {n for c in cases for n in c.fiche.needs}
    networks = {net.territory.communes[c.fiche.commune].local_network for c in cases}
    departments = {net.territory.communes[c.fiche.commune].department for c in cases}
    assert {"thiers", "ambert", "brioude"} == networks
    assert {"63", "43", "42", "03"} == departments
    assert {"honour_loan", "microcredit", "guarantee", "cooperative", "activity_test", "investment", "premises",
            "land", "grant", "housing", "spouse_job", "takeover_search", "business_plan", "training",
            "farm_installation", "post_creation", "transmission", "bank_loan"} <= needs  # fmt: skip
