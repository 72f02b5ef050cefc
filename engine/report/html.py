"""The yearly report as one self-contained HTML page: inline CSS, an inline SVG funnel, no external resource.

It is read on a phone by committee members: one column, large type, tables that scroll sideways
on their own instead of shrinking the page.  Nothing is fetched (no font, script or image URL), so
the file opens offline and can be mailed as it is.
"""

from __future__ import annotations

from html import escape
from typing import Any

from engine.report.indicators import INDICATORS, LABELS
from engine.report.render import SHORT, days, indicator_rows, medians_line, percent, title

CSS = """
:root { color-scheme: light; --ink: #1d2b36; --muted: #5b6770; --accent: #2e7d32; --line: #d5dde2; }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: #fff; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.8rem 0 .6rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .6rem; }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: .6rem .8rem; }
.card .value { font-size: 1.8rem; font-weight: 700; }
.card .label { color: var(--muted); font-size: .95rem; }
.card .ratio { color: var(--accent); font-weight: 600; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f2f5f7; }
svg { width: 100%; height: auto; display: block; }
.note { color: var(--muted); font-size: .9rem; }
"""

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
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title(report))}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>{escape(title(report))}</h1>
<p class="note">Du {period["from"]} au {period["to"]}. Chiffres calculés à partir de l'historique des fiches ;
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
<ul class="note">{"".join(f"<li><b>{escape(LABELS[k])}</b> ({k})</li>" for k in INDICATORS)}</ul>
</main>
</body>
</html>
"""
