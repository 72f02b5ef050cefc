"""The coordinator's page "qui a lu ou modifié la fiche F-…", over the access log."""

from __future__ import annotations

import html

from engine.app import accounts, audit
from engine.identity import Identity
from tests.web_app import EMAILS, web  # noqa: F401 (fixture)


def test_the_page_names_the_account_that_read_or_changed_the_fiche(web):  # noqa: F811
    marie = next(a for a in accounts.list_users(web.ws, Identity.coordinator()).accounts if a.email == EMAILS["on"])
    audit.record_reads(web.ws, marie.identity(), [web.fiche], "fiche show", now=web.clock())
    web.clock.advance(minutes=3)
    audit.record_change(web.ws, Identity.of_structure("cma-63"), [web.fiche], "move start_study", now=web.clock())
    audit.record_reads(web.ws, marie.identity(), [web.other_fiche], "fiche show", now=web.clock())
    page = web.client("coordinator").get(f"/coordination/journal?fiche={web.fiche.lower()}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert f"Fiche {web.fiche}" in text
    assert "Marie Dupont <cma63@test.example>" in text
    assert "a lu les données personnelles" in text
    assert "move start_study" in text
    assert "ligne de commande" in text  # the change made with --as on the command line
    assert text.count("<tr>") == 1 + 2  # header + this fiche's two lines, not the other fiche's


def test_a_fiche_nobody_touched_and_a_bad_id(web):  # noqa: F811
    client = web.client("coordinator")
    empty = client.get("/coordination/journal?fiche=F-2026-0999")
    assert empty.status_code == 200
    assert "Personne n" in html.unescape(empty.text)
    bad = client.get("/coordination/journal?fiche=<script>")
    assert bad.status_code == 400
    assert "<script>" not in bad.text  # escaped
    assert "F-2026-0012" in bad.text


def test_without_a_fiche_the_latest_lines_of_every_fiche_and_of_one_account(web):  # noqa: F811
    """The coordinator reviews the log as a whole: the latest reads and changes first, each fiche and
    account linked; ``?compte=`` keeps one account's lines; an unknown account is not found."""
    coordinator = web.client("coordinator")
    marie = next(a for a in accounts.list_users(web.ws, Identity.coordinator()).accounts if a.email == EMAILS["on"])
    paul = next(a for a in accounts.list_users(web.ws, Identity.coordinator()).accounts if a.email == EMAILS["off"])
    audit.record_reads(web.ws, marie.identity(), [web.fiche], "fiche show", now=web.clock())
    web.clock.advance(minutes=3)
    audit.record_reads(web.ws, paul.identity(), [web.other_fiche], "fiche list", now=web.clock())
    text = html.unescape(coordinator.get("/coordination/journal").text)
    assert "Les dernières lectures et modifications, toutes fiches" in text
    rows = text.split('<table class="latest">')[1].split("</table>")[0].split("<tr>")[2:]
    mine = [r for r in rows if "fiche show" in r or "fiche list" in r]
    assert [("fiche list" in r, "fiche show" in r) for r in mine[:2]] == [(True, False), (False, True)]  # latest first
    assert f'href="/coordination/journal?fiche={web.other_fiche}"' in mine[0]
    assert "Paul Commerce <ccithiers@test.example>" in mine[0]
    one = html.unescape(coordinator.get("/coordination/journal?compte=CMA63@test.example").text)
    assert "Les dernières lectures et modifications de cma63@test.example" in one
    assert "fiche show" in one and "fiche list" not in one and "Paul Commerce" not in one
    assert coordinator.get("/coordination/journal?compte=personne@test.example").status_code == 404
