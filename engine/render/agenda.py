"""The agenda as Markdown (to paste in a mail or a wiki), JSON, or one self-contained HTML page.

The HTML page has inline CSS only (the yearly report's look), no script, font or image to fetch: it
opens offline and can be mailed as it is.  Words are French by default (the technicians read it),
English with ``--lang en``, through the catalog.  A long section shows its first :data:`FOLD` items; the
others fold (HTML ``<details>``, Markdown "… et K autres"), so the meeting starts from what matters.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from engine.alerts.model import CHECK_LABELS
from engine.app.agenda import Agenda
from engine.i18n import N_, _, ngettext
from engine.offers.model import OFFER_KINDS
from engine.render import renders
from engine.render.html import page
from engine.vocabulary import KINDS, NEEDS, STAGES

#: How many items of a section are shown before the rest folds.
FOLD = 10

WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))
MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)
ROLES = {"lead": N_("suggested référent"), "support": N_("support"), "alternative_lead": N_("other possible référent")}
SEVERITY = {"critical": N_("critical"), "warning": N_("to watch"), "info": N_("information")}
KEYS = ("new_fiches", "to_share_out", "alerts", "installations", "follow_ups_due", "offers", "offer_contacts")


def nothing() -> str:
    """'Rien à signaler.'"""
    return _("Nothing to report.")


def orientation_fr(o: dict[str, Any]) -> str:
    """'orientation hors réseau (prêt d'honneur) : Initiative Loire (à confirmer en partie)'."""
    named = "; ".join(
        x["name"] if x["confirmed"] == "yes" else f"{x['name']} ({x['confirmed_label']})" for x in o["structures"]
    )
    return _("orientation outside the network ({need}): {structures}").format(need=o["label"], structures=named)


def french_date(iso: str) -> str:
    """``2025-03-03`` → ``lundi 3 mars 2025`` (``Monday 3 March 2025`` in English)."""
    day = dt.date.fromisoformat(iso)
    return _("{weekday} {day} {month} {year}").format(
        weekday=_(WEEKDAYS[day.weekday()]), day=day.day, month=_(MONTHS[day.month - 1]), year=day.year
    )


def title(agenda: dict[str, Any]) -> str:
    """``Réseau local d'Ambert (ambert) — réunion du lundi 3 mars 2025``."""
    return _("{name} ({network}) — meeting of {date}").format(
        name=agenda["name"], network=agenda["network"], date=french_date(agenda["meeting"])
    )


def intro(agenda: dict[str, Any]) -> str:
    """The period covered and what the agenda was prepared with."""
    text = _(
        "Agenda prepared with what was recorded on {as_of}, the eve of the meeting. Since the meeting of "
        "{previous}; next meeting on {next}."
    ).format(
        as_of=french_date(agenda["as_of"]),
        previous=french_date(agenda["previous_meeting"]),
        next=french_date(agenda["next_meeting"]),
    )
    count = ngettext(
        "{n} fiche in the local network; suggestions by the rules {version}.",
        "{n} fiches in the local network; suggestions by the rules {version}.",
        agenda["fiches"],
    ).format(n=agenda["fiches"], version=agenda["rules_version"])
    return f"{text} {count}"


def fiche_label(row: dict[str, Any]) -> str:
    """``F-2025-0012 (Marie Dupont)`` — the name only when the viewer may see it."""
    return f"{row['fiche']} ({row['porteur_name']})" if row.get("porteur_name") else row["fiche"]


def place(row: dict[str, Any]) -> str:
    """``63003 Ambert``."""
    return f"{row['commune']} {row['commune_name']}" if row.get("commune_name") else row["commune"]


def _needs(needs: list[str]) -> str:
    return ", ".join(NEEDS.get(n, n) for n in needs)


