"""The agenda as Markdown (to paste in a mail or a wiki), JSON, or one self-contained HTML page.

The HTML page has inline CSS only (the yearly report's look), no script, font or image to fetch: it
opens offline and can be mailed as it is.  Labels are French: the technicians read it.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from engine.app.agenda import Agenda
from engine.offers.model import OFFER_KINDS
from engine.render import renders
from engine.render.html import page
from engine.vocabulary import KINDS, NEEDS, STAGES

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
ROLES = {"lead": "référent suggéré", "support": "appui", "alternative_lead": "autre référent possible"}
SEVERITY = {"critical": "critique", "warning": "à surveiller", "info": "information"}
NOTHING = "Rien à signaler."


def orientation_fr(o: dict[str, Any]) -> str:
    """'orientation hors réseau (prêt d'honneur) : Initiative Loire (à confirmer en partie)'."""
    named = "; ".join(
        x["name"] if x["confirmed"] == "yes" else f"{x['name']} ({x['confirmed_label']})" for x in o["structures"]
    )
    return f"orientation hors réseau ({o['label']}) : {named}"


def french_date(iso: str) -> str:
    """``2025-03-03`` → ``lundi 3 mars 2025``."""
    day = dt.date.fromisoformat(iso)
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def title(agenda: dict[str, Any]) -> str:
    """``Réseau local d'Ambert (ambert) — réunion du lundi 3 mars 2025``."""
    return f"{agenda['name']} ({agenda['network']}) — réunion du {french_date(agenda['meeting'])}"


def intro(agenda: dict[str, Any]) -> str:
    """The period covered and what the agenda was prepared with."""
    return (
        f"Ordre du jour préparé avec ce qui était enregistré au {french_date(agenda['as_of'])}, "
        f"veille de la réunion. Depuis la réunion du {french_date(agenda['previous_meeting'])} ; "
        f"prochaine réunion le {french_date(agenda['next_meeting'])}. "
        f"{agenda['fiches']} fiche(s) dans le réseau local ; suggestions par les règles {agenda['rules_version']}."
    )


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
    needs = f" : {_needs(s['needs'])}" if s["needs"] else ""
    return f"{s['structure']} ({ROLES.get(s['role'], s['role'])}{needs})"


