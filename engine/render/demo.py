"""Rendering of ``capactif demo``: what was done, the year's figures beside 2004's, and what to look at."""

from __future__ import annotations

from collections import Counter

from engine.app.demo import BILAN_2004, DemoResult
from engine.i18n import _, format_decimal, format_percent
from engine.render import render, renders
from engine.render.alerts import check_label, summary_text


def _share(part: int | None, whole: int | None) -> str:
    return format_percent(part / whole, 0) if part is not None and whole else ""


def figures_lines(result: DemoResult) -> list[str]:
    """The year's eight figures, each beside the network's 2004 figure (counts and shares)."""
    from engine.report.indicators import label

    r = result.report
    base = {"with_referent": "projects_met", "network_effect": "projects_met", "installed": "projects_met",
            "installed_with_follow_up": "installed", "installed_via_offer": "installed"}  # fmt: skip
    lines = [
        _("The demo's year, from {start} to {end}, beside the network's 2004 report:").format(
            start=result.period[0], end=result.period[1]
        )
    ]
    for key, then in BILAN_2004.items():
        of = base.get(key)
        now_share = _share(r.get(key), r.get(of)) if of else ""
        then_share = _share(then, BILAN_2004[of]) if of else ""
        lines.append(f"  {label(key):<66} {r.get(key, 0):>5} {now_share:>5}   (2004 : {then:>3} {then_share:>5})")
    months = (r.get("median_days") or {}).get("reception_to_installation")
    if months is not None:
        lines.append(
            "  "
            + _("median time from first contact to installation: {months} months").format(
                months=format_decimal(months / 30.44)
            )
        )
    return lines


def alerts_sentence(result: DemoResult) -> str:
    """What a committee should make of the alerts' count, in one sentence."""
    assert result.alerts is not None
    counts = result.alerts.counts()
    if not counts["total"]:
        return _("No alert: every fiche in progress is within the charter's delays.")
    actionable = Counter(a.check for a in result.alerts.alerts if a.severity != "info") or Counter(
        a.check for a in result.alerts.alerts
    )
    check, n = actionable.most_common(1)[0]
    return _(
        "{total} alerts on {active} fiches in progress: each names a fiche where a delay of the charter has "
        "passed or is about to (no référent, no news, a suggestion unanswered, an installation without "
        "follow-up) and the structure that should act; the committee reads them by local network, asks each "
        "structure named to deal with its own before the next meeting, and takes up the most frequent, "
        "{check} ({n}), as a matter for the whole network rather than fiche by fiche."
    ).format(total=counts["total"], active=result.active, check=check_label(check), n=n)


@renders(DemoResult, "text")
def render_text(result: DemoResult) -> str:
    """The demo's report: what was done, where it is, the year's figures, and what to look at."""
    from engine.vocabulary import STAGES

    verified = _("history verified.") if result.verified else _("HISTORY DOES NOT MATCH THE FICHES (db verify).")
    lines = [
        _("Cap Actif demo — store: {store} (replaced on each run)").format(store=result.store),
        _(
            "{n} synthetic fiches received from {first} to {last} (seed {seed}), {events} events recorded; {verified}"
        ).format(
            n=result.fiches,
            first=result.period[0],
            last=result.period[1],
            seed=result.seed,
            events=result.events,
            verified=verified,
        ),
    ]
    if result.fiches_before:
        lines.append(
            _("and {n} fiches received in the six months before, whose projects carry on into the year.").format(
                n=result.fiches_before
            )
        )
    lines += ["", _("Fiches by stage:")]
    # In the lifecycle's order (idea first), not the store's alphabetical one.
    lines += [f"  {label:<45} {result.stages[stage]:>5}" for stage, label in STAGES.items() if stage in result.stages]
    lines += ["", _("Active fiches per référent (caseload):")]
    lines += [f"  {sid:<20} {n:>5}" for sid, n in sorted(result.caseload.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines += [
        "",
        _("Without a référent: {n}; orphans (no structure can lead): {orphans}").format(
            n=result.no_lead, orphans=len(result.orphans)
        ),
    ]
    if result.orphans:
        lines.append("  " + ", ".join(result.orphans[:20]) + (" …" if len(result.orphans) > 20 else ""))
    from engine.app.suggest import Suggestions

    newest = render(Suggestions(result.rules, result.newest), "text")
    lines += ["", _("Suggestions for the {n} newest fiches (today's caseloads):").format(n=len(result.newest)), newest]
    if result.report:
        lines += ["", *figures_lines(result)]
    if result.alerts is not None:
        summary = summary_text(result.alerts, every=result.alerts_every)
        lines += ["", _("Committee alerts:"), summary, "", alerts_sentence(result)]
    if result.next_commands:
        lines += ["", _("To look further (each command runs as printed):")]
        lines += [f"    {command}" for command in result.next_commands]
    return "\n".join(lines)
