"""The new-fiche form's commune and activity fields ask the one search of capactif as the user types.

The activity field proposes what ``capactif naf search`` finds for everyday words (the same function,
:func:`engine.app.activities.search_activities`), and the commune field what the territory's
:meth:`~engine.territory.Territory.suggest` finds by name or postal code; words the form cannot read
as a NAF code are refused with the codes that search finds for them.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from cli import main
from engine.app.activities import search_activities
from tests.browser import needs_chromium
from tests.test_web_desk_browser import sign_in
from tests.web_app import live_server, web  # noqa: F401 (fixture)


def buttons(html: str) -> list[str]:
    """The values of the answer buttons of a search fragment, in order."""
    return [v.replace("&#39;", "'") for v in re.findall(r'<button type="button"[^>]* value="([^"]*)"', html)]


@pytest.mark.parametrize(
    ("words", "code"),
    [("boulangeries", "10.71C"), ("coiffeur", "96.02A"), ("taxi", "49.32Z"), ("plombier", "43.22A")],
)
def test_the_activity_field_proposes_what_naf_search_finds(web, words, code):  # noqa: F811
    """Everyday words give the codes of `capactif naf search`, in its order, best first."""
    client = web.client("on")
    found = client.get(f"/fiches/nouvelle/activites?q={words}")
    assert found.status_code == 200
    values = buttons(found.text)
    assert values and values[0].startswith(f"{code} — ")
    assert [v.split(" — ")[0] for v in values] == [m.code for m in search_activities(words, limit=8).matches]
    cli = CliRunner().invoke(main, ["naf", "search", words, "--format", "json"])
    assert json.loads(cli.output)[0]["code"] == code


def test_the_commune_field_finds_by_postal_code_and_by_name(web):  # noqa: F811
    """63600 gives the communes of that postal code (Ambert first: the most populated); a word of a name
    gives the communes whose name has a word starting with it, accents ignored."""
    client = web.client("on")
    by_code = buttons(client.get("/fiches/nouvelle/communes?q=63600").text)
    assert by_code[0] == "63003 Ambert (63600)"
    assert all("63600" in v for v in by_code)
    by_name = buttons(client.get("/fiches/nouvelle/communes?q=ferreol").text)
    assert any("Saint-Ferréol-des-Côtes" in v for v in by_name), by_name
    assert "Rien trouvé" in client.get("/fiches/nouvelle/communes?q=zzzz").text
    assert client.get("/fiches/nouvelle/communes?q=").text.count("<li") == 0


def test_an_answer_is_accepted_back_by_the_form(web):  # noqa: F811
    """The text a button puts in a field is what the form reads: the preview suggests from it."""
    client = web.client("on")
    commune = buttons(client.get("/fiches/nouvelle/communes?q=63600").text)[0]
    activity = buttons(client.get("/fiches/nouvelle/activites?q=boulangerie").text)[0]
    preview = client.submit(
        "/fiches/nouvelle", {"commune": commune, "activity": activity, "kind": "creation", "action": "preview"}
    )
    assert preview.status_code == 200
    assert "Chambre de Métiers" in preview.text


def test_words_that_are_not_a_code_are_refused_with_what_the_search_finds(web):  # noqa: F811
    """Without the script, 'boulangerie' posted as the activity: refused, naming the codes found for it."""
    client = web.client("on", fresh=True)
    response = client.submit(
        "/fiches/nouvelle", {"commune": "Ambert", "activity": "boulangerie", "kind": "creation", "action": "save"}
    )
    assert response.status_code == 400
    assert "n&#39;est pas un code NAF : choisissez l&#39;activité, par exemple 10.71C — Boulangerie" in response.text


@needs_chromium
def test_typing_in_the_fields_offers_answers_that_fill_them(chromium_browser, live_server):  # noqa: F811
    """In Chromium: 'coiffeur' offers 96.02A, a click fills the field; '63600' offers Ambert."""
    base = live_server.url
    context = chromium_browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, base, "on")
        page.goto(base + "/fiches/nouvelle")
        expect(page.locator("#preview")).to_be_hidden()  # desk.js has run: the fields now search as typed
        page.fill("#activity", "coiffeur")
        first = page.locator("#activity-found button").first
        first.wait_for(timeout=30000)
        assert first.get_attribute("value").startswith("96.02A — ")
        first.click()
        assert page.input_value("#activity").startswith("96.02A — ")
        assert page.locator("#activity-found button").count() == 0
        page.fill("#commune", "63600")
        ambert = page.locator("#commune-found button", has_text="63003 Ambert")
        ambert.wait_for(timeout=30000)
        ambert.click()
        assert page.input_value("#commune") == "63003 Ambert (63600)"
        page.check("input[name=kind][value=creation]")
        page.locator("#suggestion").locator("text=Coiffure").first.wait_for(timeout=30000)
    finally:
        context.close()