def sections(agenda: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(heading, items) of each section, in the meeting's order, as both renderers show them."""
    return [
        (f"1. Nouvelles fiches depuis la dernière réunion ({len(agenda['new_fiches'])})", agenda["new_fiches"]),
        (f"2. Fiches à répartir ({len(agenda['to_share_out'])})", agenda["to_share_out"]),
        (f"3. Alertes ({len(agenda['alerts'])})", agenda["alerts"]),
        (f"4. Installations depuis la dernière réunion ({len(agenda['installations'])})", agenda["installations"]),
        (f"5. Suivis post-création à proposer ({len(agenda['follow_ups_due'])})", agenda["follow_ups_due"]),
        (f"6. Nouvelles offres d'activités ({len(agenda['offers'])})", agenda["offers"]),
        (f"7. Contacts sur les offres ({len(agenda['offer_contacts'])})", agenda["offer_contacts"]),
    ]


# --- Markdown ------------------------------------------------------------------------------------


def _new_fiche_md(r: dict[str, Any]) -> list[str]:
    from engine.output import md

    lines = [
        f"- **{md(fiche_label(r))}** — {md(KINDS.get(r['kind'], r['kind']))}, {md(place(r))}, "
        f"NAF {md(r['naf'] or '—')}, reçue le {md(r['received'])}, étape {md(STAGES.get(r['stage'], r['stage']))}"
    ]
    lead = r["suggested_lead"]
    if lead:
        lines.append(f"  - référent suggéré : {md(lead['structure'])} — {md('; '.join(lead['reasons']))}")
    else:
        lines.append("  - aucun référent possible (orpheline) : à examiner")
    supports = ", ".join(f"{s['structure']} ({_needs(s['needs'])})" for s in r["suggested_supports"]) or "—"
    lines.append(f"  - appuis suggérés : {md(supports)}")
    if r["uncovered_needs"]:
        lines.append(f"  - besoins non couverts : {md(_needs(r['uncovered_needs']))}")
    lines.extend(f"  - {md(orientation_fr(o))}" for o in r.get("orientations", ()))
    if r["lead"]:
        lines.append(f"  - référent déjà désigné : {md(r['lead'])}")
    return lines


def _share_md(r: dict[str, Any]) -> list[str]:
    from engine.output import md

    who = ", ".join(structure_text(s) for s in r["structures"])
    stage = STAGES.get(r["stage"], r["stage"])
    return [f"- **{md(fiche_label(r))}** — {md(place(r))}, reçue le {md(r['received'])}, étape {md(stage)} : {md(who)}"]


def render_markdown(agenda: dict[str, Any]) -> str:
    """The agenda as Markdown: a bullet list per fiche where reasons matter, tables elsewhere."""
    from engine.output import md, to_markdown

    out = [f"# {md(title(agenda))}", "", md(intro(agenda)), ""]
    parts = sections(agenda)
    for number, (heading, items) in enumerate(parts):
        out += [f"## {heading}", ""]
        if not items:
            out += [NOTHING, ""]
            continue
        if number == 0:
            for r in items:
                out += _new_fiche_md(r)
        elif number == 1:
            for r in items:
                out += _share_md(r)
        else:
            columns, headers, rows = _table(number, items)
            out.append(to_markdown(rows, columns, headers))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _table(number: int, items: list[dict[str, Any]]) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Columns, headers and display rows of the tabular sections (alerts, installations, offers…)."""
    if number == 2:
        rows = [{**a, "fiche": fiche_label(a), "severity": SEVERITY.get(a["severity"], a["severity"])} for a in items]
        return (
            ["severity", "fiche", "check", "since", "message", "action"],
            ["gravité", "fiche", "contrôle", "depuis", "constat", "à faire"],
            rows,
        )
    if number == 3:
        rows = [
            {**r, "fiche": fiche_label(r), "place": place(r), "via": "oui" if r["via_offer"] else ""} for r in items
        ]
        return (
            ["fiche", "installed_on", "place", "lead", "via"],
            ["fiche", "installée le", "commune", "référent", "par une offre"],
            rows,
        )
    if number == 4:
        rows = [
            {**r, "fiche": fiche_label(r), "place": place(r), "late": "en retard" if r["overdue"] else ""}
            for r in items
        ]
        return (
            ["fiche", "installed_on", "due", "late", "lead", "place"],
            ["fiche", "installée le", "suivi à proposer avant le", "", "référent", "commune"],
            rows,
        )
    if number == 5:
        rows = [{**o, "kind": OFFER_KINDS.get(o["kind"], o["kind"]), "place": place(o)} for o in items]
        return (
            ["id", "kind", "title", "place", "naf", "published_on", "published_in"],
            ["offre", "type", "titre", "commune", "NAF", "publiée le", "dans"],
            rows,
        )
    rows = [{**c, "fiche": fiche_label(c)} for c in items]
    return (["at", "offer", "title", "fiche", "by"], ["date", "offre", "titre", "fiche", "noté par"], rows)


# --- HTML ----------------------------------------------------------------------------------------

#: Added to the yearly report's CSS.  The agenda's cells are words, not figures: left-aligned.  Lists
#: keep a small indent so that a phone's 390 px are left to the text, not to the margins.
AGENDA_CSS = """
main.agenda ul { padding-left: 1.2rem; margin: .4rem 0; }
main.agenda li { margin: .3rem 0; }
main.agenda th, main.agenda td { text-align: left; }
main.agenda time { white-space: nowrap; }
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
        return "oui" if value else ""
    return str(value)


def _time(iso: str) -> str:
    """A date that a narrow screen does not break at its hyphens (``2025-`` / ``02-03``)."""
    return f'<time datetime="{escape(iso)}">{escape(iso)}</time>'


def _new_fiche_html(r: dict[str, Any]) -> str:
    lead = r["suggested_lead"]
    lead_text = (
        f"référent suggéré : <b>{escape(lead['structure'])}</b> — {escape('; '.join(lead['reasons']))}"
        if lead
        else "aucun référent possible (orpheline) : à examiner"
    )
    supports = ", ".join(f"{s['structure']} ({_needs(s['needs'])})" for s in r["suggested_supports"]) or "—"
    items = [lead_text, f"appuis suggérés : {escape(supports)}"]
    if r["uncovered_needs"]:
        items.append(f"besoins non couverts : {escape(_needs(r['uncovered_needs']))}")
    items.extend(escape(orientation_fr(o)) for o in r.get("orientations", ()))
    if r["lead"]:
        items.append(f"référent déjà désigné : {escape(r['lead'])}")
    head = (
        f"{escape(KINDS.get(r['kind'], r['kind']))}, {escape(place(r))}, NAF {escape(r['naf'] or '—')}, "
        f"reçue le {_time(r['received'])}, étape {escape(STAGES.get(r['stage'], r['stage']))}"
    )
    return (
        f'<li class="fiche" data-fiche="{escape(r["fiche"])}"><b>{escape(fiche_label(r))}</b> — {head}'
        f"<ul>{''.join(f'<li>{i}</li>' for i in items)}</ul></li>"
    )


def _alert_html(a: dict[str, Any]) -> str:
    """One alert as a list item: what was found and what to do are sentences, too long for table cells."""
    severity = SEVERITY.get(a["severity"], a["severity"])
    return (
        f'<li class="alert" data-fiche="{escape(a["fiche"])}"><b>{escape(fiche_label(a))}</b> — '
        f'<span class="severity-{escape(a["severity"])}">{escape(severity)}</span>, '
        f"{escape(a['check'])} depuis le {_time(a['since'])}"
        f"<ul><li>constat : {escape(a['message'])}</li><li>à faire : {escape(a['action'])}</li></ul></li>"
    )


def render_html(agenda: dict[str, Any]) -> str:
    """The whole agenda as one self-contained page (inline CSS, nothing fetched)."""
    body = []
    for number, (heading, items) in enumerate(sections(agenda)):
        key = ("new_fiches", "to_share_out", "alerts", "installations", "follow_ups_due", "offers", "offer_contacts")
        body.append(f'<section id="{key[number]}"><h2>{escape(heading)}</h2>')
        if not items:
            body.append(f'<p class="note">{NOTHING}</p>')
        elif number == 0:
            body.append(f"<ul>{''.join(_new_fiche_html(r) for r in items)}</ul>")
        elif number == 1:
            lines = "".join(
                f'<li class="fiche" data-fiche="{escape(r["fiche"])}"><b>{escape(fiche_label(r))}</b> — '
                f"{escape(place(r))}, reçue le {_time(r['received'])} : "
                f"{escape(', '.join(structure_text(s) for s in r['structures']))}</li>"
                for r in items
            )
            body.append(f"<ul>{lines}</ul>")
        elif number == 2:
            body.append(f"<ul>{''.join(_alert_html(a) for a in items)}</ul>")
        else:
            body.append(_html_table(*_table(number, items)))
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
