"""Use cases of the committee's pages: the alerts dashboard, the yearly report beside the previous
year, the charter's commitments kept or not.  Nothing here carries a porteur's data: the alerts are
computed for the caller (the committee never gets a name), the report and the charter are figures.

For the committee and the coordinator; a structure or the public is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from engine.app.workspace import Workspace
from engine.errors import AccessDenied
from engine.i18n import _
from engine.identity import Identity

#: How many alerts the dashboard shows first, most urgent first.
URGENT = 10


def check_reader(who: Identity) -> None:
    """The committee's pages are for the committee and the coordinator."""
    if who.is_committee or who.is_coordinator:
        return
    raise AccessDenied(
        _("{who} may not read the committee's pages: they are for the committee and the coordinator").format(
            who=who.label()
        )
    )


def last_meeting(today: dt.date) -> dt.date:
    """The latest monthly meeting day (the month's first working day) on or before ``today``."""
    from engine.agenda.meeting import meeting_day

    this_month = meeting_day(today.year, today.month)
    if this_month <= today:
        return this_month
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return meeting_day(year, month)


@dataclass
class CountCell:
    """Alerts of one check in one local network, now and at the last meeting."""

    now: int
    before: int

    @property
    def change(self) -> int:
        return self.now - self.before


@dataclass
class Dashboard:
    """The committee's dashboard: counts per check × local network (and their change since the last
    meeting), the most urgent alerts, then every alert grouped by local network."""

    as_of: dt.date
    last_meeting: dt.date
    rules_version: str
    fiches: int
    networks: list[tuple[str, str]]
    checks: list[str]
    cells: dict[tuple[str, str], CountCell]
    urgent: list[Any]
    groups: list[tuple[str, str, list[Any]]] = field(default_factory=list)

    def cell(self, check: str, network: str) -> CountCell:
        return self.cells.get((check, network), CountCell(0, 0))

    def total(self, network: str | None = None, check: str | None = None) -> CountCell:
        """Sum over a network (every check), a check (every network), or everything."""
        now = before = 0
        for (c, n), cell in self.cells.items():
            if (network is None or n == network) and (check is None or c == check):
                now += cell.now
                before += cell.before
        return CountCell(now, before)

    def to_dict(self) -> dict[str, Any]:
        """``as_of``, ``last_meeting``, ``rules_version``, ``fiches_checked``, ``counts`` [{``check``,
        ``network``, ``now``, ``at_last_meeting``}], ``urgent`` [alerts], ``networks`` [{``network``,
        ``name``, ``alerts``}]."""
        return {
            "as_of": self.as_of.isoformat(),
            "last_meeting": self.last_meeting.isoformat(),
            "rules_version": self.rules_version,
            "fiches_checked": self.fiches,
            "counts": [
                {"check": c, "network": n, "now": cell.now, "at_last_meeting": cell.before}
                for (c, n), cell in sorted(self.cells.items())
            ],
            "urgent": [a.to_dict() for a in self.urgent],
            "networks": [
                {"network": n, "name": name, "alerts": [a.to_dict() for a in alerts]} for n, name, alerts in self.groups
            ],
        }


def dashboard(ws: Workspace, who: Identity, *, as_of: dt.date | None = None) -> Dashboard:
    """The alerts today (or ``as_of``) and at the last meeting, computed for the caller."""
    from engine.alerts import CHECKS, alerts_at
    from engine.alerts.runner import NO_NETWORK, NO_NETWORK_NAME

    check_reader(who)
    day = as_of or dt.date.today()
    meeting = last_meeting(day)
    net, charter = ws.network, ws.charter
    with ws.store.transaction() as conn:
        now = alerts_at(conn, net, charter, day, who=who)
        before = alerts_at(conn, net, charter, meeting, who=who) if meeting < day else now
    networks = [(n, ln.name) for n, ln in net.territory.local_networks.items()]
    cells: dict[tuple[str, str], CountCell] = {}
    for run, attribute in ((now, "now"), (before, "before")):
        for alert in run.alerts:
            key = (alert.check, alert.network or NO_NETWORK)
            cell = cells.setdefault(key, CountCell(0, 0))
            setattr(cell, attribute, getattr(cell, attribute) + 1)
    if any(n == NO_NETWORK for _, n in cells):
        networks.append((NO_NETWORK, _(NO_NETWORK_NAME)))
    return Dashboard(day, meeting, now.rules_version, now.fiches, networks, list(CHECKS), cells,
                     now.most_urgent(URGENT), now.groups())  # fmt: skip


@dataclass
class YearlyReport:
    """The yearly report of ``year`` and of the year before, side by side."""

    year: int
    current: dict[str, Any]
    previous: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "current": self.current, "previous": self.previous}


def yearly_report(ws: Workspace, who: Identity, year: int) -> YearlyReport:
    """The report of ``year`` and ``year - 1`` (figures only, no porteur's data)."""
    from engine.report import build_report, period_of

    check_reader(who)
    current = build_report(ws.store, ws.network, period_of(year, None, None))
    previous = build_report(ws.store, ws.network, period_of(year - 1, None, None))
    return YearlyReport(year, current, previous)


@dataclass
class CommitmentLine:
    """One commitment of the charter, kept or not over the period."""

    id: str
    title: str
    kept: int
    broken: int
    pending: int
    share: float | None

    @property
    def held(self) -> bool:
        """Kept: no fiche broke it over the period."""
        return self.broken == 0


def charter_lines(ws: Workspace, who: Identity, year: int, *, as_of: dt.date | None = None) -> list[CommitmentLine]:
    """Each commitment of the charter for ``year``: how many fiches kept it, broke it, are pending."""
    from engine.charter.check import check_charter
    from engine.readmodel import load_fiches
    from engine.report import period_of

    check_reader(who)
    period = period_of(year, None, None)
    day = as_of or dt.date.today()
    with ws.store.transaction() as conn:
        fiches = load_fiches(conn, received_to=min(period.end, day))
    net = ws.network
    result = check_charter(fiches, ws.charter, period, day, net.territory, who, net.structure_ids)
    return [
        CommitmentLine(c["id"], c["title"], c["kept"], c["broken"], c["pending"], c["share"])
        for c in result["commitments"]
    ]
