"""Hostile values in every form of the web application (issue 14: input limits wherever a form is read).

Each form gets a 200,000-character text, a NUL character, terminal escapes, markup, an alias bomb's text
and impossible dates or numbers: the answer is a page saying what is wrong (4xx) or the change done
(3xx), never an internal error (500), and no hostile markup comes back unescaped.
"""

from __future__ import annotations

import pytest

from engine.app import desk
from engine.identity import Identity
from tests.web_app import web  # noqa: F401 (fixture)

HUGE = "x" * 200_000
HOSTILE = [HUGE, "a\x00b", "\x1b]0;pwned\x07\x1b[2J", "<script>alert(1)</script>", "l0: &l0 [a, *l0]",
           "9999-99-99", "-1", "1e999", ""]  # fmt: skip
OFFER = "O-2026-0001"


def answered(response) -> None:
    assert response.status_code < 500, response.text[:500]
    assert "<script>alert(1)</script>" not in response.text


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_no_form_answers_an_internal_error(web, value):  # noqa: F811
    on = web.client("on", fresh=True)
    coordinator = web.client("coordinator", fresh=True)
    version = str(desk.fiche_page(web.ws, Identity.coordinator(), web.fiche).version)
    act = f"/fiches/{web.fiche}/action"
    new = {"commune": value, "activity": value, "kind": value, "needs": [value], "employees": value,
           "summary": value, "name": value, "email": value, "phone": value, "action": "save"}  # fmt: skip
    answered(on.submit("/fiches/nouvelle", new))
    answered(on.submit("/fiches/nouvelle", {**new, "commune": "63003", "kind": "creation"}))
    answered(on.submit(act, {"do": "note", "text": value, "channel": value, "version": version}))
    answered(on.submit(act, {"do": "move", "trigger": value, "installed_on": value, "comment": value,
                             "version": version}))  # fmt: skip
    answered(on.submit(act, {"do": "commune", "commune": value, "comment": value, "version": version}))
    answered(on.submit(act, {"do": value, "version": value}))
    answered(on.submit(f"/fiches/{web.fiche}/reponse", {"answer": value, "version": value}))
    answered(web.client("anonymous", fresh=True).submit(
        f"/offres/{OFFER}/contact", {"name": value, "email": value, "phone": value, "message": value, "consent": "oui"}
    ))  # fmt: skip
    answered(on.submit("/mes-offres", {"kind": value, "title": value, "commune": value, "published_on": value,
                                       "published_in": value, "description": value}))  # fmt: skip
    answered(coordinator.submit("/decisions", {"kind": value, "title": value, "description": value, "put_on": value}))
    answered(coordinator.submit("/coordination/comptes", {"email": value, "name": value, "acts_as": value}))
    answered(web.client("anonymous", fresh=True).submit("/connexion", {"email": value, "password": value}))
    answered(on.get("/fiches", params={"q": value[:2000]}))
    answered(coordinator.get("/fiches", params={"etape": value[:2000], "q": value[:2000]}))
