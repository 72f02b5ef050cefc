"""The coordinator's rules pages: the rules in force and their history, the routing tests' result,
the coverage gaps, a candidate set (an uploaded archive or a stored draft) replayed over the stored
fiches as a diff page, and publishing it.  (Accounts and the access log are the web skeleton's.)
"""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.responses import Response

from engine.app import coordination, decisions, published
from engine.errors import EngineError
from engine.i18n import N_, _
from web.pages import Page, nav_item, route

COORDINATOR = ("coordinator",)

nav_item(N_("Rules in force"), "coordination.rules", kinds=COORDINATOR, order=80)


@route("/coordination/regles", name="coordination.rules", kinds=COORDINATOR)
def rules_page(page: Page) -> Response:
    """The rules in force, their history and drafts, their routing tests, their coverage gaps, and the
    form to upload a candidate set."""
    overview = coordination.rules_overview(page.ws, page.who)
    notice = page.request.query_params.get("publie")
    return page.render("network/rules.html", o=overview, notice=notice, problems=[])


@route("/coordination/regles/candidat", name="coordination.upload", kinds=COORDINATOR, methods=("POST",))
def upload(page: Page) -> Response:
    """An uploaded archive (.zip or .tar.gz of a rules directory) becomes a stored draft, then its diff page."""
    sent = page.form.get("archive") if page.form is not None else None
    if not isinstance(sent, UploadFile) or not sent.filename:
        return _rules_with_problems(page, [_("archive: choose the archive of a rules directory (.zip or .tar.gz)")])
    try:
        data = sent.file.read(coordination.ARCHIVE_MAX + 1)
    finally:
        sent.file.close()  # its spooled temporary file, closed now rather than by the garbage collector
    try:
        version = coordination.upload_candidate(page.ws, page.who, sent.filename, data)
    except EngineError as exc:
        return _rules_with_problems(page, exc.lines())
    return page.redirect(page.url_for("coordination.candidate", version=version))


def _rules_with_problems(page: Page, problems: list[str]) -> Response:
    overview = coordination.rules_overview(page.ws, page.who)
    return page.render("network/rules.html", status=400, o=overview, notice=None, problems=problems)


@route("/coordination/regles/candidat/{version}", name="coordination.candidate", kinds=COORDINATOR)
def candidate(page: Page) -> Response:
    """A stored set replayed over every stored fiche against the rules in force: per fiche, per
    structure, per local network; and the form to publish it."""
    diff = coordination.candidate_diff(page.ws, page.who, page.request.path_params["version"])
    adopted = [d.decision for d in decisions.list_decisions(page.ws, page.who, outcome="adopted").decisions]
    return page.render("network/candidate.html", c=diff, r=diff.report.to_dict(), adopted=adopted, problems=[])


@route("/coordination/regles/publier", name="coordination.publish", kinds=COORDINATOR, methods=("POST",))
def publish(page: Page) -> Response:
    """Put a stored set in force (its routing tests must pass, unless forced with a reason)."""
    version = page.field("version").strip()
    force = page.field("force") == "oui"
    try:
        result = published.publish_rules(
            page.ws, page.who, version, message=page.field("message"), force=force,
            reason=page.field("reason") or None, decision=page.field("decision").strip() or None,
        )  # fmt: skip
    except EngineError as exc:
        diff = coordination.candidate_diff(page.ws, page.who, version)
        adopted = [d.decision for d in decisions.list_decisions(page.ws, page.who, outcome="adopted").decisions]
        return page.render("network/candidate.html", status=400, c=diff, r=diff.report.to_dict(), adopted=adopted,
                           problems=exc.lines())  # fmt: skip
    page.ws.refresh_rules()
    return page.redirect(page.url_for("coordination.rules", query={"publie": result.version}))
