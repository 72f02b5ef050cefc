"""Use cases of the committee's decisions: put an action to the committee, record its decision, list them.

The coordinator writes; everyone reads (decisions hold no personal data).  Each decision is listed
with the rules versions published under it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from engine.app.workspace import Workspace
from engine.decisions import repository as repo
from engine.identity import Identity


@dataclass
class ListedDecision:
    """A decision and the rules versions published under it."""

    decision: repo.Decision
    rules_versions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The decision's keys (docs/decisions.md) and ``rules_versions``."""
        return {**self.decision.to_dict(), "rules_versions": self.rules_versions}


@dataclass
class DecisionList:
    """``decision list``: the latest put first."""

    decisions: list[ListedDecision]

    def to_dict(self) -> dict[str, Any]:
        return {"decisions": [d.to_dict() for d in self.decisions]}


def add_decision(
    ws: Workspace, who: Identity, *, kind: str, title: str, put_on: dt.date | None = None, description: str = ""
) -> repo.Decision:
    """Record an action put to the committee (``pending``); ``put_on`` defaults to today."""
    with ws.store.transaction() as conn:
        return repo.add_decision(
            conn, who, kind=kind, title=title, put_on=put_on or dt.date.today(), description=description
        )


def record_decision(
    ws: Workspace, who: Identity, decision_id: str, *, outcome: str, decided_on: dt.date | None = None, note: str = ""
) -> repo.Decision:
    """Record the committee's decision on an action; ``decided_on`` defaults to today."""
    with ws.store.transaction() as conn:
        return repo.record_outcome(
            conn, who, decision_id, outcome=outcome, decided_on=decided_on or dt.date.today(), note=note
        )


def list_decisions(
    ws: Workspace, who: Identity, *, outcome: str | None = None, kind: str | None = None
) -> DecisionList:
    """Every decision (filtered), each with the rules versions published under it."""
    from engine.published.repository import history

    with ws.store.transaction() as conn:
        found = repo.list_decisions(conn, outcome=outcome, kind=kind)
        by_decision: dict[str, list[str]] = {}
        for publication in reversed(history(conn)):
            if publication.decision:
                by_decision.setdefault(publication.decision, []).append(publication.version)
    return DecisionList([ListedDecision(d, by_decision.get(d.id, [])) for d in found])
