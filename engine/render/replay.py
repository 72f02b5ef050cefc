"""The text report of a replay: each changed fiche (before → after, because …), then the summaries."""

from __future__ import annotations

from engine.output import to_table
from engine.render import renders
from engine.replay.diff import FicheChange, ReplayReport
from engine.rulestest.outcome import Outcome


def _supporting(outcome: Outcome) -> str:
    if not outcome.supporting:
        return "none"
    return ", ".join(f"{sid} ({', '.join(needs)})" if needs else sid for sid, needs in outcome.supporting)


def _part(name: str, outcome: Outcome) -> str:
    if name == "lead":
        return outcome.lead or "no lead"
    if name == "supporting":
        return _supporting(outcome)
    if name == "uncovered_needs":
        return ", ".join(outcome.uncovered_needs) or "none"
    return "yes" if outcome.orphan else "no"


_LABELS = {"lead": "lead", "supporting": "supporting", "uncovered_needs": "uncovered needs", "orphan": "orphan"}


def render_change(change: FicheChange) -> str:
    """One fiche: what changed, before → after, and what made the difference."""
    lines = [f"{change.fiche} ({change.commune_name or change.commune}, local network {change.local_network})"]
    for name in change.changed:
        lines.append(f"  {_LABELS[name]}: {_part(name, change.before)} → {_part(name, change.after)}")
    if change.causes:
        lines.append("  because:")
        lines += [f"    {c}" for c in change.causes]
    if change.reasons_after:
        lines.append("  reasons now:")
        lines += [f"    {r}" for r in change.reasons_after]
    if change.reasons_before:
        lines.append("  reasons before:")
        lines += [f"    {r}" for r in change.reasons_before]
    return "\n".join(lines)


@renders(ReplayReport, "text")
def render_text(report: ReplayReport) -> str:
    """The whole report; ends with 'N of M fiche(s) change.'."""
    head = f"Replay of {report.fiches} fiche(s) from {report.source or 'no source'}"
    if report.as_of:
        head += f" as of {report.as_of}"
    head += (
        f"\n  base:    {report.base} (rules {report.base_version})"
        f"\n  working: {report.working} (rules {report.working_version})"
    )
    blocks = [head]
    differences = report.delta.lines()
    blocks.append(
        "What differs in the rules:\n" + "\n".join(f"  {line}" for line in differences)
        if differences
        else "The two rule sets do not differ."
    )
    blocks += [render_change(c) for c in report.changes]
    if report.changes:
        rows = [{"structure": sid, **vars(counts)} for sid, counts in sorted(report.by_structure.items())]
        blocks.append(
            to_table(
                rows,
                ["structure", "gained_lead", "lost_lead", "gained_support", "lost_support"],
                ["structure", "gained as lead", "lost as lead", "gained as support", "lost as support"],
                title="By structure",
            )
        )
    rows = [{"local_network": net, **vars(counts)} for net, counts in sorted(report.by_local_network.items())]
    if rows:
        blocks.append(
            to_table(
                rows,
                ["local_network", "fiches", "changed", "orphans_before", "orphans_after"],
                ["local network", "fiches", "changed", "orphans before", "orphans after"],
                title="By local network",
            )
        )
    blocks.append(f"{len(report.changes)} of {report.fiches} fiche(s) change.")
    return "\n\n".join(blocks)
