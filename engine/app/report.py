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
    """The report of one period: ``figures`` holds the documented keys (docs/report.md); no porteur's name.

    ``previous``: the same figures one year earlier, shown beside these by the HTML, table and
    Markdown renderings, or None when nothing was recorded then (no project met, no installation, no
    offer).  Not in the JSON, whose keys stay those of one period: ask for the other year to compare.
    """

    period: Period
    network: str | None
    figures: dict[str, Any]
    previous: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return self.figures


def year_before(period: Period) -> Period:
    """The same days one year earlier (29 February → 28 February)."""

    def back(day: dt.date) -> dt.date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)

    return Period(back(period.start), back(period.end))


def recorded(figures: dict[str, Any]) -> bool:
    """Whether a period has anything to compare with: a project met, an installation or an offer."""
    return bool(figures["projects_met"] or figures["installed"] or figures["offers_published"])


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
    figures = build_report(ws.store, ws.network, period, network=network)
    before = build_report(ws.store, ws.network, year_before(period), network=network)
    return YearlyReport(period, network, figures, before if recorded(before) else None)
