"""Rendering of the yearly report: table, CSV, Markdown, and one self-contained HTML page (JSON: its keys)."""

from __future__ import annotations

from html import escape
from typing import Any

from engine.app.report import YearlyReport
from engine.i18n import N_, _, format_decimal, format_percent
from engine.output import to_csv, to_markdown, to_table
from engine.render import renders
from engine.render.html import page
from engine.report.indicators import ANNIVERSARIES, BESIDE, INDICATORS, RATIOS, definition, label

#: Short column headers for the per-network and per-structure tables (msgids: translate with ``short()``).
SHORT: dict[str, str] = {
    "projects_met": N_("met"),
    "with_referent": N_("with a référent"),
    "network_effect": N_("network effect"),
    "installed": N_("installed"),
    "installed_with_follow_up": N_("followed up"),
    "offers_published": N_("offers"),
    "offer_contacts": N_("contacts"),
    "installed_via_offer": N_("via an offer"),
}


def short(key: str) -> str:
    """A figure's short column header, in the language in force."""
    return _(SHORT[key])


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
    *BESIDE,
    *(f"survival_{k}_{part}" for k in ANNIVERSARIES for part in ("installed", "known", "active", "share")),
)


def percent(value: float | None) -> str:
    """``0.4074`` → ``40,7 %`` (``40.7 %`` in English); ``—`` when there is nothing to divide by."""
    return "—" if value is None else format_percent(value)


def days(value: float | None) -> str:
    """A median in days, ``—`` when there is none."""
    if value is None:
        return "—"
    return _("{days} d").format(days=format_decimal(value, 2, trim=True))


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
    row.update({k: figures.get(k) for k in BESIDE})
    for key, parts in (figures.get("survival") or {}).items():
        row.update({f"survival_{key}_{part}": value for part, value in parts.items()})
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
                "label": label(key),
                "value": report[key],
                "ratio": percent(ratio) if ratio is not None else "",
            }
        )
    return out


def title(report: dict[str, Any]) -> str:
    """``Bilan Cap Actif 2025`` (and the local network when one was chosen)."""
    if report["network"]:
        return _("Cap Actif report {period} — local network {network}").format(
            period=report["period"]["label"], network=report["network"]
        )
    return _("Cap Actif report {period}").format(period=report["period"]["label"])


def medians_line(report: dict[str, Any]) -> str:
    """The median delays: first contact → référent, → installation (and the first reception's, if any)."""
    m = report["median_days"]
    referent, installation = days(m["reception_to_referent"]), days(m["reception_to_installation"])
    first = report.get("first_reception")
    if first and first["received"]:
        return _(
            "Median delay first contact → référent: {referent}; first contact → installation: {installation}; "
            "first reception (communautés de communes, the Parc) → taken in charge by the référent: {first} "
            "({taken} taken in charge of {received} received)"
        ).format(
            referent=referent,
            installation=installation,
            first=days(first["median_days_to_referent"]),
            taken=first["taken_in_charge"],
            received=first["received"],
        )
    return _("Median delay first contact → référent: {referent}; first contact → installation: {installation}").format(
        referent=referent, installation=installation
    )


def beside_lines(report: dict[str, Any]) -> list[str]:
    """The figures beside the eight: developments, abandons and redirections, activities still active."""
    ratios = report["ratios"]
    lines = [
        _("{label}: {n}").format(label=label("developments_installed"), n=report["developments_installed"]),
        _("{label}: {n} ({share} of the projects met)").format(
            label=label("abandoned"), n=report["abandoned"], share=percent(ratios["abandoned"])
        ),
        _("{label}: {n} ({share} of the projects met)").format(
            label=label("redirected"), n=report["redirected"], share=percent(ratios["redirected"])
        ),
    ]
    for key, s in report["survival"].items():
        if s["known"]:
            text = _("{active} of the {known} whose follow-up recorded it ({share}; {installed} reached the date)")
            text = text.format(
                active=s["active"], known=s["known"], share=percent(s["share"]), installed=s["installed"]
            )
        else:
            text = _("not recorded by follow-up ({installed} reached the date)").format(installed=s["installed"])
        lines.append(_("{label}: {text}").format(label=label(key), text=text))
    return lines


