"""The technician's desk over HTTP (both backends): the form, the answers, the fiche page's actions.

The route × role table (tests/web_routes.py) checks every page's status and privacy for each role;
these tests follow a technician's day through the pages and check what is recorded.
"""

from __future__ import annotations

from engine.app import desk
from engine.identity import Identity
from tests.web_app import PERSONAL, personal_data_in, web  # noqa: F401 (fixture)

BAKERY = {
    "commune": "63003 Ambert (63600)",
    "activity": "10.71C — Boulangerie et boulangerie-pâtisserie",
    "kind": "creation",
    "needs": ["honour_loan", "premises"],
    "employees": "2",
    "summary": "Projet de Gaspard Fournil-Discret",
    "name": "Gaspard Fournil-Discret",
    "email": "gaspard@example.org",
    "phone": "04 73 11 22 33",
}


def ids_of(web, who):  # noqa: F811
    return [f.fiche for f in desk.caseload(web.ws, who, page=desk.Page(1, 100)).fiches]


def test_record_a_fiche_through_the_form_then_take_it_move_it_and_note(web):  # noqa: F811
    """The whole first welcome: form → fiche page with the suggestion → take in charge → study → note."""
    client = web.client("on", fresh=True)
    form = client.get("/fiches/nouvelle")
    assert form.status_code == 200
    assert 'list="communes"' in form.text and "10.71C — Boulangerie" in form.text  # suggestions without script
    assert "<script>" not in form.text  # the only script is the static file
    preview = client.submit("/fiches/nouvelle", {**BAKERY, "action": "preview"})
    assert preview.status_code == 200
    assert "Chambre de Métiers" in preview.text and "Pays d&#39;Ambert Initiative" in preview.text
    saved = client.submit("/fiches/nouvelle", {**BAKERY, "action": "save"})
    assert saved.status_code == 303, saved.text
    fiche_url = saved.headers["location"]
    fiche_id = fiche_url.rsplit("/", 1)[1]
    page = client.get(fiche_url)
    assert "Gaspard Fournil-Discret" in page.text  # cma-63 received the porteur: on the fiche
    assert "Chambre de Métiers" in page.text  # the suggestion and its reasons
    todo = client.get("/a-traiter")
    assert fiche_id in todo.text
    version = desk.fiche_page(web.ws, Identity.of_structure("cma-63"), fiche_id).version
    taken = client.submit(f"/fiches/{fiche_id}/reponse", {"answer": "take", "version": str(version)})
    assert taken.status_code == 303 and taken.headers["location"] == fiche_url
    assert fiche_id not in client.get("/a-traiter").text
    shown = desk.fiche_page(web.ws, Identity.of_structure("cma-63"), fiche_id)
    assert shown.fiche["lead"] == "cma-63"
    moved = client.submit(
        f"/fiches/{fiche_id}/action", {"do": "move", "trigger": "start_study", "version": str(shown.version)}
    )
    assert moved.status_code == 303, moved.text
    noted = client.submit(
        f"/fiches/{fiche_id}/action",
        {"do": "note", "text": "Rendez-vous fixé avec Gaspard", "channel": "phone", "version": str(shown.version + 1)},
    )
    assert noted.status_code == 303, noted.text
    final = desk.fiche_page(web.ws, Identity.of_structure("cma-63"), fiche_id)
    assert final.fiche["stage"] == "study"
    assert [e.kind for e in final.timeline][-3:] == ["lead_assigned", "stage_changed", "contact"]
    assert fiche_id in ids_of(web, Identity.of_structure("cma-63"))
    # another structure and the committee see the fiche page without a name, a summary or the note
    for role in ("off", "committee"):
        other = web.client(role).get(fiche_url)
        assert other.status_code == 200
        assert "Gaspard" not in other.text and "gaspard@" not in other.text


def test_form_errors_are_shown_per_field_and_nothing_is_written(web):  # noqa: F811
    client = web.client("on", fresh=True)
    before = ids_of(web, Identity.of_structure("cma-63"))
    bad = {**BAKERY, "commune": "Ambrt", "employees": "deux", "kind": "", "action": "save"}
    response = client.submit("/fiches/nouvelle", bad)
    assert response.status_code == 400
    assert 'id="commune-error"' in response.text and "63003 Ambert" in response.text
    assert 'id="employees-error"' in response.text and 'id="kind-error"' in response.text
    assert 'value="Gaspard Fournil-Discret"' in response.text  # what was typed is kept
    assert ids_of(web, Identity.of_structure("cma-63")) == before


