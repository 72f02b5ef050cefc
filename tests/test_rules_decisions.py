"""Three decisions of the rules a coordinator relies on, each of which could once be broken without a
test failing: ``require`` beats ``prefer``; ``rules diff`` reports a need that became uncovered even
when nothing else moved; ``rules coverage`` does not count a structure a rule excludes."""

from __future__ import annotations

from routing_factory import fiche, rule, ruleset, structure

from engine.coverage.report import coverage
from engine.replay.delta import rules_delta
from engine.replay.diff import replay
from engine.routing import compile_rules, suggest

A = structure("a", lead={"natures": ["artisanal"]}, support={"needs": ["honour_loan"]})
B = structure("b", lead={"natures": ["artisanal"]}, support={"needs": ["honour_loan"]})
LEAD = structure("lead", lead={"natures": ["artisanal"]})
BAKERY = {"naf": "10.71C"}


def test_require_wins_over_prefer_for_the_lead():
    """Whichever comes first in the file, the required structure leads, and the reasons say so."""
    for rules in (
        [rule("pref-a", "prefer", "a"), rule("req-b", "require", "b")],
        [rule("req-b", "require", "b"), rule("pref-a", "prefer", "a")],
    ):
        s = suggest(fiche(**BAKERY), compile_rules(ruleset(A, B, rules=rules)))
        assert s.lead.structure == "b"
        assert s.lead.reasons[0] == "imposée comme référente par la règle `req-b` : because of req-b"


def test_require_wins_over_prefer_for_the_same_need():
    """For one need, the structure a rule requires supports it, not the one another rule prefers."""
    for rules in (
        [rule("pref-a", "prefer", "a", role="support", need="honour_loan"),
         rule("req-b", "require", "b", role="support", need="honour_loan")],
        [rule("req-b", "require", "b", role="support", need="honour_loan"),
         rule("pref-a", "prefer", "a", role="support", need="honour_loan")],
    ):  # fmt: skip
        s = suggest(fiche(needs=["honour_loan"], **BAKERY), compile_rules(ruleset(LEAD, A, B, rules=rules)))
        assert [(x.structure, x.needs) for x in s.supporting] == [("b", ["honour_loan"])]


def test_diff_reports_a_need_that_became_uncovered_when_nothing_else_changed():
    """The lead served the need itself; once its file drops the need, the fiche's only change is the
    uncovered need: same lead, same (no) supporting structures, not an orphan."""
    serving = structure("lead", lead={"natures": ["artisanal"]}, support={"needs": ["business_plan"]})
    base, working = ruleset(serving, version="base"), ruleset(LEAD, version="working")
    f = fiche(id="F-2025-0001", needs=["business_plan"], **BAKERY)
    changes, _, _ = replay([f], compile_rules(base), compile_rules(working), rules_delta(base, working))
    [change] = changes
    assert change.changed == ("uncovered_needs",)
    assert (change.before.lead, change.after.lead) == ("lead", "lead")
    assert (change.before.uncovered_needs, change.after.uncovered_needs) == ((), ("business_plan",))
    assert change.causes  # the structure file's change is named as the cause


def _lead_gap(rules: list, network: str, combination: tuple[str, str]) -> bool:
    cov = coverage(compile_rules(ruleset(LEAD, rules=rules)))
    return any(
        e.network == network and e.role == "lead" and e.status == "gap" and combination in e.combinations
        for e in cov.entries
    )


def test_coverage_does_not_count_an_excluded_structure():
    """A structure that a rule excludes as lead in a local network leaves a lead gap there, not elsewhere."""
    exclude = [rule("no-lead-ambert", "exclude", "lead", when={"local_networks": ["ambert"]})]
    assert not _lead_gap([], "ambert", ("artisanal", "creation"))
    assert _lead_gap(exclude, "ambert", ("artisanal", "creation"))
    assert not _lead_gap(exclude, "thiers", ("artisanal", "creation"))


def test_coverage_does_not_count_a_structure_excluded_for_a_need():
    """A support rule excluding the only structure serving a need makes that need a gap."""
    pfil = structure("pfil", kind="pfil", support={"needs": ["honour_loan"]})
    cov = compile_rules(ruleset(LEAD, pfil))
    excluded = compile_rules(ruleset(LEAD, pfil, rules=[rule("no-pfil", "exclude", "pfil", role="support")]))

    def gap(compiled) -> bool:
        return any(
            e.network == "ambert" and e.role == "support" and e.need == "honour_loan" and e.status == "gap"
            for e in coverage(compiled).entries
        )

    assert not gap(cov) and gap(excluded)
