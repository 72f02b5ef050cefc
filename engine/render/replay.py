"""The text report of a replay: each changed fiche (before → after, because …), then the summaries."""

from __future__ import annotations

from engine.i18n import N_, _, ngettext, pgettext
from engine.output import to_table
from engine.render import renders
from engine.replay.diff import FicheChange, ReplayReport
from engine.rulestest.outcome import Outcome


def _supporting(outcome: Outcome) -> str:
    if not outcome.supporting:
        return _("none")
    return ", ".join(f"{sid} ({', '.join(needs)})" if needs else sid for sid, needs in outcome.supporting)


def _part(name: str, outcome: Outcome) -> str:
    if name == "lead":
        return outcome.lead or _("no lead")
    if name == "supporting":
        return _supporting(outcome)
    if name == "uncovered_needs":
        return ", ".join(outcome.uncovered_needs) or _("none")
    return _("yes") if outcome.orphan else _("no")


#: What changed, by the name of the outcome's part (msgids).
_LABELS = {"lead": N_("lead"), "supporting": N_("supporting"), "uncovered_needs": N_("uncovered needs"),
           "orphan": N_("orphan")}  # fmt: skip


def render_change(change: FicheChange) -> str:
    """One fiche: what changed, before → after, and what made the difference."""
    lines = [
        _("{fiche} ({commune}, local network {network})").format(
            fiche=change.fiche, commune=change.commune_name or change.commune, network=change.local_network
        )
    ]
    for name in change.changed:
        before, after = _part(name, change.before), _part(name, change.after)
        lines.append("  " + _("{what}: {before} → {after}").format(what=_(_LABELS[name]), before=before, after=after))
    for heading, items in ((_("because:"), change.causes), (_("reasons now:"), change.reasons_after),
                           (_("reasons before:"), change.reasons_before)):  # fmt: skip
        if items:
            lines.append("  " + heading)
            lines += [f"    {item}" for item in items]
    return "\n".join(lines)


@renders(ReplayReport, "text")
def render_text(report: ReplayReport) -> str:
    """The whole report; ends with 'N of M fiche(s) change.'."""
    source = report.source or _("no source")
    if report.as_of:
        head = ngettext(
            "Replay of {n} fiche from {source} as of {date}",
            "Replay of {n} fiches from {source} as of {date}",
            report.fiches,
        )
    else:
        head = ngettext("Replay of {n} fiche from {source}", "Replay of {n} fiches from {source}", report.fiches)
    head = head.format(n=report.fiches, source=source, date=report.as_of)
    head += "\n  " + _("base:    {rules} (rules {version})").format(rules=report.base, version=report.base_version)
    head += "\n  " + _("working: {rules} (rules {version})").format(
        rules=report.working, version=report.working_version
    )
    blocks = [head]
    differences = report.delta.lines()
    blocks.append(
        _("What differs in the rules:") + "\n" + "\n".join(f"  {line}" for line in differences)
        if differences
        else _("The two rule sets do not differ.")
    )
    blocks += [render_change(c) for c in report.changes]
    if report.changes:
        rows = [{"structure": sid, **vars(counts)} for sid, counts in sorted(report.by_structure.items())]
        blocks.append(
            to_table(
                rows,
                ["structure", "gained_lead", "lost_lead", "gained_support", "lost_support"],
                [
                    _("structure"),
                    _("gained as lead"),
                    _("lost as lead"),
                    _("gained as support"),
                    _("lost as support"),
                ],
                title=_("Per structure"),
            )
        )
    rows = [{"local_network": net, **vars(counts)} for net, counts in sorted(report.by_local_network.items())]
    if rows:
        blocks.append(
            to_table(
                rows,
                ["local_network", "fiches", "changed", "orphans_before", "orphans_after"],
                [
                    _("local network"),
                    _("fiches"),
                    pgettext("fiches", "changed"),
                    _("orphans before"),
                    _("orphans after"),
                ],
                title=_("Per local network"),
            )
        )
    blocks.append(
        ngettext("{changed} of {n} fiche changes.", "{changed} of {n} fiches change.", report.fiches).format(
            changed=len(report.changes), n=report.fiches
        )
    )
    return "\n\n".join(blocks)
