"""The committee's alerts: orphan and stalled fiches, computed at a date from the store's data.

Public API::

    from engine.alerts import alerts_at, AlertFilter
    run = alerts_at(conn, network, charter, as_of, AlertFilter(network="thiers"), who)
    run.alerts                      # [Alert] sorted: most serious first
    run.reaches("warning")          # for --fail-on

The command's use case (store, rules and charter opened once, the caller's identity) is
:func:`engine.app.alerts.alerts`; its renderings are in :mod:`engine.render.alerts`.

Checks (one module each in :mod:`engine.alerts.checks`, ``check(view, ctx) -> Alert | None``):
no_lead, no_competent_structure, stalled, lead_invalid, follow_up_missing, bounced,
need_uncovered, consent_missing.  Severities and thresholds come from the charter's ``alerts:``.
"""

from engine.alerts.checks import CHECKS
from engine.alerts.model import Alert
from engine.alerts.runner import AlertFilter, AlertRun, alerts_at, compute

__all__ = [
    "CHECKS",
    "Alert",
    "AlertFilter",
    "AlertRun",
    "alerts_at",
    "compute",
]