@renders(YearlyReport, "csv")
def render_csv(result: YearlyReport) -> str:
    """One row per scope (network-wide, each local network, each structure): ``CSV_COLUMNS``."""
    return to_csv(rows(result.figures), CSV_COLUMNS)


@renders(YearlyReport, "markdown")
def render_markdown(result: YearlyReport) -> str:
    """Headings and Markdown tables (for minutes)."""
    return render(result.figures, "markdown", result.previous)


@renders(YearlyReport, "table")
def render_table(result: YearlyReport) -> str:
    """Terminal tables."""
    return render(result.figures, "table", result.previous)


@renders(YearlyReport, "html")
def render_page(result: YearlyReport) -> str:
    """One self-contained page (inline CSS and SVG funnel), the year before beside this one."""
    return render_html(result.figures, result.previous)


def previous_label(previous: dict[str, Any]) -> str:
    """The column header of the year before: ``2024`` (or its period)."""
    return str(previous["period"]["label"])


def render(report: dict[str, Any], fmt: str, previous: dict[str, Any] | None = None) -> str:
    """The report's figures as ``table`` or ``markdown``; with ``previous``, its figures beside them."""
    per_cols = ["id", *INDICATORS]
    per_heads = ["", *(short(k) for k in INDICATORS)]
    nets = [{"id": r["network"], **r} for r in report["by_network"]]
    structs = [{"id": r["structure"], **r} for r in report["by_structure"]]
    main_cols, main_heads = ["label", "value", "ratio"], [_("figure"), _("count"), _("share")]
    main_rows = indicator_rows(report)
    if previous is not None:
        main_cols.append("previous")
        main_heads.append(previous_label(previous))
        for row in main_rows:
            row["previous"] = previous[row["key"]]
    if fmt == "markdown":
        return "\n".join(
            [
                f"# {title(report)}",
                "",
                to_markdown(main_rows, main_cols, main_heads),
                "",
                medians_line(report),
                "",
                *(f"- {line}" for line in beside_lines(report)),
                "",
                f"## {_('Per local network')}",
                "",
                to_markdown(nets, per_cols, [_("local network"), *per_heads[1:]]),
                "",
                f"## {_('Per structure')}",
                "",
                to_markdown(structs, per_cols, [_("structure"), *per_heads[1:]]),
            ]
        )
    return "\n".join(
        [
            to_table(main_rows, main_cols, main_heads, title=title(report)),
            medians_line(report),
            *beside_lines(report),
            "",
            to_table(nets, per_cols, [_("local network"), *per_heads[1:]], title=_("Per local network")),
            "",
            to_table(structs, per_cols, [_("structure"), *per_heads[1:]], title=_("Per structure")),
        ]
    )


FUNNEL: tuple[str, ...] = ("projects_met", "with_referent", "network_effect", "installed", "installed_with_follow_up")

#: The funnel's drawing, in SVG units (the image scales to the page, up to ``max-width`` in the CSS).
#: Bars are at most ``_BAR_MAX`` wide, leaving room on their right for the year before's value.
FUNNEL_WIDTH = 400
_BAR_MAX = 336
_ROW, _BAR, _LABEL_FONT, _VALUE_FONT, _SMALL_FONT = 60, 22, 12, 13, 10
#: Average advance of a character in the value font (system sans-serif, bold), for choosing where the
#: value goes: inside its bar when it fits with a margin, else just after the bar (a small bar's value
#: never overflows it nor covers the next one).
_CHAR_W = 0.66 * _VALUE_FONT


def _value_text(value: int, top: int) -> str:
    share = f" · {round(100 * value / top)} %" if top else ""
    return f"{value}{share}"


