"""Rendering of the yearly report: table, CSV, Markdown, and one self-contained HTML page (JSON: its keys)."""

from __future__ import annotations

from html import escape
from typing import Any

from engine.app.report import YearlyReport
from engine.output import to_csv, to_markdown, to_table
from engine.render import renders
from engine.render.html import page
from engine.report.indicators import INDICATORS, LABELS, RATIOS

#: Short column headers for the per-network and per-structure tables.
SHORT: dict[str, str] = {
    "projects_met": "rencontrés",
    "with_referent": "avec référent",
    "network_effect": "effet réseau",
    "installed": "installés",
    "installed_with_follow_up": "suivis",
    "offers_published": "offres",
    "offer_contacts": "contacts",
    "installed_via_offer": "via offre",
}

CSV_COLUMNS: tuple[str, ...] = (
    "scope",
    "id",
    *INDICATORS,
    *(f"ratio_{r}" for r in RATIOS),
    "median_days_reception_to_referent",
    "median_days_reception_to_installation",
    "first_reception_received",
    "first_reception_taken_in_charge",
    "median_days_first_reception_to_referent",
)


def percent(value: float | None) -> str:
    """``0.4074`` → ``40.7 %``; ``—`` when there is nothing to divide by."""
    return "—" if value is None else f"{value * 100:.1f} %"


def days(value: float | None) -> str:
    """A median in days, ``—`` when there is none."""
    if value is None:
        return "—"
    return f"{value:g} j"


def _flat(scope: str, ident: str, figures: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"scope": scope, "id": ident}
    row.update({k: figures[k] for k in INDICATORS})
    row.update({f"ratio_{r}": figures["ratios"][r] for r in RATIOS})
    row["median_days_reception_to_referent"] = figures["median_days"]["reception_to_referent"]
    row["median_days_reception_to_installation"] = figures["median_days"]["reception_to_installation"]
    first = figures.get("first_reception") or {}
    row["first_reception_received"] = first.get("received")
    row["first_reception_taken_in_charge"] = first.get("taken_in_charge")
    row["median_days_first_reception_to_referent"] = first.get("median_days_to_referent")
    return row


def rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat row per scope: the network (or the chosen local network), each local network, each structure."""
    out = [_flat("network" if not report["network"] else "local_network", report["network"] or "all", report)]
    out += [_flat("local_network", r["network"], r) for r in report["by_network"]]
    out += [_flat("structure", r["structure"], r) for r in report["by_structure"]]
    return out


def indicator_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    ratio_of = {num: name for name, (num, _) in RATIOS.items() if name != "contacts_per_offer"}
    out = []
    for key in INDICATORS:
        ratio = report["ratios"].get(ratio_of[key]) if key in ratio_of else None
        out.append(
            {
                "key": key,
                "label": LABELS[key],
                "value": report[key],
                "ratio": percent(ratio) if ratio is not None else "",
            }
        )
    return out


def title(report: dict[str, Any]) -> str:
    """``Bilan Cap Actif 2025`` (and the local network when one was chosen)."""
    where = f" — réseau local {report['network']}" if report["network"] else ""
    return f"Bilan Cap Actif {report['period']['label']}{where}"


def medians_line(report: dict[str, Any]) -> str:
    m = report["median_days"]
    line = (
        f"Délai médian premier contact → référent : {days(m['reception_to_referent'])} ; "
        f"premier contact → installation : {days(m['reception_to_installation'])}"
    )
    first = report.get("first_reception")
    if first and first["received"]:
        line += (
            f" ; premier accueil (communautés de communes, Parc) → prise en charge par le référent : "
            f"{days(first['median_days_to_referent'])} ({first['taken_in_charge']} pris en charge sur "
            f"{first['received']} reçus)"
        )
    return line


@renders(YearlyReport, "csv")
def render_csv(result: YearlyReport) -> str:
    """One row per scope (network-wide, each local network, each structure): ``CSV_COLUMNS``."""
    return to_csv(rows(result.figures), CSV_COLUMNS)


@renders(YearlyReport, "markdown")
def render_markdown(result: YearlyReport) -> str:
    """Headings and Markdown tables (for minutes)."""
    return render(result.figures, "markdown")


@renders(YearlyReport, "table")
def render_table(result: YearlyReport) -> str:
    """Terminal tables."""
    return render(result.figures, "table")


@renders(YearlyReport, "html")
def render_page(result: YearlyReport) -> str:
    """One self-contained page (inline CSS and SVG funnel)."""
    return render_html(result.figures)


def render(report: dict[str, Any], fmt: str) -> str:
    """The report's figures as ``table`` or ``markdown``."""
    per_cols = ["id", *INDICATORS]
    per_heads = ["", *(SHORT[k] for k in INDICATORS)]
    nets = [{"id": r["network"], **r} for r in report["by_network"]]
    structs = [{"id": r["structure"], **r} for r in report["by_structure"]]
    main_cols, main_heads = ["label", "value", "ratio"], ["indicateur", "nombre", "part"]
    if fmt == "markdown":
        return "\n".join(
            [
                f"# {title(report)}",
                "",
                to_markdown(indicator_rows(report), main_cols, main_heads),
                "",
                medians_line(report),
                "",
                "## Par réseau local",
                "",
                to_markdown(nets, per_cols, ["réseau local", *per_heads[1:]]),
                "",
                "## Par structure",
                "",
                to_markdown(structs, per_cols, ["structure", *per_heads[1:]]),
            ]
        )
    return "\n".join(
        [
            to_table(indicator_rows(report), main_cols, main_heads, title=title(report)),
            medians_line(report),
            "",
            to_table(nets, per_cols, ["réseau local", *per_heads[1:]], title="Par réseau local"),
            "",
            to_table(structs, per_cols, ["structure", *per_heads[1:]], title="Par structure"),
        ]
    )


