"""The alerts as text: the summary first (counts per check × local network, the ten most urgent), the
full list per local network on request (``--all``); JSON, CSV (one row per alert), Markdown.

All renderers show the same alerts in the same order (:func:`engine.alerts.runner.sort_key` within a
local network, :func:`engine.alerts.runner.urgency` for the most urgent); the personal data rule was
applied when the alerts were made (``porteur_name`` is empty for callers who may not see it), so
rendering never decides what may be shown.  Words are French by default (the catalog), English with
``--lang en``; ids (checks, fiches, structures) stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.alerts.model import CHECK_LABELS, SEVERITY_LABELS, Alert
from engine.alerts.runner import AlertRun
from engine.app.alerts import Alerts
from engine.i18n import _, ngettext
from engine.output import md, to_csv, to_json, to_markdown, to_table
from engine.render import renders

TABLE_COLUMNS = ("severity", "check", "fiche", "since", "message", "action")
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
    "command",
)


def _headers() -> list[str]:
    return [_("severity"), _("check"), _("fiche"), _("since"), _("what was found"), _("what to do")]


def check_label(check: str) -> str:
    """'sans référent' (the check in words, in the language in force)."""
    return _(CHECK_LABELS[check]) if check in CHECK_LABELS else check


def severity_label(severity: str) -> str:
    """'critique', 'attention', 'information'."""
    return _(SEVERITY_LABELS[severity]) if severity in SEVERITY_LABELS else severity


def title(run: AlertRun) -> str:
    """'Alertes au 2026-06-30 : 375 alertes — 500 fiches vérifiées (313 attention, 62 information)'."""
    n = run.total
    head = ngettext("Alerts on {date}: {n} alert", "Alerts on {date}: {n} alerts", n).format(
        date=run.as_of.isoformat(), n=n
    )
    checked = ngettext("{n} fiche checked", "{n} fiches checked", run.fiches).format(n=run.fiches)
    parts = ", ".join(f"{k} {severity_label(s)}" for s, k in run.counts()["by_severity"].items() if k)
    return f"{head} — {checked}" + (f" ({parts})" if parts else "")


def _nothing() -> str:
    return _("No alert: every fiche checked is followed as the charter asks.")


def _rows(alerts: Sequence[Alert]) -> list[dict[str, Any]]:
    rows = []
    for a in alerts:
        row = a.to_dict()
        row["fiche"] = f"{a.fiche} ({a.porteur_name})" if a.porteur_name else a.fiche
        row["severity"] = severity_label(a.severity)
        row["check"] = check_label(a.check)
        row["since"] = _("{date} ({days} days)").format(date=a.since.isoformat(), days=a.days)
        rows.append(row)
    return rows


def count_rows(run: AlertRun) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Columns, headers and rows of the counts per check (rows) × local network (columns, by id: the
    names would widen every column of figures), with totals."""
    per_network = run.by_network()
    columns = ["check", *(n["network"] for n in per_network), "total"]
    headers = [_("check"), *(n["network"] for n in per_network), _("total")]
    rows: list[dict[str, Any]] = []
    for check, total in run.counts()["by_check"].items():
        if not total:
            continue
        row: dict[str, Any] = {"check": f"{check_label(check)} ({check})", "total": total}
        row.update({n["network"]: n["by_check"][check] for n in per_network})
        rows.append(row)
    last: dict[str, Any] = {"check": _("total"), "total": run.total}
    last.update({n["network"]: n["total"] for n in per_network})
    rows.append(last)
    return columns, headers, rows


def _urgent_heading(count: int) -> str:
    return ngettext(
        "The most urgent alert (most serious first, then the oldest)",
        "The {n} most urgent alerts (most serious first, then the oldest)",
        count,
    ).format(n=count)


def _more_line(run: AlertRun, shown: int, full: bool, every: str | None = None) -> str:
    more = run.total - shown
    if full or more <= 0:
        return _("Every alert's data: --format json (or csv).")
    if every is not None:
        return ngettext(
            "{n} more alert: the full list with the command below (add --format json for the data):",
            "{n} more alerts: the full list with the command below (add --format json for the data):",
            more,
        ).format(n=more)
    return ngettext(
        "{n} more alert: capactif alerts --all for the full list, --format json for the data.",
        "{n} more alerts: capactif alerts --all for the full list, --format json for the data.",
        more,
    ).format(n=more)