def funnel_svg(report: dict[str, Any], previous: dict[str, Any] | None = None) -> str:
    """The funnel as inline SVG: per step its name above, a bar proportional to the projects met, the
    value (and its share of the projects met) inside the bar when it fits, else just after it; with
    ``previous``, a thin grey bar under it for the year before, its value just after that bar."""
    first = report["projects_met"]
    top = max(first, previous["projects_met"] if previous else 0, 1)
    parts = []
    for i, key in enumerate(FUNNEL):
        y = i * _ROW
        value = report[key]
        width = max(2, round(_BAR_MAX * value / top))
        text = _value_text(value, first)
        inside = width >= len(text) * _CHAR_W + 16
        value_x, anchor, fill = (width - 8, "end", "#fff") if inside else (width + 6, "start", "#1d2b36")
        step = [
            f'<g class="step" data-key="{key}">',
            f'<text class="name" x="0" y="{y + 13}" font-size="{_LABEL_FONT}" fill="#1d2b36">'
            f"{escape(step_name(key))}</text>",
            f'<rect class="bar" x="0" y="{y + 18}" width="{width}" height="{_BAR}" rx="3" fill="#2e7d32"/>',
            f'<text class="value" data-inside="{str(inside).lower()}" x="{value_x}" y="{y + 18 + _BAR - 6}" '
            f'text-anchor="{anchor}" font-size="{_VALUE_FONT}" font-weight="700" fill="{fill}">{escape(text)}</text>',
        ]
        if previous is not None:
            before = previous[key]
            thin = max(2, round(_BAR_MAX * before / top))
            step.append(
                f'<rect class="previous" x="0" y="{y + 18 + _BAR + 4}" width="{thin}" height="6" rx="2" '
                'fill="#9aa5ad"/>'
            )
            step.append(
                f'<text class="previous" x="{thin + 5}" y="{y + 18 + _BAR + 11}" font-size="{_SMALL_FONT}" '
                f'fill="#5b6770">{escape(_("{label}: {n}").format(label=previous_label(previous), n=before))}</text>'
            )
        step.append("</g>")
        parts.append("".join(step))
    height = len(FUNNEL) * _ROW - 6
    aria = escape(_("Funnel: from the projects met to the activities followed after their creation"))
    return (
        f'<svg class="funnel" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {FUNNEL_WIDTH} {height}" '
        f'role="img" aria-label="{aria}">{"".join(parts)}</svg>'
    )


def step_name(key: str) -> str:
    """A funnel step's name: the figure's label."""
    return label(key)


def _cell_with_previous(value: Any, before: Any, year: str | None) -> str:
    """A figure, and under it the year before's in grey (``2024 : 10``) when there is one."""
    cell = escape(str(value))
    if year is not None:
        cell += f'<span class="prev">{escape(_("{label}: {n}").format(label=year, n=before))}</span>'
    return f'<span class="figure">{cell}</span>'


