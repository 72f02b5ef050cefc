"""The coordinator's accounts page over HTTP (both backends): add an account and hand over its link,
disable it (its session ends at once), enable it, give a new link; bad input refused all at once."""

from __future__ import annotations

import html
import re

from tests.test_notify import body, smtp  # noqa: F401 (fixture)
from tests.web_app import PASSWORD, web  # noqa: F401 (fixture)

NEW = {"email": "lucie.martin@adie.test", "name": "Lucie Martin", "acts_as": "adie"}


def link_in(page: str) -> str:
    """The one-time link's path shown on the page."""
    found = re.search(r"<code>http://testserver(/mot-de-passe/[^<]+)</code>", page)
    assert found, page[:3000]
    return html.unescape(found.group(1))


def test_the_coordinator_adds_an_account_whose_person_chooses_a_password_and_signs_in(web):  # noqa: F811
    coordinator = web.client("coordinator", fresh=True)
    added = coordinator.submit("/coordination/comptes", NEW)
    assert added.status_code == 200
    assert "Compte créé : lucie.martin@adie.test" in html.unescape(added.text)
    link = link_in(added.text)
    listed = coordinator.get("/coordination/comptes").text
    assert "Lucie Martin" in listed and "en attente de son mot de passe" in listed
    assert link not in listed  # the link is shown once, on the answer to the form

    person = web.client("anonymous", fresh=True)
    assert person.get(link).status_code == 200
    chosen = person.submit(link, {"password": PASSWORD, "confirm": PASSWORD})
    assert chosen.status_code == 200
    assert person.sign_in(NEW["email"]).status_code == 303
    assert person.get("/a-traiter", follow_redirects=False).status_code == 200  # a technician of adie
    row = next(r for r in coordinator.get("/coordination/comptes").text.split("<tr>") if NEW["email"] in r)
    assert "<td>actif</td>" in row


def test_disabling_ends_the_session_at_once_then_enabling_and_a_new_link(web):  # noqa: F811
    coordinator = web.client("coordinator", fresh=True)
    link = link_in(coordinator.submit("/coordination/comptes", NEW).text)
    person = web.client("anonymous", fresh=True)
    person.submit(link, {"password": PASSWORD, "confirm": PASSWORD})
    assert person.sign_in(NEW["email"]).status_code == 303

    switched = coordinator.submit("/coordination/comptes/etat", {"email": NEW["email"], "disabled": "oui"})
    assert switched.status_code == 303
    notice = html.unescape(coordinator.get(switched.headers["location"]).text)
    assert "lucie.martin@adie.test est désactivé" in notice
    assert person.get("/a-traiter", follow_redirects=False).status_code == 303  # sent to the sign-in page
    assert person.sign_in(NEW["email"]).status_code == 401
    refused = coordinator.submit("/coordination/comptes/lien", {"email": NEW["email"]})
    assert refused.status_code == 400 and "réactivez-le d'abord (le bouton « Réactiver »" in html.unescape(refused.text)

    enabled = coordinator.submit("/coordination/comptes/etat", {"email": NEW["email"], "disabled": "non"})
    assert enabled.status_code == 303
    assert person.sign_in(NEW["email"]).status_code == 303
    renewed = coordinator.submit("/coordination/comptes/lien", {"email": NEW["email"]})
    assert renewed.status_code == 200 and "Nouveau lien pour lucie.martin@adie.test" in html.unescape(renewed.text)
    assert link_in(renewed.text) != link
    assert person.get(link).status_code == 410  # the first link was used (and a new one voids it anyway)
    assert person.get("/a-traiter", follow_redirects=False).status_code == 303  # a reset ends the sessions


def test_bad_input_is_refused_all_at_once_and_nothing_is_written(web):  # noqa: F811
    coordinator = web.client("coordinator", fresh=True)
    before = coordinator.get("/coordination/comptes").text.count("<tr>")
    refused = coordinator.submit("/coordination/comptes", {"email": "lucie@adie.test", "name": "", "acts_as": ""})
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert "le nom de la personne manque" in text and "soit un rôle" in text
    assert 'value="lucie@adie.test"' in text  # what was typed is kept
    taken = coordinator.submit("/coordination/comptes", {**NEW, "email": "comite@test.example"})
    assert taken.status_code == 400 and "un compte utilise déjà comite@test.example" in html.unescape(taken.text)
    assert coordinator.get("/coordination/comptes").text.count("<tr>") == before


def test_the_coordinator_cannot_disable_their_own_account_from_the_page(web):  # noqa: F811
    page = web.client("coordinator").get("/coordination/comptes").text
    row = next(r for r in page.split("<tr>") if "coordination@test.example" in r)
    assert "Désactiver" not in row and "Désactiver" in page


def test_with_an_smtp_server_the_link_is_e_mailed_to_the_person_too(web, smtp, monkeypatch):  # noqa: F811
    """As ``capactif user add`` does: the person gets the link by e-mail, the page still shows it; a
    recipient the server refuses is said, and the link is there to hand over."""
    inbox, port = smtp
    for name, value in {"CAPACTIF_SMTP_HOST": "127.0.0.1", "CAPACTIF_SMTP_PORT": str(port),
                        "CAPACTIF_SMTP_SECURITY": "none", "CAPACTIF_SMTP_FROM": "Cap Actif <capactif@example.org>",
                        "CAPACTIF_SMTP_CONFIG": ""}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    coordinator = web.client("coordinator", fresh=True)
    added = coordinator.submit("/coordination/comptes", NEW)
    link = link_in(added.text)
    assert "Il a aussi été envoyé par courriel à lucie.martin@adie.test." in html.unescape(added.text)
    (message,) = inbox.to(NEW["email"])
    assert link in body(message)
    inbox.refuse.add("refuse@adie.test")
    refused = coordinator.submit("/coordination/comptes", {**NEW, "email": "refuse@adie.test"})
    assert refused.status_code == 200
    text = html.unescape(refused.text)
    assert "n'a pas pu être envoyé par courriel à refuse@adie.test" in text and "/mot-de-passe/" in text
