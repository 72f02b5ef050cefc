"""The technician's desk: "À traiter", "Mes fiches", "Nouvelle fiche" and the fiche page.

Each handler parses the request, calls ONE use case of :mod:`engine.app.desk` with the signed-in
identity (``page.who``), and renders a template; masking, access rules and recording are below.
The new-fiche form works without JavaScript (the "Voir la suggestion" button sends the form and the
page comes back with routing's answer); ``/static/desk.js`` only makes that answer follow the form
as it is filled, from :func:`live`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import Response

from engine.app import desk
from engine.errors import AccessDenied, EngineError, InputError, NotFound, TransitionNotAllowed
from engine.i18n import N_, _
from web.pages import Page, nav_item, route

nav_item(N_("To do"), "desk.todo", kinds=("structure",), order=10)
nav_item(N_("My fiches"), "desk.caseload", kinds=("structure",), order=20)
nav_item(N_("All fiches"), "desk.all", kinds=("coordinator",), order=15)
nav_item(N_("New fiche"), "desk.new", kinds=("structure", "coordinator"), order=30)

ANSWERED = {
    "take": N_("Taken in charge: the fiche is now in your list."),
    "decline": N_("Declined: the next structure is asked."),
}


def _today(page: Page) -> dt.date:
    """The day every change made from a page is dated: the application's clock, never the machine's
    own calendar, so that a take-in-charge and the move after it cannot fall on different days."""
    return page.now.date()


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def _pager(page: Page, result: Any) -> dict[str, str | None]:
    """The links to the previous and next pages of a list, the other filters kept."""
    from urllib.parse import urlencode

    def at(number: int) -> str:
        params = [(k, v) for k, v in page.request.query_params.multi_items() if k != "page"]
        return page.request.url.path + "?" + urlencode([*params, ("page", str(number))])

    number = result.page.number
    return {
        "previous": at(number - 1) if number > 1 else None,
        "next": at(number + 1) if number < result.pages else None,
    }


def _vocabulary(page: Page) -> dict[str, Any]:
    """The French labels of the vocabularies the templates show (values stay the identifiers)."""
    return desk.choices(page.ws).labels()


# --- À traiter -------------------------------------------------------------------------------------


@route("/a-traiter", name="desk.todo", kinds=("structure",))
def todo(page: Page) -> Response:
    """My structure's requests, oldest first, each with "Prendre en charge" and "Pas pour nous"."""
    number = _int(page.request.query_params.get("page"), 1)
    result = desk.todo(page.ws, page.who, page=desk.Page(number), today=_today(page))
    done = page.request.query_params.get("fait")
    message = _(ANSWERED[done]) if done in ANSWERED else None
    return page.render(
        "desk/todo.html", result=result, message=message, pager=_pager(page, result), **_vocabulary(page)
    )


@route("/fiches/{fiche_id}/reponse", name="desk.answer", kinds=("structure",), methods=("POST",))
def answer(page: Page) -> Response:
    """The answer to a request: take it in charge, or decline it with a reason."""
    fiche_id = page.request.path_params["fiche_id"]
    reply = page.field("answer")
    version = _int(page.field("version"), 0) or None
    try:
        desk.answer(
            page.ws, page.who, fiche_id, reply, reason=page.field("reason"), expected_version=version, at=_today(page)
        )
    except NotFound as exc:
        return _error(page, 404, str(exc))
    except AccessDenied as exc:
        return _error(page, 403, str(exc), back=fiche_id)
    except EngineError as exc:
        return _error(page, 409 if isinstance(exc, desk.ChangedMeanwhile) else 400, str(exc), back=fiche_id)
    if reply == "take":
        return page.redirect(page.url_for("desk.fiche", fiche_id=fiche_id))
    return page.redirect(page.url_for("desk.todo", query={"fait": "decline"}))


# --- Mes fiches ------------------------------------------------------------------------------------


@route("/mes-fiches", name="desk.caseload", kinds=("structure",))
def caseload(page: Page) -> Response:
    """My fiches by stage with their alerts; filters in the query string, always paginated."""
    return _fiche_list(page, "desk.caseload")


