"""The committee's, the coordinator's and the public pages in headless Chromium, as people use them.

Playwright drives Debian's ``chromium`` (``executable_path``, never ``playwright install``) against
``capactif serve`` in its own process (tests/web_app.py's ``live_server``):

* the committee reads its dashboard, report, charter and decisions, and no porteur's data appears;
* the coordinator uploads a changed rules set, sees it replayed over the stored fiches, publishes it,
  and the next suggestion for a stored fiche uses it (its version shown);
* a visitor sends a message through a public offer; the offer's structure sees it on "Mes offres";
  the report's contact count grows;
* pages do not scroll sideways on a 390 px phone.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from engine import paths
from engine.alerts import CHECKS
from engine.app import Workspace, exchange
from engine.identity import Identity
from engine.offers import repository as offers_repo
from tests.browser import needs_chromium, no_sideways_scroll
from tests.web_app import EMAILS, PASSWORD, PERSONAL, live_server  # noqa: F401 (fixture)


def signed_in(browser, server, role: str, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/connexion")
    page.fill("input[name=email]", EMAILS[role])
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(server.url + "/")
    return context, page


def add_online_offer(store_url: str) -> str:
    """An open offer of cma-63 (the seeded technician's structure), put online."""
    with Workspace.open(db=store_url) as ws:
        with ws.store.transaction() as conn:
            offer = offers_repo.add_offer(
                conn, ws.network, Identity.of_structure("cma-63"), kind="takeover", title="Boulangerie à reprendre",
                commune="Ambert", naf="10.71C", published_on=dt.date.today() - dt.timedelta(days=3),
                published_in="Villages Magazine", description="Four à bois, clientèle fidèle",
            )  # fmt: skip
        exchange.set_online(ws, Identity.of_structure("cma-63"), offer.id, True)
        return offer.id


@needs_chromium
@pytest.mark.parametrize("width", (1280, 390))
def test_the_committee_reads_its_pages_and_no_name_appears(chromium_browser, live_server, width):  # noqa: F811
    context, page = signed_in(chromium_browser, live_server, "committee", width)
    try:
        for path, heading in (("/comite", "Tableau de bord du comité"), ("/comite/bilan", "Bilan annuel"),
                              ("/comite/charte", "Les engagements de la charte"),
                              ("/decisions", "Les décisions du comité")):  # fmt: skip
            page.goto(live_server.url + path)
            assert heading in page.locator("h1").inner_text()
            text = page.content()
            assert [p for p in PERSONAL if p in text] == []
            assert no_sideways_scroll(page), path
        page.goto(live_server.url + "/comite")
        assert page.locator("table.counts tbody tr").count() == len(CHECKS)  # one row per check
        assert live_server.other_fiche in page.content()  # no référent since March: an alert, by its id only
    finally:
        context.close()


def archive_of(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, "rules/" + path.relative_to(directory).as_posix())
    return buffer.getvalue()


@needs_chromium
def test_the_coordinator_publishes_a_changed_rules_set_and_the_next_suggestion_uses_it(
    chromium_browser,
    live_server,  # noqa: F811
    tmp_path,
):
    """The bundled rules changed so that a liberal profession in Ambert goes to the CCI of Ambert: uploaded,
    replayed, published; then a technician's next suggestion (the new fiche form) names cci-ambert and
    shows the new version."""
    from engine.rules.loader import content_hash

    changed = tmp_path / "changed"
    shutil.copytree(paths.bundled("rules"), changed)
    cci = changed / "structures" / "cci-ambert.yaml"
    cci.write_text(cci.read_text().replace("natures: [commercial]", "natures: [commercial, liberal]"))
    version = content_hash(changed)
    upload = tmp_path / "regles.zip"
    upload.write_bytes(archive_of(changed))

    context, page = signed_in(chromium_browser, live_server, "coordinator")
    try:
        page.goto(live_server.url + "/coordination/regles")
        page.set_input_files("input[name=archive]", str(upload))
        page.click("form[enctype] button[type=submit]")
        page.wait_for_url(f"**/coordination/regles/candidat/{version}")
        assert version in page.locator("h1").inner_text()
        page.fill("input[name=message]", "La CCI d'Ambert accompagne les professions libérales")
        page.click("form[action$='/publier'] button[type=submit]")
        page.wait_for_url("**/coordination/regles?publie=*")
        assert version in page.locator("p.notice").inner_text()
        assert no_sideways_scroll(page)
    finally:
        context.close()

    # the next suggestion at a desk: a liberal project in Ambert now goes to the CCI, with the new version
    context, page = signed_in(chromium_browser, live_server, "on", 390)
    try:
        page.goto(live_server.url + "/fiches/nouvelle")
        page.fill("input[name=commune]", "Ambert")
        page.fill("input[name=activity]", "69.20Z")
        page.check("input[name=kind][value=creation]")
        suggestion = page.locator("#suggestion-body")  # updated by the page's script as the form is filled
        suggestion.locator("p.proposal", has_text="cci-ambert").wait_for()
        assert "cci-ambert" in suggestion.locator("p.proposal").inner_text()
        assert version in suggestion.locator("p.rules-version").inner_text()
        assert no_sideways_scroll(page)
    finally:
        context.close()


@needs_chromium
def test_a_visitor_writes_through_an_offer_and_its_structure_sees_it(chromium_browser, live_server):  # noqa: F811
    offer_id = add_online_offer(live_server.store_url)
    year = dt.date.today().year

    def contacts_in_report() -> int:
        context, page = signed_in(chromium_browser, live_server, "committee")
        try:
            page.goto(f"{live_server.url}/comite/bilan?annee={year}")
            row = page.locator("tr", has_text="Contacts obtenus pour ces offres").first
            return int(row.locator("td").first.inner_text())
        finally:
            context.close()

    before = contacts_in_report()
    visitor = chromium_browser.new_context(viewport={"width": 390, "height": 844})
    page = visitor.new_page()
    try:
        page.goto(live_server.url + "/offres")
        assert no_sideways_scroll(page)
        page.click(f"a[href='/offres/{offer_id}']")
        assert "Boulangerie à reprendre" in page.locator("h1").inner_text()
        assert no_sideways_scroll(page)
        page.fill("input[name=name]", "Gaston <Lagaffe>")
        page.fill("input[name=email]", "gaston@example.org")
        page.fill("textarea[name=message]", "Boulanger depuis 10 ans, je cherche un fournil. <script>x()</script>")
        page.check("input[name=consent]")
        page.click("form.form button[type=submit]")
        page.wait_for_url("**/offres/*envoye=1")
        expect(page.locator("p.notice")).to_be_visible()  # waits for the page after the redirect
    finally:
        visitor.close()

    context, page = signed_in(chromium_browser, live_server, "on", 390)
    try:
        page.goto(live_server.url + "/mes-offres")
        messages = page.locator("ul.messages li")
        assert messages.count() == 1
        assert "Gaston <Lagaffe>" in messages.first.inner_text()  # shown as typed, escaped
        assert "<script>x()</script>" in messages.first.inner_text()
        assert no_sideways_scroll(page)
    finally:
        context.close()
    assert contacts_in_report() == before + 1


@needs_chromium
def test_the_coordinator_pages_fit_a_phone(chromium_browser, live_server):  # noqa: F811
    """At 390 px, every page of the coordinator (the rules, the accounts with a new one-time link shown,
    the access log, every fiche, the committee's pages, the offers) fits the width: wide tables scroll
    inside their box, a long link wraps."""
    context, page = signed_in(chromium_browser, live_server, "coordinator", 390)
    try:
        page.goto(live_server.url + "/coordination/comptes")
        page.fill("#email", "lucie.martin@adie.test")
        page.fill("#name", "Lucie Martin")
        page.select_option("#acts_as", "adie")
        page.click("form[action$='/coordination/comptes'] button[type=submit]")
        expect(page.locator("p.one-time-link code")).to_contain_text("/mot-de-passe/")
        assert no_sideways_scroll(page), "/coordination/comptes with a new link"
        for path, heading in (("/coordination/regles", "Les règles du réseau"),
                              ("/coordination/comptes", "Les comptes"),
                              ("/coordination/journal", "Qui a lu ou modifié une fiche"),
                              ("/fiches", "Toutes les fiches du réseau"), ("/comite", "Tableau de bord du comité"),
                              ("/comite/bilan", "Bilan annuel"), ("/decisions", "Les décisions du comité"),
                              ("/mes-offres", "Mes offres")):  # fmt: skip
            page.goto(live_server.url + path)
            assert heading in page.locator("h1").inner_text(), path
            assert no_sideways_scroll(page), path
    finally:
        context.close()
