"""The technician's desk in headless Chromium, as a technician uses it on a desktop and on a phone.

Playwright for Python drives Debian's ``chromium`` (``executable_path``; never ``playwright
install``) against ``capactif serve`` in its own process (tests/web_app.py's ``live_server``): a
technician signs in, records a fiche through the form (the suggestion appears as the form is
filled), takes it in charge, moves it to the next stage, adds a note; another structure's
technician and the committee see no name; no page scrolls sideways at 1280 px nor at 390 px.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import needs_chromium, no_sideways_scroll
from tests.web_app import EMAILS, PASSWORD, live_server  # noqa: F401 (fixture)

WIDTHS = (1280, 390)
NAME = "Ninon Pétrin-Confidentiel"


def sign_in(page, base: str, role: str) -> None:
    page.goto(base + "/connexion")
    page.fill("input[name=email]", EMAILS[role])
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(base + "/")


@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_a_technicians_first_welcome(chromium_browser, live_server, width):  # noqa: F811
    """Record → suggestion with reasons → take in charge → next stage → note; others see no name."""
    base = live_server.url
    context = chromium_browser.new_context(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        sign_in(page, base, "on")
        page.goto(base + "/fiches/nouvelle")
        assert no_sideways_scroll(page)
        # the script hides the no-JavaScript preview button and follows the form instead
        assert not page.locator("#preview").is_visible()
        page.fill("#commune", "63003 Ambert (63600)")
        page.check("input[name=kind][value=creation]")
        page.fill("#activity", "10.71C — Boulangerie et boulangerie-pâtisserie")
        page.check("input[name=needs][value=honour_loan]")
        panel = page.locator("#suggestion")
        panel.locator("text=Chambre de Métiers").first.wait_for(timeout=10000)
        assert "artisanale" in panel.inner_text()  # the activity's legal nature
        assert "Pays d'Ambert Initiative" in panel.inner_text()  # the support for the honour loan, with reasons
        page.fill("#name", NAME)
        page.fill("#summary", f"Boulangerie de {NAME}")
        assert no_sideways_scroll(page)
        page.click("button[name=action][value=save]")
        page.wait_for_url("**/fiches/F-*")
        fiche_url = page.url
        fiche_id = fiche_url.rsplit("/", 1)[1]
        assert NAME in page.content()
        assert "Chambre de Métiers" in page.locator(".suggestion-of-fiche").inner_text()
        assert no_sideways_scroll(page)
        # À traiter: the request, answered "Prendre en charge"
        page.goto(base + "/a-traiter")
        card = page.locator(f"li#{fiche_id}")
        assert card.is_visible()
        assert no_sideways_scroll(page)
        card.locator("form.inline button[type=submit]").click()
        page.wait_for_url(fiche_url)
        assert "cma-63" in page.locator(".facts").inner_text()
        page.click("button[data-trigger=start_study]")
        page.wait_for_url(fiche_url)
        assert "montage" in page.locator("h1 .badge").inner_text()
        page.fill("#note-text", "Premier rendez-vous fait")
        page.click("form:has(#note-text) button[type=submit]")
        page.wait_for_url(fiche_url)
        assert "Premier rendez-vous fait" in page.locator(".timeline").inner_text()
        assert no_sideways_scroll(page)
        page.goto(base + "/mes-fiches")
        assert fiche_id in page.content() and no_sideways_scroll(page)
        assert errors == []
        # another structure's technician and the committee: the fiche without the porteur's name
        for role in ("off", "committee"):
            other = context.browser.new_context(viewport={"width": width, "height": 900})
            try:
                view = other.new_page()
                sign_in(view, base, role)
                view.goto(fiche_url)
                text = view.content()
                assert fiche_id in text and NAME not in text and "Premier rendez-vous" not in text
                assert no_sideways_scroll(view)
            finally:
                other.close()
    finally:
        context.close()


@needs_chromium
def test_the_form_works_without_javascript(chromium_browser, live_server):  # noqa: F811
    """Scripts off: "Voir la suggestion" sends the form and the page comes back with the suggestion."""
    base = live_server.url
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, base, "off")
        page.goto(base + "/fiches/nouvelle")
        page.fill("#commune", "Thiers")
        page.check("input[name=kind][value=creation]")
        page.fill("#activity", "47.11B")
        page.click("#preview")
        page.wait_for_load_state()
        assert "cci-thiers" in page.locator("#suggestion").inner_text()
        page.fill("#commune", "Ambrt")
        page.click("button[name=action][value=save]")
        page.wait_for_load_state()
        expect(page.locator("#commune-error")).to_be_visible()  # waits for the answer to the form
        assert no_sideways_scroll(page)
    finally:
        context.close()


@needs_chromium
def test_the_form_asks_the_nature_and_the_farm_and_registration_facts(chromium_browser, live_server):  # noqa: F811
    """Scripts on: an uncertain activity brings the "Confirmer la nature juridique" question into the form,
    the answer re-routes the suggestion; a farm link makes it agricultural; the "already registered" box
    follows the kind's presumption; the fiche is recorded with the nature chosen."""
    base = live_server.url
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        sign_in(page, base, "on")
        page.goto(base + "/fiches/nouvelle")
        question = page.locator("#nature-question fieldset")
        expect(question).to_have_count(0)
        page.fill("#commune", "63003 Ambert (63600)")
        page.check("input[name=kind][value=creation]")
        page.fill("#activity", "56.10C — Restauration de type rapide")
        expect(question).to_be_visible(timeout=10000)
        expect(question).to_contain_text("Confirmer la nature juridique")
        panel = page.locator("#suggestion")
        expect(panel).to_contain_text("(cma-63)")
        page.check("#nature-question input[name=nature][value=commercial]")
        expect(panel).to_contain_text("(cci-ambert)", timeout=10000)  # pure resale: the CCI leads
        expect(page.locator("#nature-question input[value=commercial]")).to_be_checked()
        # the registration box follows the kind's presumption until it is touched
        box = page.locator("#artisan_registered")
        expect(box).not_to_be_checked()
        page.check("input[name=kind][value=development]")
        expect(box).to_be_checked()
        page.check("input[name=kind][value=creation]")
        expect(box).not_to_be_checked()
        # an equestrian centre is agricultural by law: no nature to confirm, the chamber of agriculture leads
        page.check("#nature-question input[name=nature][value='']")
        page.check("input[name=farm_link][value=equestrian]")
        expect(panel).to_contain_text("(agri-63)", timeout=10000)
        expect(page.locator("#nature-question fieldset")).to_have_count(0)
        page.check("input[name=farm_link][value='']")
        expect(question).to_be_visible(timeout=10000)
        page.check("#nature-question input[name=nature][value=commercial]")
        expect(panel).to_contain_text("(cci-ambert)", timeout=10000)
        assert no_sideways_scroll(page)
        page.fill("#name", NAME)
        page.click("button[name=action][value=save]")
        expect(page.locator(".facts")).to_be_visible()
        assert "commerciale" in page.locator(".facts").inner_text()
        assert errors == []
    finally:
        context.close()