def structure_text(s: dict[str, Any]) -> str:
    """``pfil-ambert (appui : prêt d'honneur)``."""
    role = _(ROLES[s["role"]]) if s["role"] in ROLES else s["role"]
    if s["needs"]:
        return _("{structure} ({role}: {needs})").format(structure=s["structure"], role=role, needs=_needs(s["needs"]))
    return f"{s['structure']} ({role})"


def sections(agenda: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(heading, items) of each section, in the meeting's order, as both renderers show them."""
    headings = (
        _("1. New fiches since the last meeting ({n})"),
        _("2. Fiches to share out ({n})"),
        _("3. Alerts ({n})"),
        _("4. Installations since the last meeting ({n})"),
        _("5. Post-creation follow-ups to offer ({n})"),
        _("6. New activity offers ({n})"),
        _("7. Contacts on the offers ({n})"),
    )
    return [(h.format(n=len(agenda[key])), agenda[key]) for h, key in zip(headings, KEYS, strict=True)]


def more(count: int) -> str:
    """'… et 12 autres' (the items a long section folds)."""
    return ngettext("… and {n} more", "… and {n} more", count).format(n=count)


# --- Markdown ------------------------------------------------------------------------------------


def _lead_line(r: dict[str, Any], fmt: str) -> str:
    """'référent suggéré : cma-63 — reasons', or that no structure can lead it."""
    lead = r["suggested_lead"]
    if not lead:
        return _("no possible référent (orphan): to examine")
    if fmt == "html":
        structure = f"<b>{escape(lead['structure'])}</b>"
        return _("suggested référent: {structure} — {reasons}").format(
            structure=structure, reasons=escape("; ".join(lead["reasons"]))
        )
    return _("suggested référent: {structure} — {reasons}").format(
        structure=lead["structure"], reasons="; ".join(lead["reasons"])
    )


def _fiche_points(r: dict[str, Any]) -> list[str]:
    """What the meeting reads under a new fiche, after the suggested lead (plain text)."""
    supports = ", ".join(f"{s['structure']} ({_needs(s['needs'])})" for s in r["suggested_supports"]) or "—"
    points = [_("suggested supports: {structures}").format(structures=supports)]
    if r["uncovered_needs"]:
        points.append(_("needs not covered: {needs}").format(needs=_needs(r["uncovered_needs"])))
    points.extend(orientation_fr(o) for o in r.get("orientations", ()))
    if r["lead"]:
        points.append(_("référent already named: {structure}").format(structure=r["lead"]))
    return points


def _fiche_head(r: dict[str, Any], date: str) -> str:
    """'création, 63003 Ambert, NAF 10.71C, reçue le 2025-02-03, étape idée' (``date`` as given)."""
    return _("{kind}, {place}, NAF {naf}, received on {date}, stage {stage}").format(
        kind=KINDS.get(r["kind"], r["kind"]),
        place=place(r),
        naf=r["naf"] or "—",
        date=date,
        stage=STAGES.get(r["stage"], r["stage"]),
    )


def _new_fiche_md(r: dict[str, Any]) -> list[str]:
    from engine.output import md

    lines = [f"- **{md(fiche_label(r))}** — {md(_fiche_head(r, r['received']))}"]
    lines.append(f"  - {md(_lead_line(r, 'markdown'))}")
    lines.extend(f"  - {md(p)}" for p in _fiche_points(r))
    return lines


def _share_text(r: dict[str, Any]) -> str:
    who = ", ".join(structure_text(s) for s in r["structures"])
    return _("{place}, received on {date}, stage {stage}: {structures}").format(
        place=place(r), date=r["received"], stage=STAGES.get(r["stage"], r["stage"]), structures=who
    )


def _share_md(r: dict[str, Any]) -> list[str]:
    from engine.output import md

    return [f"- **{md(fiche_label(r))}** — {md(_share_text(r))}"]


def render_markdown(agenda: dict[str, Any], fold: int = FOLD) -> str:
    """The agenda as Markdown: a bullet list per fiche where reasons matter, tables elsewhere; a section
    longer than ``fold`` shows its first ``fold`` items, then "… et K autres"."""
    from engine.output import md, to_markdown

    out = [f"# {md(title(agenda))}", "", md(intro(agenda)), ""]
    for number, (heading, items) in enumerate(sections(agenda)):
        out += [f"## {md(heading)}", ""]
        if not items:
            out += [md(nothing()), ""]
            continue
        shown = items[:fold]
        if number == 0:
            for r in shown:
                out += _new_fiche_md(r)
        elif number == 1:
            for r in shown:
                out += _share_md(r)
        else:
            columns, headers, rows = _table(number, shown)
            out.append(to_markdown(rows, columns, headers))
        if len(items) > fold:
            out += ["", md(more(len(items) - fold)) + " " + md(_("(every item: --format html or json)"))]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _severity(severity: str) -> str:
    return _(SEVERITY[severity]) if severity in SEVERITY else severity


def _check(check: str) -> str:
    return _(CHECK_LABELS[check]) if check in CHECK_LABELS else check


def _table(number: int, items: list[dict[str, Any]]) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Columns, headers and display rows of the tabular sections (alerts, installations, offers…)."""
    if number == 2:
        rows = [
            {**a, "fiche": fiche_label(a), "severity": _severity(a["severity"]), "check": _check(a["check"])}
            for a in items
        ]
        return (
            ["severity", "fiche", "check", "since", "message", "action"],
            [_("severity"), _("fiche"), _("check"), _("since"), _("what was found"), _("what to do")],
            rows,
        )
    if number == 3:
        rows = [
            {**r, "fiche": fiche_label(r), "place": place(r), "via": _("yes") if r["via_offer"] else ""} for r in items
        ]
        return (
            ["fiche", "installed_on", "place", "lead", "via"],
            [_("fiche"), _("installed on"), _("commune"), _("référent"), _("through an offer")],
            rows,
        )
    if number == 4:
        rows = [
            {**r, "fiche": fiche_label(r), "place": place(r), "late": _("overdue") if r["overdue"] else ""}
            for r in items
        ]
        return (
            ["fiche", "installed_on", "due", "late", "lead", "place"],
            [_("fiche"), _("installed on"), _("follow-up to offer before"), "", _("référent"), _("commune")],
            rows,
        )
    if number == 5:
        rows = [{**o, "kind": OFFER_KINDS.get(o["kind"], o["kind"]), "place": place(o)} for o in items]
        return (
            ["id", "kind", "title", "place", "naf", "published_on", "published_in"],
            [_("offer"), _("type"), _("title"), _("commune"), "NAF", _("published on"), _("in")],
            rows,
        )
    rows = [{**c, "fiche": fiche_label(c)} for c in items]
    return (
        ["at", "offer", "title", "fiche", "by"],
        [_("date"), _("offer"), _("title"), _("fiche"), _("recorded by")],
        rows,
    )


# --- HTML ----------------------------------------------------------------------------------------

#: Added to the yearly report's CSS.  The agenda's cells are words, not figures: left-aligned.  Lists
#: keep a small indent so that a phone's 390 px are left to the text, not to the margins.  What a long
#: section folds is unfolded on paper (a printed agenda has no button to open it).
AGENDA_CSS = """
main.agenda ul { padding-left: 1.2rem; margin: .4rem 0; }
main.agenda li { margin: .3rem 0; }
main.agenda th, main.agenda td { text-align: left; }
main.agenda time { white-space: nowrap; }
main.agenda details > summary { cursor: pointer; color: var(--accent); font-weight: 600; margin: .4rem 0; }
.severity-critical { color: #b71c1c; font-weight: 700; }
.severity-warning { color: #8a5300; font-weight: 600; }
"""


def _html_table(columns: list[str], headers: list[str], rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(r.get(c)))}</td>" for c in columns) + "</tr>" for r in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else ""
    return str(value)


def _time(iso: str) -> str:
    """A date that a narrow screen does not break at its hyphens (``2025-`` / ``02-03``)."""
    return f'<time datetime="{escape(iso)}">{escape(iso)}</time>'


def _new_fiche_html(r: dict[str, Any]) -> str:
    items = [_lead_line(r, "html"), *(escape(p) for p in _fiche_points(r))]
    # the date goes in as a <time> element: escape the words around it, not the element
    marker = "\x00"
    head = escape(_fiche_head(r, marker)).replace(marker, _time(r["received"]))
    return (
        f'<li class="fiche" data-fiche="{escape(r["fiche"])}"><b>{escape(fiche_label(r))}</b> — {head}'
        f"<ul>{''.join(f'<li>{i}</li>' for i in items)}</ul></li>"
    )


def _share_html(r: dict[str, Any]) -> str:
    marker = "\x00"
    who = ", ".join(structure_text(s) for s in r["structures"])
    text = _("{place}, received on {date}: {structures}").format(place=place(r), date=marker, structures=who)
    return (
        f'<li class="fiche" data-fiche="{escape(r["fiche"])}"><b>{escape(fiche_label(r))}</b> — '
        f"{escape(text).replace(marker, _time(r['received']))}</li>"
    )


def _alert_html(a: dict[str, Any]) -> str:
    """One alert as a list item: what was found and what to do are sentences, too long for table cells."""
    marker = "\x00"
    since = escape(_("{check} since {date}").format(check=_check(a["check"]), date=marker))
    found = _("found: {message}").format(message=a["message"])
    todo = _("to do: {action}").format(action=a["action"])
    return (
        f'<li class="alert" data-fiche="{escape(a["fiche"])}"><b>{escape(fiche_label(a))}</b> — '
        f'<span class="severity-{escape(a["severity"])}">{escape(_severity(a["severity"]))}</span>, '
        f"{since.replace(marker, _time(a['since']))}"
        f"<ul><li>{escape(found)}</li><li>{escape(todo)}</li></ul></li>"
    )


def _folded_list(items: list[str], fold: int) -> str:
    """A list of ``<li>``: the first ``fold`` shown, the others in a ``<details>`` opened on demand."""
    shown = f"<ul>{''.join(items[:fold])}</ul>"
    if len(items) <= fold:
        return shown
    rest = f"<ul>{''.join(items[fold:])}</ul>"
    return f"{shown}<details><summary>{escape(more(len(items) - fold))}</summary>{rest}</details>"


def render_html(agenda: dict[str, Any], fold: int = FOLD) -> str:
    """The whole agenda as one self-contained page (inline CSS, nothing fetched); a section longer than
    ``fold`` shows its first ``fold`` items, the others folded in ``<details>``."""
    body = []
    for number, (heading, items) in enumerate(sections(agenda)):
        body.append(f'<section id="{KEYS[number]}"><h2>{escape(heading)}</h2>')
        if not items:
            body.append(f'<p class="note">{escape(nothing())}</p>')
        elif number == 0:
            body.append(_folded_list([_new_fiche_html(r) for r in items], fold))
        elif number == 1:
            body.append(_folded_list([_share_html(r) for r in items], fold))
        elif number == 2:
            body.append(_folded_list([_alert_html(a) for a in items], fold))
        else:
            body.append(_html_table(*_table(number, items[:fold])))
            if len(items) > fold:
                rest = _html_table(*_table(number, items[fold:]))
                body.append(f"<details><summary>{escape(more(len(items) - fold))}</summary>{rest}</details>")
        body.append("</section>")
    body_html = f'<p class="note">{escape(intro(agenda))}</p>\n{"".join(body)}'
    return page(title(agenda), body_html, css=AGENDA_CSS, main_class="agenda")


@renders(Agenda, "markdown")
def agenda_markdown(result: Agenda) -> str:
    """The agenda as Markdown (default): one section per heading."""
    return render_markdown(result.sections)


@renders(Agenda, "html")
def agenda_html(result: Agenda) -> str:
    """The agenda as one self-contained page."""
    return render_html(result.sections)