def test_live_suggestion_fragment_follows_routing_fields_only(web):  # noqa: F811
    client = web.client("on")
    response = client.get(
        "/fiches/nouvelle/suggestion", params={"commune": "Ambert", "kind": "creation", "activity": "01.11Z"}
    )
    assert response.status_code == 200
    assert 'id="suggestion-body"' in response.text
    assert "Chambre de Métiers" not in response.text  # an agricultural activity goes elsewhere
    waiting = client.get("/fiches/nouvelle/suggestion", params={"activity": "10.71C"})
    assert "10.71C" in waiting.text and "Boulangerie" in waiting.text


def test_decline_from_the_todo_list_asks_the_next_structure(web):  # noqa: F811
    """cci-thiers declines the fiche it is asked to lead: recorded with the reason, adret is asked next;
    the coordinator reads the reason, the committee does not."""
    client = web.client("off", fresh=True)
    todo = client.get("/a-traiter")
    assert web.other_fiche in todo.text
    version = desk.fiche_page(web.ws, Identity.coordinator(), web.other_fiche).version
    response = client.submit(
        f"/fiches/{web.other_fiche}/reponse",
        {"answer": "decline", "reason": "Commerce déjà suivi par la CCI de Clermont", "version": str(version)},
    )
    assert response.status_code == 303
    assert web.other_fiche not in client.get("/a-traiter").text
    shown = desk.fiche_page(web.ws, Identity.coordinator(), web.other_fiche)
    assert shown.lead is not None and shown.lead.structure == "adret"
    assert [(d.structure, d.reason) for d in shown.declines] == [
        ("cci-thiers", "Commerce déjà suivi par la CCI de Clermont")
    ]
    coordinator = web.client("coordinator").get(f"/fiches/{web.other_fiche}")
    assert "Commerce déjà suivi" in coordinator.text
    committee = web.client("committee").get(f"/fiches/{web.other_fiche}")
    assert "Commerce déjà suivi" not in committee.text


def test_a_stale_page_reports_who_changed_the_fiche_and_writes_nothing(web):  # noqa: F811
    """Two tabs on the same fiche: the second change is refused with 'modifiée par … entre-temps'."""
    client = web.client("on", fresh=True)
    seen = desk.fiche_page(web.ws, Identity.of_structure("cma-63"), web.fiche).version
    first = client.submit(f"/fiches/{web.fiche}/action", {"do": "move", "trigger": "start_study", "version": str(seen)})
    assert first.status_code == 303
    second = client.submit(f"/fiches/{web.fiche}/action", {"do": "move", "trigger": "hold", "version": str(seen)})
    assert second.status_code == 409
    assert "modifiée par cma-63 entre-temps" in second.text
    assert desk.fiche_page(web.ws, Identity.coordinator(), web.fiche).fiche["stage"] == "study"


def test_a_refused_move_is_explained_on_the_page(web):  # noqa: F811
    """A fiche without référent: 'start_study' is shown refused with why, not as a button."""
    page = web.client("off").get(f"/fiches/{web.other_fiche}")
    assert 'data-trigger="start_study"' not in page.text
    assert "référent" in page.text
    assert personal_data_in(page.text) == []
    assert PERSONAL


def test_reads_of_personal_data_and_changes_are_in_the_access_log(web):  # noqa: F811
    """The fiche page shown with the porteur's name is logged; the committee's masked view is not."""
    from engine.app import audit

    def lines():
        return audit.fiche_audit(web.ws, Identity.coordinator(), web.fiche).lines

    before = len(lines())
    web.client("committee").get(f"/fiches/{web.fiche}")
    assert len(lines()) == before
    web.client("on").get(f"/fiches/{web.fiche}")
    after = lines()
    assert len(after) == before + 1 and after[-1].action == "read" and after[-1].actor == "cma-63"
    client = web.client("on", fresh=True)
    version = desk.fiche_page(web.ws, Identity.coordinator(), web.fiche).version
    client.submit(f"/fiches/{web.fiche}/action", {"do": "note", "text": "vu", "version": str(version)})
    assert lines()[-1].action == "change" and lines()[-1].detail == "note"


