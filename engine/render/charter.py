"""Rendering of the charter's results: ``charter show`` (the commitments and alert thresholds in force) and
``charter check`` (one summary table, then per commitment its networks, structures and breaking fiches)."""

from __future__ import annotations

from typing import Any

from engine.app.charter import CharterCheck
from engine.charter.model import Charter
from engine.i18n import _, format_percent, ngettext
from engine.output import md, to_json, to_markdown, to_table
from engine.render import renders


def describe(charter: Charter) -> dict[str, Any]:
    """JSON-ready view: ``source``, ``commitments`` (id, title, days, per_stage), ``alerts`` by check."""
    return {
        "source": charter.source,
        "commitments": [c.to_dict() for c in charter.commitments],
        "alerts": {check: t.to_dict() for check, t in charter.alert_thresholds.items()},
    }


def _delays(days: int | None, per_stage: Any) -> str:
    parts = [_("{days} d").format(days=days) if days else ""]
    parts += [f"{stage}: " + _("{days} d").format(days=n) for stage, n in per_stage.items()]  # stage ids
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
            "threshold": _delays(t.days, t.per_stage)
            or (ngettext("{n} time", "{n} times", t.count).format(n=t.count) if t.count else "—"),
        }
        for check, t in charter.alert_thresholds.items()
    ]
    return "\n".join(
        [
            to_table(
                commitments,
                ["id", "title", "delay"],
                [_("commitment"), _("in words"), _("delay")],
                title=_("Commitments ({source})").format(source=charter.source),
            ),
            "",
            to_table(
                alerts,
                ["check", "severity", "threshold"],
                [_("alert check"), _("severity"), _("threshold")],
                title=_("Alert thresholds"),
            ),
        ]
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value)


def heading(result: dict[str, Any]) -> str:
    """'Engagements de la charte — 2025 (au 2026-01-31)'."""
    return _("Charter commitments — {period} (as of {date})").format(
        period=result["period"]["label"], date=result["as_of"]
    )


def commitment_line(c: dict[str, Any]) -> str:
    """One commitment on one line: share kept, kept / judged, title, and what is still pending.

    '  79.2 %   412 / 520  Premier rendez-vous dans les 15 jours… (12 en cours)'.  Judged = kept +
    broken (the base of the share); a fiche whose delay still runs is pending, not judged.
    """
    judged = c["kept"] + c["broken"]
    line = f"{_pct(c['share']):>8}  {c['kept']:>5} / {judged:<5}  {c['title']}"
    if c["pending"]:
        line += " " + ngettext("({n} pending)", "({n} pending)", c["pending"]).format(n=c["pending"])
    return line


def _summary_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": c["id"],
            "title": c["title"],
            "kept": f"{c['kept']} / {c['kept'] + c['broken']}",
            "pending": c["pending"],
            "share": _pct(c["share"]),
        }
        for c in result["commitments"]
    ]


@renders(CharterCheck, "table")
def check_text(check: CharterCheck) -> str:
    """``charter check``: one line per commitment; every table behind it with ``--details``."""
    return render_check(check.figures, "table", details=check.details)


@renders(CharterCheck, "markdown")
def check_markdown(check: CharterCheck) -> str:
    """``charter check --format markdown``: the summary table; the sections behind it with ``--details``."""
    return render_check(check.figures, "markdown", details=check.details)


def _counts_heads(first: str) -> list[str]:
    return [first, _("kept"), _("broken"), _("pending"), _("share kept")]


def render_check(result: dict[str, Any], fmt: str, *, details: bool = False) -> str:
    """``table`` (one line per commitment) or ``markdown`` (one table); then with ``details``, per
    commitment its local networks, structures and the fiches that broke it."""
    markdown = fmt == "markdown"
    table = to_markdown if markdown else to_table
    parts = [f"# {md(heading(result))}" if markdown else heading(result), ""]
    if markdown:
        heads = [_("commitment"), _("kept / judged"), _("share kept"), _("pending"), "id"]
        parts.append(to_markdown(_summary_rows(result), ["title", "kept", "share", "pending", "id"], heads))
    else:
        share, kept, commitment = _("share"), _("kept / judged"), _("commitment")
        parts.append(f"{share:>8}  {kept:^13}  {commitment}")
        parts += [commitment_line(c) for c in result["commitments"]]
    if not details:
        hint = _("Per local network, per structure and the fiches behind each commitment: --details.")
        return "\n".join([*parts, "", md(hint) if markdown else hint])
    for c in result["commitments"]:
        title = f"{c['title']} ({c['id']})"
        parts += ["", f"## {md(title)}" if markdown else title, ""]
        nets = [{**n, "share": _pct(n["share"])} for n in c["by_network"]]
        columns = ["kept", "broken", "pending", "share"]
        parts.append(table(nets, ["network", *columns], _counts_heads(_("local network"))))
        structs = [{**s, "share": _pct(s["share"])} for s in c["by_structure"]]
        if structs:
            parts += ["", table(structs, ["structure", *columns], _counts_heads(_("structure")))]
        if c["breaking"]:
            heads = [_("fiche"), _("local network"), _("structure"), _("due"), _("finding"), _("porteur")]
            parts += ["", table(c["breaking"], ["fiche", "network", "structure", "due", "detail", "porteur"], heads)]
    return "\n".join(parts)
