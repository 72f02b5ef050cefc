"""The home page: a welcome for visitors, the signed-in person's entries otherwise."""

from __future__ import annotations

from starlette.responses import Response

from web.pages import PUBLIC, Page, route


@route("/", name="home", kinds=PUBLIC)
def home(page: Page) -> Response:
    """Anyone may open it; it shows nobody's data, only where the signed-in person can go."""
    return page.render("home.html")
