"""The route × role table: every route of the web application, what each role gets from it.

``tests/test_web_roles.py`` runs every :class:`Case` here as each role of
:data:`tests.web_app.ROLES` against the seeded store of :mod:`tests.web_app`, and fails when a route
of the application has no case.  **Adding a page = adding its cases here** (desk, network: append
to :data:`CASES` in your own block)::

    Case("desk.todo", "GET", "/a-traiter", expect=signed_in_only(committee=403, coordinator=403)),
    Case("fiche", "GET", "/fiches/{fiche}", expect=..., sees_personal_data=("on", "coordinator")),

* ``path`` may hold ``{fiche}`` (the seeded fiche: cma-63 on it, cci-thiers not, no consent) and
  ``{other_fiche}`` (received by cci-thiers);
* ``expect`` gives the status code for each role (:func:`signed_in_only` fills the usual ones:
  anonymous and disabled accounts are sent to the sign-in page, 303);
* ``sees_personal_data``: the roles that may see the porteur's name, e-mail, phone, summary or
  note on this page; for every other role none of :data:`tests.web_app.PERSONAL` may appear;
* ``data``: the form of a POST (the CSRF token is added by the test; a POST case is also sent
  without a token and with a wrong one, and must be refused with 403 for every role that may use it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SIGN_IN_REDIRECT = 303
#: The offer :func:`tests.web_app.seed` puts online (cma-63's, the first of its year).
OFFER = "O-2026-0001"


def signed_in_only(**overrides: int) -> dict[str, int]:
    """200 for every signed-in role, 303 (to the sign-in page) for anonymous and disabled; then ``overrides``."""
    expect = {"anonymous": 303, "disabled": 303, "committee": 200, "on": 200, "off": 200, "coordinator": 200}
    expect.update(overrides)
    return expect


def everyone(status: int = 200, **overrides: int) -> dict[str, int]:
    """The same status for every role, then ``overrides``."""
    expect = dict.fromkeys(("anonymous", "disabled", "committee", "on", "off", "coordinator"), status)
    expect.update(overrides)
    return expect


@dataclass(frozen=True)
class Case:
    """One request to one route, and what each role must get."""

    route: str
    method: str
    path: str
    expect: Mapping[str, int]
    data: Mapping[str, str] = field(default_factory=dict)
    sees_personal_data: tuple[str, ...] = ()

    def id(self) -> str:
        return f"{self.method} {self.path}"


CASES: list[Case] = [
    # --- web (skeleton): home, sign-in, sign-out, password links, access log ----------------------
    Case("home", "GET", "/", everyone(200)),
    Case("sign_in", "GET", "/connexion", everyone(200, committee=303, on=303, off=303, coordinator=303)),
    Case("sign_in", "POST", "/connexion", everyone(401), data={"email": "nobody@test.example", "password": "x"}),
    Case("sign_out", "POST", "/deconnexion", signed_in_only(committee=303, on=303, off=303, coordinator=303)),
    Case("set_password", "GET", "/mot-de-passe/not-a-token", everyone(410)),
    Case("set_password", "POST", "/mot-de-passe/not-a-token", everyone(410), data={"password": "x", "confirm": "x"}),
    Case("language", "POST", "/langue", everyone(303), data={"langue": "en", "suite": "/"}),
    Case("audit", "GET", "/coordination/journal", signed_in_only(committee=403, on=403, off=403)),
    Case("audit", "GET", "/coordination/journal?fiche={fiche}", signed_in_only(committee=403, on=403, off=403)),
    Case("audit", "GET", "/coordination/journal?fiche={other_fiche}", signed_in_only(committee=403, on=403, off=403)),
    Case(
        "audit",
        "GET",
        "/coordination/journal?compte=cma63@test.example",
        signed_in_only(committee=403, on=403, off=403),
    ),
    # --- desk (issue 12, part 2): add your cases below ----------------------------------------------
    Case("desk.todo", "GET", "/a-traiter", signed_in_only(committee=403, coordinator=403)),
    Case("desk.todo", "GET", "/a-traiter?page=2", signed_in_only(committee=403, coordinator=403)),
    Case(
        "desk.caseload",
        "GET",
        "/mes-fiches",
        signed_in_only(committee=403, coordinator=403),
        sees_personal_data=("on",),
    ),
    Case(
        "desk.caseload",
        "GET",
        "/mes-fiches?etape=idea&role=lead&q=Ambert",
        signed_in_only(committee=403, coordinator=403),
        sees_personal_data=("on",),
    ),
    Case(
        "desk.caseload",
        "GET",
        "/mes-fiches?etape=nowhere",
        signed_in_only(committee=403, coordinator=403, on=400, off=400),
    ),
    Case(
        "desk.all",
        "GET",
        "/fiches",
        signed_in_only(committee=403, on=403, off=403),
        sees_personal_data=("coordinator",),
    ),
    Case(
        "desk.all",
        "GET",
        "/fiches?etape=idea&q=Ambert&role=lead",
        signed_in_only(committee=403, on=403, off=403),
        sees_personal_data=("coordinator",),
    ),
    Case("desk.all", "GET", "/fiches?etape=nowhere", signed_in_only(committee=403, on=403, off=403, coordinator=400)),
    Case("desk.new", "GET", "/fiches/nouvelle", signed_in_only(committee=403)),
    Case(
        "desk.new",
        "POST",
        "/fiches/nouvelle",
        signed_in_only(committee=403),
        data={"commune": "Ambert", "kind": "creation", "activity": "10.71C", "action": "preview"},
    ),
    Case(
        "desk.live",
        "GET",
        "/fiches/nouvelle/suggestion?commune=Ambert&kind=creation&activity=10.71C",
        signed_in_only(committee=403),
    ),
    Case("desk.communes", "GET", "/fiches/nouvelle/communes?q=63600", signed_in_only(committee=403)),
    Case("desk.activities", "GET", "/fiches/nouvelle/activites?q=boulangerie", signed_in_only(committee=403)),
    Case("desk.fiche", "GET", "/fiches/{fiche}", signed_in_only(), sees_personal_data=("on", "coordinator")),
    Case("desk.fiche", "GET", "/fiches/{other_fiche}", signed_in_only(), sees_personal_data=("off", "coordinator")),
    Case("desk.fiche", "GET", "/fiches/F-2099-0001", signed_in_only(committee=404, on=404, off=404, coordinator=404)),
    Case("desk.fiche", "GET", "/fiches/pas-une-fiche", signed_in_only(committee=404, on=404, off=404, coordinator=404)),
    # writes that the store refuses (a stale version, or not the caller's fiche): nothing is written
    Case(
        "desk.answer",
        "POST",
        "/fiches/{fiche}/reponse",
        signed_in_only(committee=403, coordinator=403, on=409, off=409),
        data={"answer": "take", "version": "999"},
    ),
    Case(
        "desk.act",
        "POST",
        "/fiches/{fiche}/action",
        signed_in_only(committee=403, on=409, off=409, coordinator=409),
        data={"do": "note", "text": "x", "version": "999"},
    ),
    # --- network (issue 13): add your cases below ------------------------------------------------------
    Case("committee.dashboard", "GET", "/comite", signed_in_only(on=403, off=403)),
    Case("committee.report", "GET", "/comite/bilan", signed_in_only(on=403, off=403)),
    Case("committee.report", "GET", "/comite/bilan?annee=2025", signed_in_only(on=403, off=403)),
    Case("committee.charter", "GET", "/comite/charte", signed_in_only(on=403, off=403)),
    Case("decisions", "GET", "/decisions", signed_in_only(on=403, off=403)),
    Case(
        "decisions.add",
        "POST",
        "/decisions",
        signed_in_only(committee=403, on=403, off=403, coordinator=400),
        data={"kind": "training", "title": ""},
    ),
    Case(
        "decisions.record",
        "POST",
        "/decisions/D-2026-999",
        signed_in_only(committee=403, on=403, off=403, coordinator=404),
        data={"outcome": "adopted"},
    ),
    Case("coordination.rules", "GET", "/coordination/regles", signed_in_only(committee=403, on=403, off=403)),
    Case(
        "coordination.upload",
        "POST",
        "/coordination/regles/candidat",
        signed_in_only(committee=403, on=403, off=403, coordinator=400),
    ),
    Case(
        "coordination.candidate",
        "GET",
        "/coordination/regles/candidat/sha256:000000000000",
        signed_in_only(committee=403, on=403, off=403, coordinator=404),
    ),
    Case(
        "coordination.publish",
        "POST",
        "/coordination/regles/publier",
        signed_in_only(committee=403, on=403, off=403, coordinator=404),
        data={"version": "sha256:000000000000", "message": "essai"},
    ),
    Case("accounts", "GET", "/coordination/comptes", signed_in_only(committee=403, on=403, off=403)),
    Case(
        "accounts",
        "GET",
        "/coordination/comptes?compte=comite@test.example",
        signed_in_only(committee=403, on=403, off=403),
    ),
    Case(
        "accounts.add",
        "POST",
        "/coordination/comptes",
        signed_in_only(committee=403, on=403, off=403, coordinator=400),
        data={"email": "pas-une-adresse", "name": "", "acts_as": ""},
    ),
    Case(
        "accounts.switch",
        "POST",
        "/coordination/comptes/etat",
        signed_in_only(committee=403, on=403, off=403, coordinator=404),
        data={"email": "personne@test.example", "disabled": "oui"},
    ),
    Case(
        "accounts.reset",
        "POST",
        "/coordination/comptes/lien",
        signed_in_only(committee=403, on=403, off=403, coordinator=404),
        data={"email": "personne@test.example"},
    ),
    Case("offers.public", "GET", "/offres", everyone(200)),
    Case(
        "offers.public", "GET", "/offres?commune=Ambert&activite=boulangerie&type=takeover&reseau=ambert", everyone(200)
    ),
    Case("offers.feed", "GET", "/offres/flux.json", everyone(200)),
    Case("offers.offer", "GET", f"/offres/{OFFER}", everyone(200)),
    Case("offers.offer", "GET", "/offres/O-2026-9999", everyone(404)),
    Case(
        "offers.contact",
        "POST",
        f"/offres/{OFFER}/contact",
        everyone(400),
        data={"name": "", "email": "pas-une-adresse", "message": ""},
    ),
    Case("offers.mine", "GET", "/mes-offres", signed_in_only(committee=403)),
    Case(
        "offers.add",
        "POST",
        "/mes-offres",
        signed_in_only(committee=403, on=400, off=400, coordinator=400),
        data={"kind": "takeover", "title": "", "commune": "Nulle-Part", "published_in": "Villages Magazine"},
    ),
    Case(
        "offers.online",
        "POST",
        f"/mes-offres/{OFFER}/en-ligne",
        signed_in_only(committee=403, on=303, off=403, coordinator=303),
        data={"online": "oui"},
    ),
    Case(
        "offers.to_fiche",
        "POST",
        "/mes-offres/messages/999/fiche",
        signed_in_only(committee=403, on=404, off=404, coordinator=404),
    ),
]