def _figures_table(
    rows: list[dict[str, Any]],
    key: str,
    name: Any,
    first_head: str,
    previous_rows: list[dict[str, Any]] | None,
    year: str | None,
) -> str:
    """Per local network or per structure: one row each, a column per figure, the year before under
    each figure.  Narrower than 48rem each row becomes a card (``data-label`` names the figure), so
    nothing scrolls sideways on a phone; in print the headers wrap and the table fits the page."""
    before = {r[key]: r for r in previous_rows or []}
    head = f'<th scope="col">{escape(first_head)}</th>' + "".join(
        f'<th scope="col">{escape(short(k))}</th>' for k in INDICATORS
    )
    body = []
    for r in rows:
        old = before.get(r[key], {})
        cells = [f'<th scope="row">{escape(str(name(r)))}</th>']
        cells += [
            f'<td data-label="{escape(short(k))}">{_cell_with_previous(r[k], old.get(k, 0), year)}</td>'
            for k in INDICATORS
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="figures"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


#: The report's own CSS, after the shared sheet: a wider page (its tables have nine columns), tables
#: that fit instead of scrolling (cards on a phone's screen; on paper, however narrow, a table with a
#: smaller type), and a print layout without scroll bars.
REPORT_CSS = """
main.report { max-width: 80rem; }
.card .prev, table.figures .prev { display: block; color: var(--muted); font-size: .75rem; font-weight: 400; }
table.figures th, table.figures td { white-space: normal; }
table.figures thead th { vertical-align: bottom; font-size: .85rem; }
table.figures tbody th { font-weight: 600; }
svg.funnel { max-width: 34rem; }
dl.definitions dt { font-weight: 700; margin-top: .7rem; }
dl.definitions dd { margin: .2rem 0 0 0; }
@media screen and (max-width: 48rem) {
  table.figures thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.figures, table.figures tbody, table.figures tr, table.figures th, table.figures td { display: block; }
  table.figures tr { border: 1px solid var(--line); border-radius: .5rem; margin: .6rem 0; padding: .3rem .6rem; }
  table.figures tbody th { border: 0; padding: .2rem 0; }
  table.figures td { display: flex; justify-content: space-between; gap: 1rem; border: 0; padding: .15rem 0; }
  table.figures td::before { content: attr(data-label); color: var(--muted); text-align: left; }
  table.figures td .prev { display: inline; margin-left: .5rem; }
}
@media print {
  main.report { max-width: none; }
  .cards { grid-template-columns: repeat(4, 1fr); }
  .card .value { font-size: 1.3rem; }
  table.figures { font-size: 8pt; }
  table.figures thead th { font-size: 7.5pt; }
}
"""


def definitions_html() -> str:
    """The "Définitions" section: what each figure counts, in the words of docs/report.md."""
    items = "".join(
        f'<dt id="def-{k}">{escape(label(k))} <code>{k}</code></dt><dd>{escape(definition(k))}</dd>' for k in INDICATORS
    )
    heading = escape(_("Definitions"))
    return f'<section id="definitions"><h2>{heading}</h2><dl class="definitions">{items}</dl></section>'


def render_html(report: dict[str, Any], previous: dict[str, Any] | None = None) -> str:
    """The whole page as one string; with ``previous``, the year before beside each figure."""
    year = previous_label(previous) if previous is not None else None
    cards = []
    for row in indicator_rows(report):
        ratio = f'<div class="ratio">{escape(row["ratio"])}</div>' if row["ratio"] else ""
        before = ""
        if previous is not None and year is not None:
            before = f'<div class="prev">{escape(_("{label}: {n}").format(label=year, n=previous[row["key"]]))}</div>'
        cards.append(
            f'<div class="card" id="{row["key"]}"><div class="value">{row["value"]}</div>'
            f'<div class="label">{escape(row["label"])}</div>{ratio}{before}</div>'
        )
    nets = _figures_table(
        report["by_network"],
        "network",
        lambda r: f"{r['name']} ({r['network']})",
        _("local network"),
        previous["by_network"] if previous is not None else None,
        year,
    )
    structs = _figures_table(
        report["by_structure"],
        "structure",
        lambda r: r["structure"],
        _("structure"),
        previous["by_structure"] if previous is not None else None,
        year,
    )
    delay_heads = [_("local network"), _("median delay → référent"), _("median delay → installation"),
                   _("share with a référent")]  # fmt: skip
    delay_rows = "".join(
        f'<tr><th scope="row">{escape(r["name"])}</th>'
        f'<td data-label="{escape(delay_heads[1])}">{days(r["median_days"]["reception_to_referent"])}</td>'
        f'<td data-label="{escape(delay_heads[2])}">{days(r["median_days"]["reception_to_installation"])}</td>'
        f'<td data-label="{escape(delay_heads[3])}">{percent(r["ratios"]["with_referent"])}</td></tr>'
        for r in report["by_network"]
    )
    delays = (
        '<table class="figures" id="delays"><thead><tr>'
        + "".join(f'<th scope="col">{escape(h)}</th>' for h in delay_heads)
        + f"</tr></thead><tbody>{delay_rows}</tbody></table>"
    )
    period = report["period"]
    note = _("From {start} to {end}. Figures computed from the fiches' history; porteurs' names do not appear.")
    note = note.format(start=period["from"], end=period["to"])
    if year is not None:
        note += " " + _("In grey: the same figures in {year}.").format(year=year)
    words = {
        "funnel": _("Funnel"),
        "networks": _("Per local network"),
        "structures": _("Per structure"),
        "not_added": _(
            "A fiche counts for every structure that received it, led it or supported it: these rows do not add up."
        ),
    }
    w = {k: escape(v) for k, v in words.items()}
    return page(
        title(report),
        f"""<p class="note">{escape(note)}</p>
<section class="cards">{"".join(cards)}</section>
<p>{escape(medians_line(report))}</p>
<ul class="note" id="beside">{"".join(f"<li>{escape(line)}</li>" for line in beside_lines(report))}</ul>
<h2>{w["funnel"]}</h2>
{funnel_svg(report, previous)}
<h2>{w["networks"]}</h2>
{nets}
{delays}
<h2>{w["structures"]}</h2>
<p class="note">{w["not_added"]}</p>
{structs}
{definitions_html()}""",
        css=REPORT_CSS,
        main_class="report",
    )
