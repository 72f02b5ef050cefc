"""Rendering of ``capactif demo``: what was done, where the fiches are, and what to look at."""

from __future__ import annotations

from engine.app.demo import DemoResult
from engine.render import render, renders


@renders(DemoResult, "text")
def render_text(result: DemoResult) -> str:
    """The demo's report: what was done, where it is, and what to look at."""
    from engine.vocabulary import STAGES

    lines = [
        f"Cap Actif demo — store: {result.store} (replaced on each run)",
        f"{result.fiches} synthetic fiches received from {result.period[0]} to {result.period[1]} "
        f"(seed {result.seed}), {result.events} events recorded; "
        + ("history verified." if result.verified else "HISTORY DOES NOT MATCH THE FICHES (db verify)."),
        "",
        "Fiches by stage:",
    ]
    # In the lifecycle's order (idea first), not the store's alphabetical one.
    lines += [f"  {label:<45} {result.stages[stage]:>5}" for stage, label in STAGES.items() if stage in result.stages]
    lines += ["", "Active fiches per référent (caseload):"]
    lines += [f"  {sid:<20} {n:>5}" for sid, n in sorted(result.caseload.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines += ["", f"Without a référent: {result.no_lead}; orphans (no structure can lead): {len(result.orphans)}"]
    if result.orphans:
        lines.append("  " + ", ".join(result.orphans[:20]) + (" …" if len(result.orphans) > 20 else ""))
    from engine.app.suggest import Suggestions

    newest = render(Suggestions(result.rules, result.newest), "text")
    lines += ["", f"Suggestions for the {len(result.newest)} newest fiches (today's caseloads):", newest]
    if result.alerts is not None:
        lines += ["", "Committee alerts:", render(result.alerts, "summary")]
    lines += ["", "Next: capactif fiche list --db " + result.store + "  |  capactif fiche show ID --as coordinator"]
    return "\n".join(lines)
