"""Use case of the committee's alerts: ``capactif alerts`` (and the alerts page of the web application)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from engine.alerts.runner import AlertFilter, AlertRun, alerts_at
from engine.app.workspace import Workspace
from engine.identity import Identity

__all__ = ["AlertFilter", "AlertRun", "Alerts", "alerts"]


@dataclass
class Alerts:
    """The alerts of one run, whether they reach the caller's ``--fail-on`` severity, and whether the
    caller asked for every alert (``--all``) or the summary (the counts and the most urgent)."""

    run: AlertRun
    fail_on: str | None = None
    full: bool = False

    @property
    def exit_code(self) -> int:
        """1 when an alert at or above ``fail_on`` is shown, else 0."""
        return 1 if self.fail_on and self.run.reaches(self.fail_on) else 0

    def to_dict(self) -> dict[str, object]:
        return self.run.to_dict()


def alerts(
    ws: Workspace,
    who: Identity,
    *,
    as_of: dt.date | None = None,
    network: str | None = None,
    structure: str | None = None,
    checks: Sequence[str] = (),
    min_severity: str = "info",
    fail_on: str | None = None,
    replay_all: bool = False,
    full: bool = False,
) -> Alerts:
    """The alerts of the store at ``as_of`` (default today), thresholds from the charter, porteurs' names
    only for callers who may see them; the filters are checked first (all problems at once)."""
    net = ws.network
    flt = AlertFilter(network=network, structure=structure, checks=tuple(checks), min_severity=min_severity).check(net)
    charter = ws.charter
    with ws.store.transaction() as conn:
        run = alerts_at(
            conn, net, charter, as_of or dt.date.today(), flt, who, replay_all=replay_all, rules=ws.compiled_rules
        )
    return Alerts(run, fail_on, full)
