"""The reminders in words: each e-mail's subject, plain text and HTML (French), and the run's report.

:func:`compose` turns a :class:`~engine.notify.model.Digest` into a :class:`~engine.notify.model.Letter`.
The messages are in French whatever ``--lang`` the coordinator runs the command with: they are read
by the network's technicians and elected members (like the agenda and the yearly report).  Each
subject says what to do; each message ends with why the person receives it.  The porteur's name is
shown when the digest carries it (the application layer left it only where the recipient may see it).

The run's report (``capactif notify``'s output) is :class:`~engine.app.notify.NotifyRun` as text or JSON.
"""

from __future__ import annotations

from html import escape

from engine.app.accounts import NewLink
from engine.app.notify import FAILED, SENT, TAKEN, WRITTEN, LinkMailed, NotifyRun
from engine.i18n import _, ngettext
from engine.notify.model import AGENDA, COMMITTEE, COORDINATOR, STRUCTURE, Digest, Letter, Line
from engine.output import to_json
from engine.render import renders
from engine.vocabulary import NEEDS, STAGES

ROLE = {"lead": "structure référente", "support": "structure d'appui"}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")  # fmt: skip
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

#: Each alert check a structure may receive: what is wrong, and what to do.
ALERT_WORDS = {
    "no_lead": ("pas de structure référente", "désigner la structure référente, ou prendre la fiche en charge"),
    "no_competent_structure": ("aucune structure compétente selon les règles", "la coordination désigne un référent"),
    "stalled": ("pas de nouvelles depuis trop longtemps", "contacter le porteur et noter l'échange sur la fiche"),
    "lead_invalid": ("la structure référente ne correspond plus aux règles", "revoir le référent avec la coordination"),
    "follow_up_missing": ("suivi post-création pas encore proposé", "proposer le suivi post-création au porteur"),
    "bounced": ("la structure référente a changé plusieurs fois", "faire le point avec la coordination"),
    "need_uncovered": ("un besoin déclaré n'est couvert par aucune structure de la fiche",
                       "ajouter une structure d'appui pour ce besoin"),
    "consent_missing": ("données partagées sans le consentement du porteur",
                        "recueillir le consentement du porteur, ou retirer la structure de la fiche"),
    "unanswered": ("suggestion sans réponse", "prendre la fiche en charge ou la décliner"),
}  # fmt: skip

LETTER_CSS = """
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2b36; }
h2 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
li { margin: .35rem 0; }
.why { color: #5b6770; font-size: .85rem; border-top: 1px solid #d5dde2; margin-top: 1.5rem; padding-top: .5rem; }
"""


def day_fr(day: object) -> str:
    """``lundi 3 mars 2025``."""
    import datetime as dt

    assert isinstance(day, dt.date)
    first = "1er" if day.day == 1 else str(day.day)
    return f"{WEEKDAYS[day.weekday()]} {first} {MONTHS[day.month - 1]} {day.year}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _fiche_words(line: Line) -> str:
    """``F-2026-0012 (Jeanne Martin) — Ambert, étape idée``."""
    who = f" ({line.porteur_name})" if line.porteur_name else ""
    stage = STAGES.get(line.stage, line.stage)
    return f"{line.fiche}{who} — {line.commune}, étape {stage}"


def _suggestion_words(line: Line, reminders: tuple[int, ...]) -> tuple[str, str]:
    role = ROLE.get(line.what, line.what)
    if line.step == 0:
        what = f"nouvelle demande : votre structure est suggérée comme {role}"
    else:
        last = " (dernière relance)" if line.step == len(reminders) else ""
        what = f"relance n° {line.step}{last} : suggérée comme {role} depuis {line.days} jours, sans réponse"
    if line.needs and line.what == "support":
        what += " — besoins : " + ", ".join(NEEDS.get(n, n) for n in line.needs)
    return what, "prendre la fiche en charge ou la décliner (« À traiter » dans l'application)"


