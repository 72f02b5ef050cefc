"""Running routing tests: each case's fiche through ``suggest``, compared with what was agreed.

A failure keeps the whole suggestion (lead, supports, uncovered needs, reasons) next to the
expectation, so that the coordinator sees at once what differs and why the engine decided so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.i18n import _
from engine.rulestest.model import Case, Expectation
from engine.rulestest.outcome import Outcome, outcome_of


@dataclass(frozen=True)
class Failure:
    """A case whose suggestion differs from its expectation."""

    case: Case
    differences: tuple[str, ...]
    outcome: Outcome
    why_not: tuple[str, ...] = ()  # why each expected structure did not get its role

    def to_dict(self) -> dict[str, Any]:
        """``{"file", "line", "name", "expected", "suggested", "differences", "reasons", "why_not"}``."""
        return {
            "file": self.case.source,
            "line": self.case.line,
            "name": self.case.name,
            "expected": self.case.expect.to_dict(),
            "suggested": self.outcome.to_dict(),
            "differences": list(self.differences),
            "reasons": list(self.outcome.reasons),
            "why_not": list(self.why_not),
        }


@dataclass
class TestReport:
    """The result of a run: how many cases, which failed, with which rules."""

    __test__ = False  # not a pytest class

    total: int
    failures: list[Failure] = field(default_factory=list)
    rules_version: str = ""

    @property
    def passed(self) -> int:
        """Cases whose suggestion met every expectation."""
        return self.total - len(self.failures)

    @property
    def ok(self) -> bool:
        """True when every case passed."""
        return not self.failures

    @property
    def exit_code(self) -> int:
        """``rules test``: 0 when every case passed, 1 when one failed."""
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        """``{"total", "passed", "failures": [...], "rules_version"}``."""
        return {
            "total": self.total,
            "passed": self.passed,
            "failures": [f.to_dict() for f in self.failures],
            "rules_version": self.rules_version,
        }


#: Next candidates for lead shown with a failure (their reasons say why each lost).
ALTERNATIVES = 3


def differences(expect: Expectation, got: Outcome, declared_needs: Iterable[str] = ()) -> list[str]:
    """Each expectation the outcome does not meet, as a sentence naming expected and suggested."""
    out: list[str] = []
    if expect.lead_given and expect.lead != got.lead:
        wanted = expect.lead or _("no lead")
        found = got.lead or (_("no lead (orphan)") if got.orphan else _("no lead"))
        out.append(_("lead: expected {expected}, suggested {suggested}").format(expected=wanted, suggested=found))
    if expect.orphan is not None and expect.orphan != got.orphan:
        out.append(
            _("orphan: expected an orphan fiche (no structure can lead), suggested a lead")
            if expect.orphan
            else _("orphan: expected a lead, suggested an orphan fiche")
        )
    supports = dict(got.supporting)
    for sid in expect.supporting_include:
        if sid not in supports:
            text = (
                _("supporting: expected {structure} among the supporting structures, not suggested (suggested as lead)")
                if sid == got.lead
                else _("supporting: expected {structure} among the supporting structures, not suggested")
            )
            out.append(text.format(structure=sid))
    for sid in expect.supporting_exclude:
        if sid in supports:
            needs = ", ".join(supports[sid]) or _("no need")
            out.append(
                _("supporting: expected {structure} not to support, suggested for {needs}").format(
                    structure=sid, needs=needs
                )
            )
    uncovered = set(got.uncovered_needs)
    declared = set(declared_needs)
    for need in expect.uncovered_needs:
        if need not in uncovered:
            by = [sid for sid, needs in got.supporting if need in needs]
            if by:
                who = _("covered by {structures}").format(structures=", ".join(by))
            elif need not in declared:
                who = _("but the case's fiche does not declare that need")
            elif got.lead:
                who = _("covered by the lead {lead}").format(lead=got.lead)
            else:
                who = _("not reported as uncovered")
            out.append(_("uncovered needs: expected {need} to be uncovered, {found}").format(need=need, found=who))
    for need, sid in expect.covered_by:
        by = [s for s, needs in got.supporting if need in needs]
        if sid in by:
            continue
        if by:
            found = _("covered by {structures}").format(structures=", ".join(by))
        elif need in uncovered:
            found = _("uncovered")
        elif need not in declared:
            found = _("but the case's fiche does not declare that need")
        elif got.lead == sid:
            continue
        elif got.lead:
            found = _("covered by the lead {lead}").format(lead=got.lead)
        else:
            found = _("not covered")
        out.append(
            _("need {need}: expected covered by {structure}, {found}").format(need=need, structure=sid, found=found)
        )
    oriented = dict(got.orientations)
    for need, oid in expect.oriented_to:
        if oid not in oriented.get(need, ()):
            named = ", ".join(oriented.get(need, ())) or _("no structure outside the network")
            text = (
                _("orientation for {need}: expected {expected}, named {named}")
                if need in uncovered
                else _(
                    "orientation for {need}: expected {expected}, named {named} "
                    "(the need is not uncovered: orientation is for uncovered needs)"
                )
            )
            out.append(text.format(need=need, expected=oid, named=named))
    return out


def missed_structures(expect: Expectation, got: Outcome) -> list[str]:
    """Structures the case expected in a role they did not get (to be explained), in a fixed order."""
    ids = []
    if expect.lead_given and expect.lead and expect.lead != got.lead:
        ids.append(expect.lead)
    supports = dict(got.supporting)
    ids += [sid for sid in expect.supporting_include if sid not in supports]
    for need, sid in expect.covered_by:
        if need not in supports.get(sid, ()) and sid != got.lead:
            ids.append(sid)
    return list(dict.fromkeys(ids))


def run_cases(
    cases: Iterable[Case],
    compiled: Any,
    suggest: Callable[..., Any] | None = None,
    rules_version: str = "",
    explain: Callable[..., Any] | None = None,
) -> TestReport:
    """Route every case's fiche through ``suggest`` (``engine.routing.suggest`` by default).

    A failure also carries ``explain(fiche, compiled, structure)`` for each structure the case
    expected in a role it did not get (``engine.routing.explain`` by default).
    """
    from engine.routing import explain as explain_default
    from engine.routing import suggest as suggest_default

    suggest = suggest or suggest_default
    explain = explain or explain_default
    report = TestReport(total=0, rules_version=rules_version)
    for case in cases:
        report.total += 1
        outcome = outcome_of(suggest(case.fiche, compiled), with_reasons=False)
        found = differences(case.expect, outcome, case.fiche.needs)
        if found:
            # again with the next candidates for lead, whose reasons say why each lost
            outcome = outcome_of(suggest(case.fiche, compiled, alternatives=ALTERNATIVES))
            why_not = tuple(
                f"{sid}: {reason}"
                for sid in missed_structures(case.expect, outcome)
                for reason in explain(case.fiche, compiled, sid).reasons
            )
            report.failures.append(Failure(case, tuple(found), outcome, why_not))
    return report