def _network_heading(name: str, count: int) -> str:
    return ngettext("{name}: {n} alert", "{name}: {n} alerts", count).format(name=name, n=count)


def summary_text(run: AlertRun, *, full: bool = False, every: str | None = None) -> str:
    """The counts per check × local network, the ten most urgent; with ``full`` every alert per local
    network after that.  Tables as wide as the terminal.  ``every``: the command listing every alert
    (:attr:`engine.app.alerts.Alerts.every`), printed on its own last line when some were left out."""
    out = [title(run), _("Rules {version}.").format(version=run.rules_version)]
    if not run.total:
        out.append(_nothing())
        return "\n".join(out)
    columns, headers, rows = count_rows(run)
    out += ["", to_table(rows, columns, headers, title=_("Alerts per check and local network"))]
    urgent = run.most_urgent()
    out += ["", to_table(_rows(urgent), TABLE_COLUMNS, _headers(), title=_urgent_heading(len(urgent)))]
    if full:
        for _n, name, alerts in run.groups():
            out += ["", to_table(_rows(alerts), TABLE_COLUMNS, _headers(), title=_network_heading(name, len(alerts)))]
    out += ["", _more_line(run, len(urgent), full, every)]
    if every is not None and not full and run.total > len(urgent):
        out.append(f"    {every}")
    return "\n".join(out)


def summary_markdown(run: AlertRun, *, full: bool = False, every: str | None = None) -> str:
    """The same as :func:`summary_text` in Markdown, for the committee's minutes."""
    out = [f"# {md(title(run))}", "", md(_("Rules {version}.").format(version=run.rules_version))]
    if not run.total:
        out += ["", md(_nothing())]
        return "\n".join(out)
    columns, headers, rows = count_rows(run)
    heading = md(_("Alerts per check and local network"))
    out += ["", f"## {heading}", "", to_markdown(rows, columns, headers)]
    urgent = run.most_urgent()
    out += ["", f"## {md(_urgent_heading(len(urgent)))}", "", to_markdown(_rows(urgent), TABLE_COLUMNS, _headers())]
    if full:
        for _n, name, alerts in run.groups():
            heading = md(_network_heading(name, len(alerts)))
            out += ["", f"## {heading}", "", to_markdown(_rows(alerts), TABLE_COLUMNS, _headers())]
    out += ["", md(_more_line(run, len(urgent), full, every))]
    if every is not None and not full and run.total > len(urgent):
        out += ["", "```sh", every, "```"]
    return "\n".join(out)


def _csv(run: AlertRun) -> str:
    return to_csv((a.to_dict() for _n, _name, alerts in run.groups() for a in alerts), CSV_COLUMNS)


@renders(Alerts, "table")
def render_alerts_table(result: Alerts) -> str:
    """``capactif alerts``: the summary, and every alert with ``--all``."""
    return summary_text(result.run, full=result.full, every=result.every)


@renders(Alerts, "markdown")
def render_alerts_markdown(result: Alerts) -> str:
    """``capactif alerts --format markdown``: the summary, and every alert with ``--all``."""
    return summary_markdown(result.run, full=result.full, every=result.every)


@renders(Alerts, "csv")
def render_alerts_csv(result: Alerts) -> str:
    """Every alert, one row each (a data format: never summarised)."""
    return _csv(result.run)


@renders(Alerts, "json")
def render_alerts_json(result: Alerts) -> str:
    """Every alert, with the ``summary`` object (docs/alerts.md)."""
    return to_json(result.run.to_dict())


@renders(AlertRun, "table", "summary")
def render_summary(run: AlertRun) -> str:
    """The summary of a run (``capactif demo`` ends with it)."""
    return summary_text(run)


@renders(AlertRun, "markdown")
def render_markdown(run: AlertRun) -> str:
    """Every alert of a run, after the summary, in Markdown."""
    return summary_markdown(run, full=True)


@renders(AlertRun, "csv")
def render_csv(run: AlertRun) -> str:
    """One row per alert, grouped by local network (``CSV_COLUMNS``)."""
    return _csv(run)
