"""``capactif charter show``: the commitments and alert thresholds in force, as the engine read them."""

from __future__ import annotations

from typing import Any

from engine.charter.model import Charter
from engine.output import to_json, to_table


def describe(charter: Charter) -> dict[str, Any]:
    """JSON-ready view: ``source``, ``commitments`` (id, title, days, per_stage), ``alerts`` by check."""
    return {
        "source": charter.source,
        "commitments": [c.to_dict() for c in charter.commitments],
        "alerts": {check: t.to_dict() for check, t in charter.alert_thresholds.items()},
    }


def _delays(days: int | None, per_stage: Any) -> str:
    parts = [f"{days} j" if days else ""]
    parts += [f"{stage}: {n} j" for stage, n in per_stage.items()]
    return ", ".join(p for p in parts if p)


def render(charter: Charter, fmt: str) -> str:
    """The charter in ``table`` or ``json`` form."""
    if fmt == "json":
        return to_json(describe(charter))
    commitments = [{"id": c.id, "title": c.title, "delay": _delays(c.days, c.per_stage)} for c in charter.commitments]
    alerts = [
        {
            "check": check,
            "severity": t.severity,
            "threshold": _delays(t.days, t.per_stage) or (f"{t.count} fois" if t.count else "—"),
        }
        for check, t in charter.alert_thresholds.items()
    ]
    return "\n".join(
        [
            to_table(
                commitments,
                ["id", "title", "delay"],
                ["commitment", "engagement", "délai"],
                title=f"Engagements ({charter.source})",
            ),
            "",
            to_table(
                alerts,
                ["check", "severity", "threshold"],
                ["alert check", "severity", "seuil"],
                title="Seuils des alertes",
            ),
        ]
    )