@route("/fiches", name="desk.all", kinds=("coordinator",))
def all_fiches(page: Page) -> Response:
    """The coordinator's list: every fiche of the network by stage, with their alerts (same filters but
    the role, which is a structure's)."""
    return _fiche_list(page, "desk.all")


def _fiche_list(page: Page, list_route: str) -> Response:
    params = page.request.query_params
    stages = tuple(s for s in params.getlist("etape") if s)
    role = (params.get("role") or None) if list_route == "desk.caseload" else None
    filters = desk.CaseloadFilter(stages=stages, role=role, text=params.get("q", ""))
    try:
        result = desk.caseload(
            page.ws, page.who, filters=filters, page=desk.Page(_int(params.get("page"), 1)), today=_today(page)
        )
    except desk.FormErrors as exc:
        return _error(page, 400, str(exc))
    return page.render("desk/caseload.html", result=result, pager=_pager(page, result), list_route=list_route,
                       **_vocabulary(page))  # fmt: skip


# --- Nouvelle fiche --------------------------------------------------------------------------------


def _form(page: Page) -> desk.FicheForm:
    form = page.form
    if form is None:
        params = page.request.query_params
        return desk.FicheForm.from_mapping(params.get, params.getlist)
    return desk.FicheForm.from_mapping(form.get, form.getlist)


def _render_form(page: Page, form: desk.FicheForm, *, status: int = 200, errors: Any = None) -> Response:
    suggestion = desk.live_suggestion(page.ws, page.who, form, today=_today(page))
    offered = desk.choices(page.ws)
    return page.render(
        "desk/new.html",
        status=status,
        form=form,
        errors=errors or {},
        suggestion=suggestion,
        communes=offered.communes,
        activities=offered.activities,
        **offered.labels(),
    )


@route("/fiches/nouvelle", name="desk.new", kinds=("structure", "coordinator"), methods=("GET", "POST"))
def new(page: Page) -> Response:
    """The form; on "Enregistrer", the fiche is recorded (received by my structure) with its suggestion."""
    if page.request.method == "GET":
        return _render_form(page, desk.FicheForm())
    form = _form(page)
    if page.field("action") != "save":
        return _render_form(page, form)
    try:
        created = desk.create_fiche(page.ws, page.who, form, today=_today(page))
    except desk.FormErrors as exc:
        return _render_form(page, form, status=400, errors=exc.by_field())
    return page.redirect(page.url_for("desk.fiche", fiche_id=created.fiche))


@route("/fiches/nouvelle/suggestion", name="desk.live", kinds=("structure", "coordinator"))
def live(page: Page) -> Response:
    """Routing's answer for the form's routing fields (no personal data is sent): an HTML fragment, the
    suggestion panel's body and the "confirm the nature" question of the form."""
    form = _form(page)
    suggestion = desk.live_suggestion(page.ws, page.who, form, today=_today(page))
    return page.render("desk/_live.html", suggestion=suggestion, form=form, **_vocabulary(page))


@route("/fiches/nouvelle/communes", name="desk.communes", kinds=("structure", "coordinator"))
def communes(page: Page) -> Response:
    """The communes matching what the commune field holds (``?q=``): buttons that fill the field."""
    text = page.request.query_params.get("q", "")
    found = desk.communes_found(page.ws, text)
    return page.render("desk/_found.html", field="commune", found=found, text=text)


@route("/fiches/nouvelle/activites", name="desk.activities", kinds=("structure", "coordinator"))
def activities(page: Page) -> Response:
    """The NAF activities matching the activity field's words (``?q=``): buttons that fill the field."""
    text = page.request.query_params.get("q", "")
    found = desk.activities_found(text)
    return page.render("desk/_found.html", field="activity", found=found, text=text)


# --- the fiche page --------------------------------------------------------------------------------


@route("/fiches/{fiche_id}", name="desk.fiche", kinds=("structure", "coordinator", "committee"))
def fiche(page: Page) -> Response:
    """One fiche as I may see it: suggestion and reasons, timeline, the actions allowed now."""
    fiche_id = page.request.path_params["fiche_id"]
    try:
        shown = desk.fiche_page(page.ws, page.who, fiche_id, today=_today(page))
    except (NotFound, InputError) as exc:
        return _error(page, 404, str(exc))
    message = page.request.query_params.get("fait")
    return page.render("desk/fiche.html", shown=shown, message=message, **_edit_form(shown), **_vocabulary(page))