def _alert_words(line: Line) -> tuple[str, str]:
    what, action = ALERT_WORDS.get(line.what, (line.what, "voir la fiche"))
    return f"alerte : {what} (depuis le {line.since.isoformat()}, {line.days} jours)", action


def _coordinator_words(line: Line) -> tuple[str, str]:
    role = ROLE.get(line.what, line.what)
    what = f"{line.structure} suggérée comme {role} depuis {line.days} jours, sans réponse après la dernière relance"
    return what, "relancer la structure par téléphone, ou désigner une autre structure"


def _items(digest: Digest) -> list[tuple[Line, str, str]]:
    out = []
    for line in digest.lines:
        if line.key.kind == "suggestion":
            what, action = _suggestion_words(line, digest.reminder_days)
        elif line.key.kind == "alert":
            what, action = _alert_words(line)
        else:
            what, action = _coordinator_words(line)
        out.append((line, what, action))
    return out


def _why(digest: Digest) -> str:
    reminders = ", ".join(str(d) for d in digest.reminder_days)
    if digest.kind == STRUCTURE:
        return (
            f"Vous recevez ce message parce que votre compte Cap Actif est celui d'un technicien de "
            f"{digest.audience_name} (ou l'adresse de contact de la structure) et que des fiches attendent une "
            f"action de sa part. Une suggestion non traitée est rappelée à {reminders} jours, puis signalée à la "
            f"coordination. Chaque information n'est envoyée qu'une fois."
        )
    if digest.kind == AGENDA:
        return (
            f"Vous recevez ce message parce que votre structure participe au {digest.audience_name}. "
            f"L'ordre du jour ne contient aucun nom de porteur : ouvrez les fiches dans l'application."
        )
    if digest.kind == COMMITTEE:
        return (
            "Vous recevez ce message parce que vous êtes membre du comité de pilotage de Cap Actif. "
            "La synthèse ne contient que des nombres, aucune donnée personnelle."
        )
    return (
        f"Vous recevez ce message parce que vous assurez la coordination de Cap Actif : ces suggestions sont "
        f"restées sans réponse après les relances ({reminders} jours)."
    )


def _subject(digest: Digest) -> str:
    if digest.kind == STRUCTURE:
        asks = sum(1 for line in digest.lines if line.key.kind == "suggestion")
        alerts = len(digest.lines) - asks
        parts = []
        if asks:
            parts.append(f"répondre à {_plural(asks, 'demande de prise en charge', 'demandes de prise en charge')}")
        if alerts:
            parts.append(f"traiter {_plural(alerts, 'alerte', 'alertes')}")
        return f"Cap Actif — à faire : {' et '.join(parts)} ({digest.audience_name})"
    if digest.kind == AGENDA:
        meeting = digest.content["agenda"].meeting
        return f"Cap Actif — préparez la réunion du {digest.audience_name} du {day_fr(meeting.day)}"
    if digest.kind == COMMITTEE:
        month = digest.content["month"]
        year, number = month.split("-")
        return f"Cap Actif — synthèse de {MONTHS[int(number) - 1]} {year} à examiner en comité"
    n = len(digest.lines)
    return f"Cap Actif — {_plural(n, 'suggestion', 'suggestions')} sans réponse à réattribuer"


def _greeting(digest: Digest) -> str:
    return f"Bonjour {digest.recipient.name},"


def _lines_letter(digest: Digest, intro: str) -> tuple[str, str]:
    items = _items(digest)
    text = [_greeting(digest), "", intro, ""]
    html = [f"<p>{escape(_greeting(digest))}</p>", f"<p>{escape(intro)}</p>", "<ul>"]
    for line, what, action in items:
        text += [f"- {_fiche_words(line)}", f"  {what}", f"  À faire : {action}", f"  {line.url}", ""]
        html.append(
            f'<li data-fiche="{escape(line.fiche)}"><a href="{escape(line.url)}">{escape(line.fiche)}</a>'
            f"{escape(_fiche_words(line)[len(line.fiche) :])}<br>{escape(what)}<br><strong>À faire :</strong> "
            f"{escape(action)}</li>"
        )
    html.append("</ul>")
    return "\n".join(text), "".join(html)