def test_any_field_edited_from_the_fiche_page_with_a_fresh_suggestion(web):  # noqa: F811
    """The fiche page's edit form: only what differs changes (kept old → new), then routing is asked again;
    a bad value is refused with its field and nothing is written."""
    client = web.client("on", fresh=True)
    shown = desk.fiche_page(web.ws, Identity.of_structure("cma-63"), web.fiche)
    f = shown.fiche
    form = {
        "do": "edit", "version": str(shown.version), "commune": f["commune"], "activity": f["naf"],
        "nature": f["nature"], "kind": f["kind"], "needs": [*f["needs"], "premises"], "employees": "3",
        "summary": f["summary"], "name": f["porteur"]["name"], "email": f["porteur"]["email"],
        "phone": f["porteur"]["phone"],
    }  # fmt: skip
    bad = client.submit(f"/fiches/{web.fiche}/action", {**form, "employees": "trois"})
    assert bad.status_code == 400 and "employees" in bad.text
    done = client.submit(f"/fiches/{web.fiche}/action", form)
    assert done.status_code == 303, done.text
    after = desk.fiche_page(web.ws, Identity.of_structure("cma-63"), web.fiche)
    assert after.fiche["employees"] == 3 and "premises" in after.fiche["needs"]
    assert [e.kind for e in after.timeline][-2:] == ["fiche_edited", "suggested"]
    assert after.version == shown.version + 1


def test_the_edit_form_has_the_farm_link_and_the_registration_with_errors_under_each(web):  # noqa: F811
    """ "Modifier la fiche" shows the farm link (French choices) and the "already registered" box as the fiche
    stands; a contradiction or an unknown value comes back (400) under its own field with what was typed,
    nothing written; a right value is recorded (old → new in the history) and routes the fiche again."""
    client = web.client("on", fresh=True)
    cma = Identity.of_structure("cma-63")
    shown = desk.fiche_page(web.ws, cma, web.fiche)
    f = shown.fiche
    page = client.get(f"/fiches/{web.fiche}")
    assert "Lien avec une exploitation agricole" in page.text and "centre équestre" in page.text
    assert "Entreprise déjà immatriculée au répertoire des métiers" in page.text
    assert 'id="edit-artisan_registered">' in page.text  # a creation: presumed not registered, unticked
    form = {
        "do": "edit", "version": str(shown.version), "commune": f["commune"], "activity": f["naf"],
        "kind": f["kind"], "needs": list(f["needs"]), "employees": desk.FicheForm.of_fiche(f).employees,
        "summary": f["summary"],
        "name": f["porteur"]["name"], "email": f["porteur"]["email"], "phone": f["porteur"]["phone"],
        "artisan_registered_shown": "no",
    }  # fmt: skip
    contradiction = client.submit(f"/fiches/{web.fiche}/action", {**form, "farm_link": "equestrian",
                                                                   "nature": "commercial"})  # fmt: skip
    assert contradiction.status_code == 400
    assert 'id="edit-farm_link-error"' in contradiction.text and "Rien n'a été modifié :" in contradiction.text
    assert 'value="equestrian" checked' in contradiction.text  # what was typed is kept
    unknown = client.submit(f"/fiches/{web.fiche}/action", {**form, "farm_link": "ranch"})
    assert unknown.status_code == 400 and "lien avec une exploitation inconnu : &#39;ranch&#39;" in unknown.text
    assert 'id="edit-farm_link-error"' in unknown.text
    registered = client.submit(f"/fiches/{web.fiche}/action", {**form, "artisan_registered": "yes"})
    assert registered.status_code == 400 and 'id="edit-artisan_registered-error"' in registered.text
    assert 'id="edit-artisan_registered" checked' in registered.text
    after = desk.fiche_page(web.ws, cma, web.fiche)
    assert after.version == shown.version and after.fiche == f  # nothing written
    riding = client.submit(f"/fiches/{web.fiche}/action", {**form, "farm_link": "equestrian", "activity": "93.19Z"})
    assert riding.status_code == 303, riding.text
    after = desk.fiche_page(web.ws, cma, web.fiche)
    assert (after.fiche["farm_link"], after.fiche["nature"]) == ("equestrian", "agricultural")
    assert after.lead is not None and after.lead.structure == "agri-63"
    assert [e.kind for e in after.timeline][-2:] == ["fiche_edited", "suggested"]
    grows = {**form, "version": str(after.version), "farm_link": "", "activity": "10.71C", "kind": "development"}
    kept = client.submit(f"/fiches/{web.fiche}/action", grows)
    assert kept.status_code == 303, kept.text  # the box left as shown: no word recorded, the presumption stands
    assert desk.fiche_page(web.ws, cma, web.fiche).fiche["artisan_registered"] is None
    assert 'id="edit-artisan_registered" checked' in client.get(f"/fiches/{web.fiche}").text  # a development
    version = str(desk.fiche_page(web.ws, cma, web.fiche).version)
    said = client.submit(
        f"/fiches/{web.fiche}/action", {**grows, "version": version, "artisan_registered_shown": "yes"}
    )
    assert said.status_code == 303, said.text
    assert desk.fiche_page(web.ws, cma, web.fiche).fiche["artisan_registered"] is False


