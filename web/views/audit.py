"""The coordinator's access log: its latest lines over every fiche (of one account when asked), and
"qui a lu ou modifié la fiche F-…" (the access log of one fiche)."""

from __future__ import annotations

from starlette.responses import Response

from engine.app import audit
from engine.errors import InputError
from engine.i18n import N_
from web.pages import Page, nav_item, route

nav_item(N_("Access log"), "audit", kinds=("coordinator",), order=90)


@route("/coordination/journal", name="audit", kinds=("coordinator",))
def audit_page(page: Page) -> Response:
    """The latest reads and changes (``?compte=`` one account's), or, with ``?fiche=``, who read that
    fiche's porteur's data or changed it, and when."""
    asked = page.request.query_params.get("fiche", "").strip()
    if not asked:
        account = page.request.query_params.get("compte", "").strip() or None
        latest = audit.latest_audit(page.ws, page.who, account_email=account)
        return page.render("audit.html", asked="", result=None, error=None, latest=latest)
    try:
        result = audit.fiche_audit(page.ws, page.who, asked)
    except InputError as exc:
        return page.render("audit.html", status=400, asked=asked, result=None, error=str(exc), latest=None)
    return page.render("audit.html", asked=result.fiche_id, result=result, error=None, latest=None)