FUNNEL: tuple[str, ...] = ("projects_met", "with_referent", "network_effect", "installed", "installed_with_follow_up")


def funnel_svg(report: dict[str, Any]) -> str:
    """The funnel as inline SVG: one bar per step, its width proportional to the first step."""
    top = max(report["projects_met"], 1)
    bar_h, gap, width, label_w = 40, 8, 360, 0
    parts = []
    for i, key in enumerate(FUNNEL):
        value = report[key]
        w = max(2, round((width - label_w) * value / top))
        y = i * (bar_h + gap)
        parts.append(
            f'<g class="step" data-key="{key}">'
            f'<rect x="{(width - w) // 2}" y="{y}" width="{w}" height="{bar_h}" rx="4" fill="#2e7d32" '
            f'fill-opacity="{1 - i * 0.14:.2f}"/>'
            f'<text x="{width // 2}" y="{y + bar_h // 2 + 6}" text-anchor="middle" font-size="18" '
            f'fill="#1d2b36" paint-order="stroke" stroke="#fff" stroke-width="4">'
            f"{escape(SHORT[key])} : {value}</text></g>"
        )
    height = len(FUNNEL) * (bar_h + gap) - gap
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Entonnoir : des projets rencontrés aux activités suivies">{"".join(parts)}</svg>'
    )


def _table(rows: list[dict[str, Any]], first: str, first_head: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in [first_head, *(SHORT[k] for k in INDICATORS)])
    body = []
    for r in rows:
        cells = [f"<td>{escape(str(r[first]))}</td>"] + [f"<td>{r[k]}</td>" for k in INDICATORS]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def render_html(report: dict[str, Any]) -> str:
    """The whole page as one string."""
    cards = []
    for row in indicator_rows(report):
        ratio = f'<div class="ratio">{escape(row["ratio"])}</div>' if row["ratio"] else ""
        cards.append(
            f'<div class="card" id="{row["key"]}"><div class="value">{row["value"]}</div>'
            f'<div class="label">{escape(row["label"])}</div>{ratio}</div>'
        )
    nets = [{"name": f"{r['name']} ({r['network']})", **{k: r[k] for k in INDICATORS}} for r in report["by_network"]]
    medians_rows = "".join(
        f"<tr><td>{escape(r['name'])}</td><td>{days(r['median_days']['reception_to_referent'])}</td>"
        f"<td>{days(r['median_days']['reception_to_installation'])}</td>"
        f"<td>{percent(r['ratios']['with_referent'])}</td></tr>"
        for r in report["by_network"]
    )
    period = report["period"]
    note = f"Du {period['from']} au {period['to']}."
    return page(
        title(report),
        f"""<p class="note">{note} Chiffres calculés à partir de l'historique des fiches ;
les noms des porteurs n'apparaissent pas.</p>
<section class="cards">{"".join(cards)}</section>
<p>{escape(medians_line(report))}</p>
<h2>Entonnoir</h2>
{funnel_svg(report)}
<h2>Par réseau local</h2>
{_table(nets, "name", "réseau local")}
<div class="scroll"><table id="delays"><thead><tr><th>réseau local</th><th>délai médian → référent</th>
<th>délai médian → installation</th><th>part avec référent</th></tr></thead><tbody>{medians_rows}</tbody></table></div>
<h2>Par structure</h2>
<p class="note">Une fiche compte pour chaque structure qui l'a reçue, en a été référente ou l'a appuyée :
ces lignes ne s'additionnent pas.</p>
{_table(report["by_structure"], "structure", "structure")}
<h2>Définitions</h2>
<ul class="note">{"".join(f"<li><b>{escape(LABELS[k])}</b> ({k})</li>" for k in INDICATORS)}</ul>""",
    )
