"""Rendering ``charter check``: one summary table, then per commitment its networks, structures and breaking fiches."""

from __future__ import annotations

from typing import Any

from engine.output import to_json, to_markdown, to_table


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


def render_check(result: dict[str, Any], fmt: str) -> str:
    """``table``, ``json`` or ``markdown``."""
    if fmt == "json":
        return to_json(result)
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
