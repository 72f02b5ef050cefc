"""Rendering of the charter's results: ``charter show`` (the commitments and alert thresholds in force) and
``charter check`` (one summary table, then per commitment its networks, structures and breaking fiches)."""

from __future__ import annotations

from typing import Any

from engine.app.charter import CharterCheck
from engine.charter.model import Charter
from engine.output import to_json, to_markdown, to_table
from engine.render import renders


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


@renders(Charter, "json")
def charter_json(charter: Charter) -> str:
    """``source``, ``commitments``, ``alerts`` (docs/charter.md)."""
    return to_json(describe(charter))


@renders(Charter, "table")
def charter_table(charter: Charter) -> str:
    """The commitments and the alert thresholds, two tables."""
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


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _summary_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": c["id"],
            "title": c["title"],
            "kept": c["kept"],
            "broken": c["broken"],
            "pending": c["pending"],
            "share": _pct(c["share"]),
        }
        for c in result["commitments"]
    ]


@renders(CharterCheck, "table")
def check_text(check: CharterCheck) -> str:
    """``charter check`` as terminal tables or Markdown."""
    return render_check(check.figures, "table")


@renders(CharterCheck, "markdown")
def check_markdown(check: CharterCheck) -> str:
    """``charter check --format markdown``: headings and Markdown tables (for minutes)."""
    return render_check(check.figures, "markdown")


def render_check(result: dict[str, Any], fmt: str) -> str:
    """``table`` or ``markdown``."""
    cols = ["id", "title", "kept", "broken", "pending", "share"]
    heads = ["commitment", "engagement", "tenus", "non tenus", "en cours", "part tenue"]
    table = to_markdown if fmt == "markdown" else to_table
    heading = f"Engagements de la charte — {result['period']['label']} (au {result['as_of']})"
    parts = [f"# {heading}" if fmt == "markdown" else heading, ""]
    parts.append(
        to_markdown(_summary_rows(result), cols, heads)
        if fmt == "markdown"
        else to_table(_summary_rows(result), cols, heads)
    )
    for c in result["commitments"]:
        parts += ["", f"## {c['title']} ({c['id']})" if fmt == "markdown" else f"{c['title']} ({c['id']})", ""]
        nets = [{**n, "share": _pct(n["share"])} for n in c["by_network"]]
        parts.append(
            table(
                nets,
                ["network", "kept", "broken", "pending", "share"],
                ["réseau local", "tenus", "non tenus", "en cours", "part tenue"],
            )
        )
        structs = [{**s, "share": _pct(s["share"])} for s in c["by_structure"]]
        if structs:
            parts += [
                "",
                table(
                    structs,
                    ["structure", "kept", "broken", "pending", "share"],
                    ["structure", "tenus", "non tenus", "en cours", "part tenue"],
                ),
            ]
        if c["breaking"]:
            parts += [
                "",
                table(
                    c["breaking"],
                    ["fiche", "network", "structure", "due", "detail", "porteur"],
                    ["fiche", "réseau local", "structure", "échéance", "constat", "porteur"],
                ),
            ]
    return "\n".join(parts)
