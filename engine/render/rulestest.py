"""The text report of a routing test run: each failure as expected vs suggested, then a summary."""

from __future__ import annotations

from engine.render import renders
from engine.rulestest.runner import Failure, TestReport


def _expected_line(failure: Failure) -> str:
    parts = []
    for key, value in failure.case.expect.to_dict().items():
        if isinstance(value, dict):
            value = ", ".join(f"{need} by {sid}" for need, sid in value.items())
        elif isinstance(value, list):
            value = ", ".join(value)
        elif value is None:
            value = "none"
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        parts.append(f"{key.replace('_', ' ')} {value}")
    return "; ".join(parts)


def render_failure(failure: Failure) -> str:
    """One failure: where the case is written, what differs, what was suggested and why."""
    case = failure.case
    lines = [
        f"FAIL {case.source}:{case.line}: {case.name}",
        f"  expected:  {_expected_line(failure)}",
        f"  suggested: {failure.outcome.describe()}",
    ]
    lines += [f"  - {d}" for d in failure.differences]
    if failure.outcome.reasons:
        lines.append("  reasons:")
        lines += [f"    {r}" for r in failure.outcome.reasons]
    if failure.why_not:
        lines.append("  why not as expected:")
        lines += [f"    {r}" for r in failure.why_not]
    return "\n".join(lines)


@renders(TestReport, "text")
def render_text(report: TestReport) -> str:
    """Every failure, then 'N cases: P passed, F failed.' (and the rules' version)."""
    blocks = [render_failure(f) for f in report.failures]
    failed = len(report.failures)
    summary = f"{report.total} case(s): {report.passed} passed, {failed} failed"
    if report.rules_version:
        summary += f" (rules {report.rules_version})"
    blocks.append(summary + ".")
    return "\n\n".join(blocks)
