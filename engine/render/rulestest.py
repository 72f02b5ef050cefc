"""The text report of a routing test run: each failure as expected vs suggested, then a summary."""

from __future__ import annotations

from engine.i18n import N_, _, ngettext
from engine.render import renders
from engine.rulestest.runner import Failure, TestReport


def _expected_value(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(_("{need} by {structure}").format(need=need, structure=sid) for need, sid in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if value is None:
        return _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


#: The expectations of a case (the keys of its ``expect:``), as the report names them (msgids).
EXPECTATIONS = {"lead": N_("lead"), "supporting_include": N_("supporting include"),
                "supporting_exclude": N_("supporting exclude"), "uncovered_needs": N_("uncovered needs"),
                "covered_by": N_("covered by"), "orphan": N_("orphan"), "oriented_to": N_("oriented to")}  # fmt: skip


def _expected_line(failure: Failure) -> str:
    """What the case expected, ``name value`` per expectation."""
    expect = failure.case.expect.to_dict()
    return "; ".join(f"{_(EXPECTATIONS.get(key, key))} {_expected_value(value)}" for key, value in expect.items())


def render_failure(failure: Failure) -> str:
    """One failure: where the case is written, what differs, what was suggested and why."""
    case = failure.case
    lines = [
        _("FAIL {file}:{line}: {name}").format(file=case.source, line=case.line, name=case.name),
        "  " + _("expected:  {expected}").format(expected=_expected_line(failure)),
        "  " + _("suggested: {suggested}").format(suggested=failure.outcome.describe()),
    ]
    lines += [f"  - {d}" for d in failure.differences]
    if failure.outcome.reasons:
        lines.append("  " + _("reasons:"))
        lines += [f"    {r}" for r in failure.outcome.reasons]
    if failure.why_not:
        lines.append("  " + _("why not as expected:"))
        lines += [f"    {r}" for r in failure.why_not]
    return "\n".join(lines)


@renders(TestReport, "text")
def render_text(report: TestReport) -> str:
    """Every failure, then 'N cases: P passed, F failed.' (and the rules' version)."""
    blocks = [render_failure(f) for f in report.failures]
    failed = len(report.failures)
    if report.rules_version:
        summary = ngettext(
            "{total} case: {passed} passed, {failed} failed (rules {version}).",
            "{total} cases: {passed} passed, {failed} failed (rules {version}).",
            report.total,
        )
    else:
        summary = ngettext(
            "{total} case: {passed} passed, {failed} failed.",
            "{total} cases: {passed} passed, {failed} failed.",
            report.total,
        )
    blocks.append(summary.format(total=report.total, passed=report.passed, failed=failed, version=report.rules_version))
    return "\n\n".join(blocks)
