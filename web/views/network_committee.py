"""The committee's pages (the committee and the coordinator): dashboard of alerts, yearly report,
the charter's commitments, the decisions.  No page here shows a porteur's data: the alerts are
computed for the signed-in identity (the committee never gets a name) and the rest are figures.
"""

from __future__ import annotations

import datetime as dt

from starlette.responses import Response

from engine.alerts.model import CHECK_LABELS as ALERT_CHECK_LABELS
from engine.alerts.model import SEVERITY_LABELS as ALERT_SEVERITY_LABELS
from engine.app import committee, decisions
from engine.decisions import KINDS, OUTCOMES
from engine.errors import InputError
from engine.i18n import N_, _
from web.pages import Page, nav_item, route

READERS = ("committee", "coordinator")

nav_item(N_("Dashboard"), "committee.dashboard", kinds=READERS, order=20)
nav_item(N_("Yearly report"), "committee.report", kinds=READERS, order=21)
nav_item(N_("Charter"), "committee.charter", kinds=READERS, order=22)
nav_item(N_("Decisions"), "decisions", kinds=READERS, order=23)

#: The alert checks and severities in words (English msgids, French in the catalog): the engine's.
CHECK_LABELS, SEVERITY_LABELS = ALERT_CHECK_LABELS, ALERT_SEVERITY_LABELS


def _year(page: Page) -> int:
    """``?annee=2025`` (default: the current year); anything else is the current year."""
    text = page.request.query_params.get("annee", "")
    this_year = page.now.date().year
    return int(text) if text.isdigit() and 2000 <= int(text) <= this_year + 1 else this_year


@route("/comite", name="committee.dashboard", kinds=READERS)
def dashboard(page: Page) -> Response:
    """Alerts summarised first (per check × local network, change since the last meeting, the ten
    most urgent), then every alert per local network."""
    result = committee.dashboard(page.ws, page.who, as_of=page.now.date())
    return page.render("network/dashboard.html", d=result, checks=CHECK_LABELS, severities=SEVERITY_LABELS)


@route("/comite/bilan", name="committee.report", kinds=READERS)
def report(page: Page) -> Response:
    """The yearly report: the eight figures, the funnel, per local network and per structure, beside
    the year before."""
    from markupsafe import Markup

    from engine.render.report import funnel_svg
    from engine.report import INDICATORS, label

    result = committee.yearly_report(page.ws, page.who, _year(page))
    # the report file's funnel (SVG built from figures only, every text escaped): one drawing for both
    funnel = Markup(funnel_svg(result.current, result.previous))
    labels = {key: label(key) for key in INDICATORS}  # in the request's language
    return page.render("network/report.html", r=result, indicators=INDICATORS, labels=labels, funnel=funnel)


@route("/comite/charte", name="committee.charter", kinds=READERS)
def charter(page: Page) -> Response:
    """The charter's commitments, one line each: kept or not over the year."""
    year = _year(page)
    lines = committee.charter_lines(page.ws, page.who, year, as_of=page.now.date())
    return page.render("network/charter.html", year=year, lines=lines)


def _decisions_page(page: Page, status: int = 200, **extra: object) -> Response:
    listed = decisions.list_decisions(page.ws, page.who)
    context = {"listed": listed, "kinds": KINDS, "outcomes": OUTCOMES, "problems": [], "form": {}, "notice": None}
    context.update(extra)
    return page.render("network/decisions.html", status=status, today=page.now.date(), **context)


@route("/decisions", name="decisions", kinds=READERS)
def decisions_page(page: Page) -> Response:
    """The actions put to the committee and its decisions (the coordinator records them here)."""
    notice = page.request.query_params.get("fait")
    return _decisions_page(page, notice=notice)


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(problems=[_problem(field, _("write the date as YYYY-MM-DD, e.g. 2026-12-07"))]) from None


def _problem(field: str, message: str):  # type: ignore[no-untyped-def]
    from engine.errors import Problem

    return Problem(field, 0, 0, message)


@route("/decisions", name="decisions.add", kinds=("coordinator",), methods=("POST",))
def add_decision(page: Page) -> Response:
    """Record an action put to the committee; problems are shown beside the form (400)."""
    form = {k: page.field(k) for k in ("kind", "title", "description", "put_on")}
    try:
        put_on = _date(form["put_on"], "put_on") if form["put_on"].strip() else page.now.date()
        found = decisions.add_decision(page.ws, page.who, kind=form["kind"], title=form["title"], put_on=put_on,
                                       description=form["description"])  # fmt: skip
    except InputError as exc:
        return _decisions_page(page, status=400, problems=exc.lines(), form=form)
    return page.redirect(page.url_for("decisions", query={"fait": found.id}))


@route("/decisions/{decision}", name="decisions.record", kinds=("coordinator",), methods=("POST",))
def record_decision(page: Page) -> Response:
    """Record the committee's decision on an action."""
    decision_id = page.request.path_params["decision"]
    form = {k: page.field(k) for k in ("outcome", "decided_on", "note")}
    try:
        day = _date(form["decided_on"], "decided_on") if form["decided_on"].strip() else page.now.date()
        decisions.record_decision(page.ws, page.who, decision_id, outcome=form["outcome"], decided_on=day,
                                  note=form["note"])  # fmt: skip
    except InputError as exc:
        return _decisions_page(page, status=400, problems=exc.lines(), form={})
    return page.redirect(page.url_for("decisions", query={"fait": decision_id}))
