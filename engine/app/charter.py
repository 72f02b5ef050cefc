"""Use cases of the charter: its commitments in force, and how well they were kept (``capactif charter``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from engine.app import audit
from engine.app.workspace import Workspace
from engine.charter import Charter
from engine.identity import Identity
from engine.report import Period, period_of

__all__ = ["Charter", "CharterCheck", "check", "show"]


def show(ws: Workspace) -> Charter:
    """The charter's commitments and alert thresholds, validated (``CharterError`` with every problem)."""
    return ws.charter


@dataclass
class CharterCheck:
    """How well each commitment was kept over ``period``; ``figures`` holds the documented keys
    (docs/charter.md), the fiches that broke one naming their porteur only for callers who may see it."""

    period: Period
    as_of: dt.date
    figures: dict[str, Any]
    #: Show, behind each commitment, its networks, structures and breaking fiches (``--details``).
    details: bool = False

    @property
    def exit_code(self) -> int:
        """1 when a commitment was broken, else 0."""
        return 1 if any(c["broken"] for c in self.figures["commitments"]) else 0

    def to_dict(self) -> dict[str, Any]:
        return self.figures


def check(
    ws: Workspace,
    who: Identity,
    *,
    year: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    details: bool = False,
) -> CharterCheck:
    """Each commitment's share of fiches for which it was kept, judged with what was known on ``as_of``."""
    from engine.charter.check import check_charter
    from engine.readmodel import load_fiches
    from engine.rules.ruleset import first_reception_structures

    period = period_of(year, start, end)
    charter = ws.charter
    net = ws.network
    day = as_of or dt.date.today()
    with ws.store.transaction() as conn:
        fiches = load_fiches(conn, received_to=min(period.end, day))
    receivers = first_reception_structures(net.rules)
    figures = check_charter(fiches, charter, period, day, net.territory, who, net.structure_ids, receivers)
    audit.record_shown(ws, who, figures, "charter check")
    return CharterCheck(period, day, figures, details)
