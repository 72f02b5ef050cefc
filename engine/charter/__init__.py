"""The network's charter: its measurable commitments, the committee's alert thresholds, and the check.

Public API::

    from engine.charter import load_charter
    charter = load_charter(charter_dir)          # raises engine.errors.CharterError, all problems located
    charter.commitments                          # [Commitment(id, title, days, per_stage)]
    charter.alert_thresholds["no_lead"].days     # AlertThreshold(severity, days, per_stage, count)
"""

from engine.charter.loader import load_charter, parse_charter
from engine.charter.model import (
    ALERT_CHECKS,
    COMMITMENTS,
    SEVERITIES,
    AlertThreshold,
    Charter,
    Commitment,
)

__all__ = [
    "ALERT_CHECKS",
    "COMMITMENTS",
    "SEVERITIES",
    "AlertThreshold",
    "Charter",
    "Commitment",
    "load_charter",
    "parse_charter",
]