def _committee_letter(digest: Digest) -> tuple[str, str]:
    c = digest.content
    intro = (
        f"Au {c['as_of']}, {_plural(c['fiches'], 'fiche suivie', 'fiches suivies')}, "
        f"{_plural(c['alerts'], 'alerte', 'alertes')}, {_plural(c['suggestions_open'], 'suggestion', 'suggestions')} "
        f"en attente de réponse dont {c['unanswered_after_reminders']} après toutes les relances."
    )
    text = [_greeting(digest), "", intro, "", "Alertes par réseau local :"]
    rows = []
    for n in c["networks"]:
        text.append(f"- {n['name']} : {_plural(n['alerts'], 'alerte', 'alertes')}")
        rows.append(f"<tr><td>{escape(n['name'])}</td><td>{n['alerts']}</td></tr>")
    text += ["", "Alertes par type :"]
    kinds = []
    for check, count in c["by_check"].items():
        label = ALERT_WORDS.get(check, (check, ""))[0]
        text.append(f"- {label} : {count}")
        kinds.append(f"<tr><td>{escape(label)}</td><td>{count}</td></tr>")
    text += ["", f"Le détail (sans nom de porteur) : {digest.base_url.rstrip('/')}/"]
    html = (
        f"<p>{escape(_greeting(digest))}</p><p>{escape(intro)}</p><h2>Alertes par réseau local</h2>"
        f"<table>{''.join(rows)}</table><h2>Alertes par type</h2><table>{''.join(kinds)}</table>"
        f'<p><a href="{escape(digest.base_url)}">Ouvrir Cap Actif</a></p>'
    )
    return "\n".join(text), html


def _agenda_letter(digest: Digest) -> tuple[str, str]:
    from engine.render.agenda import render_html, render_markdown

    shown = digest.content["agenda"]
    intro = (
        f"La réunion du {digest.audience_name} a lieu le {day_fr(shown.meeting.day)}. "
        f"Voici son ordre du jour : les nouvelles fiches, les fiches à répartir et les alertes à examiner."
    )
    text = "\n".join([_greeting(digest), "", intro, "", render_markdown(shown.sections)])
    page = render_html(shown.sections)
    body = page.split("<main", 1)[1].split(">", 1)[1].rsplit("</main>", 1)[0]
    html = f"<p>{escape(_greeting(digest))}</p><p>{escape(intro)}</p>{body}"
    return text, html


def compose(digest: Digest) -> Letter:
    """The e-mail of a digest: subject (what to do), plain text and HTML, each ending with why."""
    if digest.kind == STRUCTURE:
        text, html = _lines_letter(digest, "Voici ce qui attend une action de votre structure dans Cap Actif :")
    elif digest.kind == COORDINATOR:
        text, html = _lines_letter(digest, "Ces suggestions n'ont eu aucune réponse, même après la dernière relance :")
    elif digest.kind == COMMITTEE:
        text, html = _committee_letter(digest)
    else:
        text, html = _agenda_letter(digest)
    why = _why(digest)
    subject = _subject(digest)
    text = f"{text.rstrip()}\n\n-- \n{why}\n"
    document = (
        f'<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>{escape(subject)}</title>'
        f'<style>{LETTER_CSS}</style></head><body>{html}<p class="why">{escape(why)}</p></body></html>\n'
    )
    return Letter(subject, text, document)


