"""The committee's alerts: orphan and stalled fiches, computed at a date from the store's data.

Public API::

    from engine.alerts import run_alerts, AlertFilter
    run = run_alerts(db_url, rules_path, charter_path, as_of=date, flt=AlertFilter(network="thiers"), as_="committee")
    run.alerts                      # [Alert] sorted: most serious first
    run.reaches("warning")          # for --fail-on
    engine.alerts.render.render(run, "json")

Checks (one module each in :mod:`engine.alerts.checks`, ``check(view, ctx) -> Alert | None``):
no_lead, no_competent_structure, stalled, lead_invalid, follow_up_missing, bounced,
need_uncovered, consent_missing.  Severities and thresholds come from the charter's ``alerts:``.
"""

from engine.alerts.checks import CHECKS
from engine.alerts.model import Alert, FicheView
from engine.alerts.runner import AlertFilter, AlertRun, alerts_at, compute, demo_alerts, run_alerts

__all__ = [
    "CHECKS",
    "Alert",
    "AlertFilter",
    "AlertRun",
    "FicheView",
    "alerts_at",
    "compute",
    "demo_alerts",
    "run_alerts",
]