def _edit_form(shown: desk.FichePage, typed: desk.FicheForm | None = None, errors: Any = None) -> dict[str, Any]:
    """What "Modifier la fiche" shows: the fiche's values (or what was typed, after a refusal), the
    "already registered" box as the fiche stands (``artisan_shown``) and as ticked now, the errors."""
    stored = desk.FicheForm.of_fiche(shown.fiche)
    ticked = stored.artisan_checked
    if typed is not None and typed.artisan_registered is not None:
        ticked = typed.artisan_registered
    return {
        "edit": typed or stored,
        "artisan_shown": stored.artisan_checked,
        "artisan_ticked": ticked,
        "edit_errors": errors or {},
    }


@route("/fiches/{fiche_id}/action", name="desk.act", kinds=("structure", "coordinator"), methods=("POST",))
def act(page: Page) -> Response:
    """A change from the fiche page (move, note or contact, consent, commune), with the version shown."""
    fiche_id = page.request.path_params["fiche_id"]
    version = _int(page.field("version"), 0) or None
    what = page.field("do")
    ws, who = page.ws, page.who
    try:
        if what == "move":
            installed = page.field("installed_on")
            desk.move(
                ws, who, fiche_id, page.field("trigger"), expected_version=version, comment=page.field("comment"),
                installed_on=dt.date.fromisoformat(installed) if installed else None,
                follow_up_by=page.field("follow_up_by") or None, at=_today(page),
            )  # fmt: skip
        elif what == "note":
            desk.note(
                ws, who, fiche_id, page.field("text"), expected_version=version,
                channel=page.field("channel") or None, at=_today(page),
            )  # fmt: skip
        elif what == "consent":
            desk.consent(ws, who, fiche_id, page.field("consent") == "yes", expected_version=version, at=_today(page))
        elif what == "edit":
            typed = _form(page)
            try:
                desk.edit(ws, who, fiche_id, typed, expected_version=version, comment=page.field("comment"),
                          at=_today(page))  # fmt: skip
            except desk.FormErrors as exc:
                return _edit_refused(page, fiche_id, typed, exc)
        elif what == "commune":
            desk.edit_commune(
                ws, who, fiche_id, page.field("commune"), expected_version=version,
                comment=page.field("comment"), at=_today(page),
            )  # fmt: skip
        else:
            return _error(page, 400, _("unknown action: use the buttons of the fiche page"), back=fiche_id)
    except NotFound as exc:
        return _error(page, 404, str(exc))
    except ValueError:
        return _error(page, 400, _("write the date as YYYY-MM-DD (e.g. 2026-03-02)"), back=fiche_id)
    except desk.ChangedMeanwhile as exc:
        return _error(page, 409, str(exc), back=fiche_id)
    except desk.FormErrors as exc:
        return _error(
            page, 400, "; ".join(f"{field}: {m}" for field, ms in exc.by_field().items() for m in ms), back=fiche_id
        )
    except AccessDenied as exc:
        return _error(page, 403, str(exc), back=fiche_id)
    except (EngineError, TransitionNotAllowed) as exc:
        return _error(page, 400, str(exc), back=fiche_id)
    return page.redirect(page.url_for("desk.fiche", fiche_id=fiche_id))


def _edit_refused(page: Page, fiche_id: str, typed: desk.FicheForm, refused: desk.FormErrors) -> Response:
    """The fiche page again (400), its edit form open with what was typed and each problem under its
    field; nothing was written."""
    try:
        shown = desk.fiche_page(page.ws, page.who, fiche_id, today=_today(page))
    except (NotFound, InputError) as exc:
        return _error(page, 404, str(exc))
    context = _edit_form(shown, typed, refused.by_field())
    return page.render("desk/fiche.html", status=400, shown=shown, message=None, **context, **_vocabulary(page))


def _error(page: Page, status: int, message: str, *, back: str | None = None) -> Response:
    """The error page: what is wrong, and the way back to the fiche (nothing was written)."""
    link = page.url_for("desk.fiche", fiche_id=back) if back else None
    return page.render("desk/error.html", status=status, message=message, back=link)