def compose_link(link: NewLink) -> Letter:
    """The e-mail carrying a one-time link to choose a password (``capactif user add``/``reset``)."""
    account = link.account
    until = f"{link.expires_at:%d/%m/%Y à %H:%M} UTC"
    subject = f"Cap Actif — choisissez votre mot de passe (lien valable jusqu'au {until})"
    greeting = f"Bonjour {account.display_name},"
    intro = (
        "La coordination de Cap Actif vous a ouvert un compte (ou en a renouvelé l'accès). Ouvrez ce lien pour "
        f"choisir votre mot de passe (au moins 10 caractères) ; il ne sert qu'une fois, jusqu'au {until} :"
    )
    why = (
        f"Vous recevez ce message parce que la coordination de Cap Actif a créé ou réinitialisé le compte "
        f"{account.email}. Si vous ne l'attendiez pas, ignorez-le et prévenez la coordination : sans ce lien, "
        "personne ne peut choisir le mot de passe."
    )
    text = f"{greeting}\n\n{intro}\n\n  {link.url}\n\n-- \n{why}\n"
    html = (
        f'<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>{escape(subject)}</title>'
        f"<style>{LETTER_CSS}</style></head><body><p>{escape(greeting)}</p><p>{escape(intro)}</p>"
        f'<p><a href="{escape(link.url)}">{escape(link.url)}</a></p><p class="why">{escape(why)}</p></body></html>\n'
    )
    return Letter(subject, text, html)


# --- the run's report ---------------------------------------------------------------------------------


def _status(status: str) -> str:
    return {SENT: _("sent"), WRITTEN: _("written"), FAILED: _("failed"), TAKEN: _("sent by another run")}[status]


@renders(NotifyRun, "text")
def render_text(run: NotifyRun) -> str:
    """One line per message, then the totals; failures say what the server answered."""
    out = []
    for o in run.outcomes:
        line = f"{_status(o.status)}: {o.recipient} — {o.subject}"
        if o.error:
            line += f" ({o.error})"
        elif o.where and run.dry_run:
            line += f" → {o.where}"
        out.append(line)
    sent = sum(1 for o in run.outcomes if o.status in (SENT, WRITTEN))
    if run.dry_run:
        written = ngettext(
            "{n} message written (dry run: nothing sent, nothing recorded)",
            "{n} messages written (dry run: nothing sent, nothing recorded)",
            sent,
        )
        out.append(written.format(n=sent))
    else:
        out.append(ngettext("{n} message sent", "{n} messages sent", sent).format(n=sent))
    if run.already_told:
        told = ngettext(
            "{n} item already told before: not sent again",
            "{n} items already told before: not sent again",
            run.already_told,
        )
        out.append(told.format(n=run.already_told))
    if run.failed:
        n = len(run.failed)
        failed = ngettext(
            "{n} message failed: it will be sent again by the next run",
            "{n} messages failed: they will be sent again by the next run",
            n,
        )
        out.append(failed.format(n=n))
    for structure in run.unreachable:
        missing = _("{structure}: something to tell but no address (add an account or contact.email)")
        out.append(missing.format(structure=structure))
    return "\n".join(out)


@renders(NotifyRun, "json")
def render_json(run: NotifyRun) -> str:
    """The documented keys (docs/notify.md)."""
    return to_json(run.to_dict())


@renders(LinkMailed, "text")
def link_mailed_text(result: LinkMailed) -> str:
    """The account and its link (as without e-mail), then whether the e-mail left."""
    from engine.render.accounts import new_link_text

    if result.sent:
        said = _("link e-mailed to {email}").format(email=result.link.account.email)
    else:
        said = _(
            "warning: the link could not be e-mailed to {email} ({reason}): give it to the person yourself"
        ).format(email=result.link.account.email, reason=result.error)
    return f"{new_link_text(result.link)}\n{said}"


@renders(LinkMailed, "json")
def link_mailed_json(result: LinkMailed) -> str:
    """The keys of ``user add``'s JSON and ``emailed`` (docs/notify.md)."""
    return to_json(result.to_dict())
