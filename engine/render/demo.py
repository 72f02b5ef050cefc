"""Rendering of ``capactif demo``: what was done, where the fiches are, and what to look at."""

from __future__ import annotations

from engine.app.demo import DemoResult
from engine.i18n import _
from engine.render import render, renders


@renders(DemoResult, "text")
def render_text(result: DemoResult) -> str:
    """The demo's report: what was done, where it is, and what to look at."""
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
        "",
        _("Fiches by stage:"),
    ]
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
    if result.alerts is not None:
        lines += ["", _("Committee alerts:"), render(result.alerts, "summary")]
    lines += [
        "",
        _("Next: {list}  |  {show}").format(
            list=f"capactif fiche list --db {result.store}", show="capactif fiche show ID --as coordinator"
        ),
    ]
    return "\n".join(lines)