def test_the_form_asks_to_confirm_an_uncertain_nature_and_records_the_answer(web):  # noqa: F811
    """Fast food (56.10C) is only partly artisanal: the form shows fiche check's note and asks the nature
    (French radio choice, without script); the answer is stored as the fiche's ``nature`` and routes it."""
    client = web.client("on", fresh=True)
    snack = {**BAKERY, "activity": "56.10C", "name": "Lola Snack-Discret", "summary": "Snack"}
    asked = client.submit("/fiches/nouvelle", {**snack, "action": "preview"})
    assert asked.status_code == 200
    assert "Confirmer la nature juridique" in asked.text
    assert 'type="radio" name="nature" value="commercial"' in asked.text
    assert "NAF 56.10C : la nature &#39;artisanal&#39; vient de 56.10C" in asked.text  # fiche check's note
    live = client.get(
        "/fiches/nouvelle/suggestion", params={"commune": "Ambert", "kind": "creation", "activity": "56.10C"}
    )
    assert 'id="nature-question"' in live.text and "Confirmer la nature juridique" in live.text
    sure = client.get(
        "/fiches/nouvelle/suggestion", params={"commune": "Ambert", "kind": "creation", "activity": "10.71C"}
    )
    assert "Confirmer la nature juridique" not in sure.text  # a bakery is artisanal, no question
    saved = client.submit("/fiches/nouvelle", {**snack, "nature": "commercial", "action": "save"})
    assert saved.status_code == 303, saved.text
    fiche_id = saved.headers["location"].rsplit("/", 1)[1]
    shown = desk.fiche_page(web.ws, Identity.of_structure("cma-63"), fiche_id)
    assert shown.fiche["nature"] == "commercial"
    assert shown.lead is not None and shown.lead.structure.startswith("cci-")  # pure resale: the CCI leads


def test_farm_link_makes_the_activity_agricultural_and_the_chamber_of_agriculture_leads(web):  # noqa: F811
    client = web.client("on", fresh=True)
    form = client.get("/fiches/nouvelle")
    assert "Lien avec une exploitation agricole" in form.text and "centre équestre" in form.text
    riding = {**BAKERY, "activity": "93.19Z", "farm_link": "equestrian", "name": "Iris Cheval-Discret"}
    preview = client.submit("/fiches/nouvelle", {**riding, "action": "preview"})
    assert "(agri-63)" in preview.text  # the chamber of agriculture, suggested référent
    assert "un centre équestre est agricole de par la loi" in preview.text  # the reason, in French
    saved = client.submit("/fiches/nouvelle", {**riding, "action": "save"})
    assert saved.status_code == 303, saved.text
    fiche_id = saved.headers["location"].rsplit("/", 1)[1]
    shown = desk.fiche_page(web.ws, Identity.of_structure("cma-63"), fiche_id)
    assert (shown.fiche["farm_link"], shown.fiche["nature"]) == ("equestrian", "agricultural")
    assert shown.lead is not None and shown.lead.structure == "agri-63"
    contradiction = client.submit("/fiches/nouvelle", {**riding, "nature": "commercial", "action": "save"})
    assert contradiction.status_code == 400
    assert 'id="farm_link-error"' in contradiction.text
    not_a_farmer = client.submit("/fiches/nouvelle", {**BAKERY, "farm_link": "on_farm", "action": "preview"})
    assert "agriculteur" in not_a_farmer.text.lower()  # the note: only a farmer's activity is agricultural


