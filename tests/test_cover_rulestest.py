"""capactif rules test: each way a case can differ from its suggestion is said in one sentence naming both sides."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from cli import main
from engine import paths

RULES = paths.bundled("rules")

#: `rules test` reports in English for now (its renderer is not translated): its reasons are read in English too.
pytestmark = pytest.mark.usefixtures("english")

CASES = """\
base:
  received: 2026-03-02
  kind: creation
  commune: "63003"
cases:
  - name: bakery expected without lead
    fiche: {naf: 10.71C}
    expect: {lead: null}
  - name: bakery expected orphan
    fiche: {naf: 10.71C}
    expect: {orphan: true}
  - name: the CMA expected as support
    fiche: {naf: 10.71C, needs: [business_plan]}
    expect: {supporting_include: [cma-63]}
  - name: the PFIL expected away
    fiche: {naf: 10.71C, needs: [honour_loan]}
    expect: {supporting_exclude: [pfil-ambert]}
  - name: business plan expected uncovered
    fiche: {naf: 10.71C, needs: [business_plan]}
    expect: {uncovered_needs: [business_plan]}
  - name: honour loan in Lavaudieu expected with a PFIL
    fiche: {commune: "43117", naf: 47.11B, needs: [honour_loan]}
    expect: {covered_by: {honour_loan: pfil-ambert}}
  - name: business plan expected by ADRET
    fiche: {naf: 10.71C, needs: [business_plan]}
    expect: {covered_by: {business_plan: adret}}
  - name: business plan by the lead
    fiche: {naf: 10.71C, needs: [business_plan]}
    expect: {covered_by: {business_plan: cma-63}}
  - name: a Loire artisan expected led by the CMA
    fiche: {commune: "42039", naf: 10.71C}
    expect: {lead: cma-63, orphan: false}
"""


@pytest.fixture
def cases(tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text(CASES, encoding="utf-8")
    return path


def report(cases, rules=RULES) -> dict:
    result = CliRunner().invoke(main, ["rules", "test", str(cases), "--rules", str(rules), "--format", "json"])
    assert result.exit_code == 1, result.output
    return json.loads(result.output)


def test_each_difference_names_expected_and_suggested(cases):
    """One sentence per unmet expectation; a case whose need the lead covers itself passes."""
    data = report(cases)
    assert (data["total"], data["passed"]) == (9, 1)
    assert {f["name"]: f["differences"] for f in data["failures"]} == {
        "bakery expected without lead": ["lead: expected no lead, suggested cma-63"],
        "bakery expected orphan": ["orphan: expected an orphan fiche (no structure can lead), suggested a lead"],
        "the CMA expected as support": [
            "supporting: expected cma-63 among the supporting structures, not suggested (suggested as lead)"
        ],
        "the PFIL expected away": ["supporting: expected pfil-ambert not to support, suggested for honour_loan"],
        "business plan expected uncovered": [
            "uncovered needs: expected business_plan to be uncovered, covered by the lead cma-63"
        ],
        "honour loan in Lavaudieu expected with a PFIL": [
            "need honour_loan: expected covered by pfil-ambert, uncovered"
        ],
        "business plan expected by ADRET": [
            "need business_plan: expected covered by adret, covered by the lead cma-63"
        ],
        "a Loire artisan expected led by the CMA": ["lead: expected cma-63, suggested adret"],
    }


def test_why_not_explains_the_structure_the_case_expected(cases):
    """A failure says why each expected structure did not get its role, in suggest --explain's words."""
    failures = {f["name"]: f for f in report(cases)["failures"]}
    assert failures["honour loan in Lavaudieu expected with a PFIL"]["why_not"] == [
        "pfil-ambert: does not cover commune 43117 Lavaudieu: its territory is local network ambert except "
        "department 42 (Loire)"
    ]
    assert failures["a Loire artisan expected led by the CMA"]["why_not"] == [
        "cma-63: does not cover commune 42039 Chalmazel-Jeansagnière: its territory is department 63 (Puy-de-Dôme)"
    ]
    assert failures["bakery expected without lead"]["why_not"] == []  # nobody was expected in a role


def test_an_orphan_when_a_lead_was_expected(cases, tmp_path):
    """Without a fallback lead the Loire artisan is an orphan: both the lead and the orphan expectations fail."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    routing = rules / "routing.yaml"
    routing.write_text(
        routing.read_text(encoding="utf-8").replace("fallback_lead: [adret]", "fallback_lead: []"), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["rules", "test", str(cases), "--rules", str(rules)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    at = lines.index(f"FAIL {cases}:30: a Loire artisan expected led by the CMA")
    assert lines[at + 1 : at + 5] == [
        "  expected:  lead cma-63; orphan no",
        "  suggested: no lead (orphan); no supporting structure",
        "  - lead: expected cma-63, suggested no lead (orphan)",
        "  - orphan: expected a lead, suggested an orphan fiche",
    ]
