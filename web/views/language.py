"""Choosing the language of the pages: French (the default) or English, kept in a cookie."""

from __future__ import annotations

from starlette.responses import Response

from engine import i18n
from web.pages import LANGUAGE_COOKIE, PUBLIC, Page, route
from web.views.auth import local_target

ONE_YEAR = 365 * 24 * 3600


@route("/langue", name="language", kinds=PUBLIC, methods=("POST",))
def choose_language(page: Page) -> Response:
    """Remember the language chosen in the footer, then go back to the page it was chosen on."""
    language = i18n.normalize_language(page.field("langue")) or i18n.DEFAULT_LANGUAGE
    page.set_cookie(LANGUAGE_COOKIE, language, max_age=ONE_YEAR)
    return page.redirect(local_target(page.field("suite")))