def test_a_registered_artisan_keeps_the_cma_above_ten_employees_unless_the_form_says_otherwise(web):  # noqa: F811
    """Droit de suite: a development is presumed registered (box ticked, the presumption explained);
    unticked, the firm of 15 is handled as commercial; a creation cannot be registered yet."""
    client = web.client("on", fresh=True)
    grows = {**BAKERY, "kind": "development", "employees": "15", "name": "Remi Four-Discret"}
    preview = client.submit("/fiches/nouvelle", {**grows, "action": "preview"})
    assert "Entreprise déjà immatriculée au répertoire des métiers" in preview.text
    assert 'id="artisan_registered" data-live checked' in preview.text  # the presumption for a development
    assert "Présomption" in preview.text
    kept = client.submit("/fiches/nouvelle", {**grows, "artisan_registered": "yes",
                                              "artisan_registered_shown": "yes", "action": "save"})  # fmt: skip
    assert kept.status_code == 303, kept.text
    kept_id = kept.headers["location"].rsplit("/", 1)[1]
    presumed = desk.fiche_page(web.ws, Identity.of_structure("cma-63"), kept_id)
    assert presumed.fiche["artisan_registered"] is None  # left as presumed: the presumption stands
    assert presumed.lead is not None and presumed.lead.structure == "cma-63"
    unticked = client.submit("/fiches/nouvelle", {**grows, "artisan_registered_shown": "yes", "action": "save"})
    assert unticked.status_code == 303, unticked.text
    not_registered = desk.fiche_page(
        web.ws, Identity.of_structure("cma-63"), unticked.headers["location"].rsplit("/", 1)[1]
    )
    assert not_registered.fiche["artisan_registered"] is False
    assert not_registered.lead is not None and not_registered.lead.structure.startswith("cci-")
    creation = {**grows, "kind": "creation", "artisan_registered": "yes", "artisan_registered_shown": "no"}
    refused = client.submit("/fiches/nouvelle", {**creation, "action": "save"})
    assert refused.status_code == 400
    assert 'id="artisan_registered-error"' in refused.text


def test_the_form_fields_of_the_nature_facts_follow_the_presumption():
    """Ticked or not as shown keeps the presumption (None); changed, it is the technician's word."""

    def read(**fields):
        data = {k: v for k, v in fields.items() if v is not None}
        return desk.FicheForm.from_mapping(data.get, lambda name: []).artisan_registered

    assert read(artisan_registered="yes", artisan_registered_shown="yes") is None
    assert read(artisan_registered=None, artisan_registered_shown="yes") is False
    assert read(artisan_registered="yes", artisan_registered_shown="no") is True
    assert read(artisan_registered=None, artisan_registered_shown="no") is None
    assert read(artisan_registered="yes") is True
    assert read() is None
    assert desk.FicheForm(kind="development").artisan_checked is True
    assert desk.FicheForm(kind="takeover").artisan_checked is False
    assert desk.FicheForm(kind="development", artisan_registered=False).artisan_checked is False


def test_a_change_made_on_the_web_records_the_signed_in_account_and_the_server_time(web):  # noqa: F811
    """Issue 14, item 7: an event stores who was signed in (structure and account), not a name the page
    could choose, and the server's time."""
    import datetime as dt

    from sqlalchemy import select

    from engine.accounts import repository as accounts_repository
    from engine.store.schema import events

    client = web.client("on", fresh=True)
    version = desk.fiche_page(web.ws, Identity.coordinator(), web.fiche).version
    before = dt.datetime.now(dt.UTC)
    sent = client.submit(f"/fiches/{web.fiche}/action",
                         {"do": "note", "text": "vu", "version": str(version), "by": "committee"})  # fmt: skip
    assert sent.status_code == 303, sent.text
    with web.ws.store.transaction() as conn:
        row = conn.execute(select(events).order_by(events.c.seq.desc()).limit(1)).mappings().one()
        account = accounts_repository.get_account(conn, "cma63@test.example")
    assert (row["kind"], row["by"], row["actor"]) == ("note", "cma-63", "cma-63")
    assert row["account"] == str(account.id)
    recorded = row["recorded_at"] if row["recorded_at"].tzinfo else row["recorded_at"].replace(tzinfo=dt.UTC)
    assert before - dt.timedelta(minutes=5) < recorded < dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
