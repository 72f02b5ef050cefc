"""Use case of the yearly report (``capactif report``): figures per local network and per structure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from engine.app.workspace import Workspace
from engine.identity import Identity
from engine.report import Period, build_report, period_of

__all__ = ["YearlyReport", "report"]


@dataclass
class YearlyReport:
    """The report of one period: ``figures`` holds the documented keys (docs/report.md); no porteur's name."""

    period: Period
    network: str | None
    figures: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.figures


def report(
    ws: Workspace,
    who: Identity,
    *,
    year: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    network: str | None = None,
) -> YearlyReport:
    """The figures of ``--year`` (default the current one) or ``--from``/``--to``, for everyone (counts only)."""
    period = period_of(year, start, end)
    return YearlyReport(period, network, build_report(ws.store, ws.network, period, network=network))
