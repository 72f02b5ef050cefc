"""Rendering of ``capactif decision add/record/list``: the actions put to the committee and its decisions."""

from __future__ import annotations

from engine.app.decisions import DecisionList
from engine.decisions import KINDS, OUTCOMES
from engine.decisions.repository import Decision
from engine.i18n import _, pgettext
from engine.output import to_table
from engine.render import renders


@renders(Decision, "text")
def decision_text(found: Decision) -> str:
    """A pending action: when it is put to the committee; a decided one: what was decided and when."""
    if found.pending or found.decided_on is None:
        return _("{id} put to the committee on {day}: {title}").format(id=found.id, day=found.put_on, title=found.title)
    outcome = OUTCOMES.get(found.outcome, found.outcome)
    return _("{id}: {outcome} on {day}.").format(id=found.id, outcome=outcome, day=found.decided_on)


@renders(DecisionList, "table")
def decisions_table(result: DecisionList) -> str:
    """One row per action (latest first): kind, title, decision, its date and the rules published under it."""
    rows = [
        {
            "id": d.decision.id, "put_on": d.decision.put_on.isoformat(), "kind": KINDS[d.decision.kind],
            "title": d.decision.title, "outcome": OUTCOMES[d.decision.outcome],
            "decided_on": d.decision.decided_on.isoformat() if d.decision.decided_on else "",
            "rules": ", ".join(d.rules_versions),
        }
        for d in result.decisions
    ]  # fmt: skip
    if not rows:
        return _("No action put to the committee yet.")
    columns = ["id", "put_on", "kind", "title", "outcome", "decided_on", "rules"]
    headers = [_("decision"), _("put on"), _("kind"), _("action"), _("committee's decision"), pgettext("date", "on"),
               _("rules published")]  # fmt: skip
    return to_table(rows, columns, headers, title=_("The committee's decisions"))
