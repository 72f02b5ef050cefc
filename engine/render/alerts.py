"""The alerts as text: a table per local network (default), JSON, CSV (one row per alert), Markdown.

All renderers show the same alerts in the same order (:func:`engine.alerts.runner.sort_key`); the
personal data rule was applied when the alerts were made (``porteur_name`` is empty for callers who
may not see it), so rendering never decides what may be shown.
"""

from __future__ import annotations

from engine.alerts.runner import AlertRun
from engine.charter import SEVERITIES
from engine.output import md, to_csv, to_markdown, to_table
from engine.render import renders

TABLE_COLUMNS = ("severity", "check", "fiche", "since", "days", "message", "action")
TABLE_HEADERS = ("severity", "check", "fiche", "since", "days", "what", "suggested action")
TABLE_WIDTH = 160
CSV_COLUMNS = (
    "network",
    "fiche",
    "commune",
    "stage",
    "check",
    "severity",
    "since",
    "days",
    "message",
    "structures",
    "action",
    "suggested",
    "porteur_name",
)


def _title(run: AlertRun) -> str:
    counts = run.counts()["by_severity"]
    parts = ", ".join(f"{n} {severity}" for severity, n in counts.items() if n)
    return f"Alerts on {run.as_of.isoformat()}: {len(run.alerts)} ({run.fiches} fiches checked)" + (
        f" ({parts})" if parts else ""
    )


def _rows(alerts: list) -> list[dict]:
    rows = []
    for a in alerts:
        row = a.to_dict()
        if a.porteur_name:
            row["fiche"] = f"{a.fiche} ({a.porteur_name})"
        rows.append(row)
    return rows


@renders(AlertRun, "table")
def render_table(run: AlertRun) -> str:
    """One table per local network, most serious first; a line when there is nothing to show."""
    out = [_title(run), f"rules {run.rules_version}"]
    if not run.alerts:
        out.append("No alert: every fiche checked is followed as the charter asks.")
        return "\n".join(out)
    for _, name, alerts in run.groups():
        out.append("")
        out.append(
            to_table(
                _rows(alerts), TABLE_COLUMNS, TABLE_HEADERS, title=f"{name}: {len(alerts)} alert(s)", width=TABLE_WIDTH
            )
        )
    return "\n".join(out)


@renders(AlertRun, "summary")
def render_summary(run: AlertRun, limit: int = 10) -> str:
    """Counts per local network and check, then the ``limit`` most serious and oldest alerts."""
    out = [_title(run)]
    if not run.alerts:
        out.append("No alert: every fiche checked is followed as the charter asks.")
        return "\n".join(out)
    checks = [c for c, n in run.counts()["by_check"].items() if n]
    rows = []
    for _, name, alerts in run.groups():
        row: dict = {"network": name, "total": len(alerts)}
        for c in checks:
            row[c] = sum(1 for a in alerts if a.check == c)
        rows.append(row)
    out.append(to_table(rows, ["network", *checks, "total"], width=TABLE_WIDTH))
    top = sorted(run.alerts, key=lambda a: (-SEVERITIES.index(a.severity), a.since, a.fiche))[:limit]
    out.append(
        to_table(
            _rows(top),
            TABLE_COLUMNS,
            TABLE_HEADERS,
            title=f"The {len(top)} most serious, oldest first",
            width=TABLE_WIDTH,
        )
    )
    out.append("Every alert: capactif alerts --as committee (same --db), --format json for the keys.")
    return "\n".join(out)


@renders(AlertRun, "markdown")
def render_markdown(run: AlertRun) -> str:
    """A Markdown section per local network (for a committee's minutes)."""
    out = [f"# {md(_title(run))}", "", f"Rules {md(run.rules_version)}."]
    if not run.alerts:
        out += ["", "No alert: every fiche checked is followed as the charter asks."]
    for _, name, alerts in run.groups():
        out += ["", f"## {md(name)} ({len(alerts)})", "", to_markdown(_rows(alerts), TABLE_COLUMNS, TABLE_HEADERS)]
    return "\n".join(out)


@renders(AlertRun, "csv")
def render_csv(run: AlertRun) -> str:
    """One row per alert, grouped by local network (``CSV_COLUMNS``)."""
    return to_csv((a.to_dict() for _, _, alerts in run.groups() for a in alerts), CSV_COLUMNS)
