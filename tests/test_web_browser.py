"""The web application in headless Chromium, as a person uses it: sign in, home page, sign out.

Playwright for Python drives Debian's ``chromium`` (``executable_path``; never ``playwright
install``) against ``capactif serve`` running in its own process (tests/web_app.py's
``live_server``).  Pages must not scroll sideways at 1280 px nor on a 390 px phone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import needs_chromium, no_sideways_scroll
from tests.web_app import EMAILS, PASSWORD, live_server  # noqa: F401 (fixture)

WIDTHS = (1280, 390)


@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_sign_in_see_home_sign_out(chromium_browser, live_server, width):  # noqa: F811
    """A technician signs in, lands on the home page with their name, signs out; nothing scrolls sideways."""
    context = chromium_browser.new_context(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(live_server.url + "/")
        assert no_sideways_scroll(page)
        page.click("a.button")  # the home page's sign-in button
        assert page.url.endswith("/connexion")
        assert no_sideways_scroll(page)
        page.fill("input[name=email]", EMAILS["on"])
        page.fill("input[name=password]", PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        assert "Marie Dupont" in page.locator("h1").inner_text()
        assert page.locator("header .who-name").inner_text() == "Marie Dupont"
        assert no_sideways_scroll(page)
        page.click("header button[type=submit]")  # sign out
        page.wait_for_url("**/connexion?sortie=1")
        expect(page.locator("p.notice")).to_be_visible()
        assert no_sideways_scroll(page)
        page.goto(live_server.url + "/coordination/journal")
        assert "/connexion" in page.url  # the session is over
        assert errors == []  # no console error: e.g. a style or script refused by the CSP
    finally:
        context.close()


@needs_chromium
def test_wrong_password_then_coordinator_page_on_a_phone(chromium_browser, live_server):  # noqa: F811
    """The error is shown in the form; the coordinator's access-log table stays within a phone's width."""
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/connexion")
        page.fill("input[name=email]", EMAILS["coordinator"])
        page.fill("input[name=password]", "pas le bon")
        page.click("form.form button[type=submit]")
        expect(page.locator("p.error")).to_be_visible()  # waits for the answer to the form
        page.fill("input[name=password]", PASSWORD)
        page.click("form.form button[type=submit]")
        page.goto(f"{live_server.url}/coordination/journal?fiche={live_server.fiche}")
        assert page.locator("h2").inner_text().endswith(live_server.fiche)
        assert no_sideways_scroll(page)
    finally:
        context.close()
