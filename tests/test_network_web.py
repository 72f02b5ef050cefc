"""The network's pages over HTTP on both backends: the contact form's limits and abuse guards, escaping,
the feed, publishing and withdrawing offers, decisions recorded by the coordinator, and the rules in
force followed by the application as soon as they are published."""

from __future__ import annotations

import html
import json
import re
import shutil

from engine import paths
from tests.web_app import web  # noqa: F401 (fixture)
from tests.web_routes import OFFER

GOOD = {"name": "Marc Lenoir", "email": "marc@example.org", "message": "Je suis boulanger.", "consent": "oui"}


def test_the_contact_form_shows_every_problem_and_keeps_what_was_typed(web):  # noqa: F811
    client = web.client("anonymous")
    response = client.submit(f"/offres/{OFFER}/contact", {"name": "Léa", "email": "pas-une-adresse",
                                                          "message": "m" * 2001})  # fmt: skip
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "ce n'est pas une adresse de courriel" in text and "2001 caractères" in text
    assert "cochez la case" in text
    assert 'value="Léa"' in text and 'aria-invalid="true"' in text


def test_a_message_is_stored_escaped_and_read_by_the_offer_structure(web):  # noqa: F811
    visitor = web.client("anonymous", fresh=True)
    form = {**GOOD, "name": "<img src=x onerror=alert(1)>", "message": "<script>alert('x')</script>"}
    response = visitor.submit(f"/offres/{OFFER}/contact", form)
    assert response.status_code == 303 and response.headers["location"].endswith("?envoye=1")
    assert "Merci" in visitor.get(response.headers["location"]).text
    page = web.client("on").get("/mes-offres").text  # cma-63 published the offer
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "alert(" not in web.client("off").get("/mes-offres").text  # cci-thiers: not its offer
    public = visitor.get(f"/offres/{OFFER}").text
    assert "Marc" not in public and "alert" not in public  # never shown publicly


def test_the_hidden_field_and_the_rate_limit(web):  # noqa: F811
    visitor = web.client("anonymous", fresh=True)
    robot = visitor.submit(f"/offres/{OFFER}/contact", {**GOOD, "website": "http://spam.example"})
    assert robot.status_code == 303
    assert "Marc Lenoir" not in web.client("on").get("/mes-offres").text
    for _ in range(5):
        assert visitor.submit(f"/offres/{OFFER}/contact", GOOD).status_code == 303
    limited = visitor.submit(f"/offres/{OFFER}/contact", GOOD)
    assert limited.status_code == 429 and "dans l'heure" in html.unescape(limited.text)


def test_a_body_too_large_is_refused_before_it_is_read(web):  # noqa: F811
    visitor = web.client("anonymous", fresh=True)
    response = visitor.submit(f"/offres/{OFFER}/contact", {**GOOD, "message": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 413


def test_the_feed_lists_open_online_offers_and_withdrawing_removes_them(web):  # noqa: F811
    anonymous = web.client("anonymous")
    feed = json.loads(anonymous.get("/offres/flux.json").text)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert (feed["title"], feed["language"]) == ("Cap Actif — offres d'activités", "fr")
    assert [item["url"].rsplit("/", 1)[1] for item in feed["items"]] == [OFFER]
    assert "Fournil à reprendre" in anonymous.get("/offres?activite=fournil").text
    assert "Fournil à reprendre" not in anonymous.get("/offres?reseau=thiers").text
    owner = web.client("on", fresh=True)
    assert owner.submit(f"/mes-offres/{OFFER}/en-ligne", {"online": "non"}).status_code == 303
    assert json.loads(anonymous.get("/offres/flux.json").text)["items"] == []
    assert anonymous.get(f"/offres/{OFFER}").status_code == 404


def test_the_coordinator_records_a_decision_the_committee_reads_it(web):  # noqa: F811
    coordinator = web.client("coordinator", fresh=True)
    response = coordinator.submit("/decisions", {"kind": "training", "title": "Formation à l'accueil",
                                                 "put_on": "2026-11-02"})  # fmt: skip
    assert response.status_code == 303
    assert (
        coordinator.submit("/decisions/D-2026-001", {"outcome": "adopted", "decided_on": "2026-11-20"}).status_code
        == 303
    )
    page = web.client("committee").get("/decisions").text
    assert "Formation à l&#39;accueil" in page and "adoptée" in page


def test_a_publication_is_followed_by_the_running_application(web, tmp_path):  # noqa: F811
    """Published from the command line while the application runs: its next page shows the new version."""
    from click.testing import CliRunner

    from cli import main
    from engine.rules.loader import content_hash

    changed = tmp_path / "changed"
    shutil.copytree(paths.bundled("rules"), changed)
    cci = changed / "structures" / "cci-ambert.yaml"
    cci.write_text(cci.read_text().replace("natures: [commercial]", "natures: [commercial, liberal]"))
    coordinator = web.client("coordinator")
    assert content_hash(changed) not in coordinator.get("/coordination/regles").text
    result = CliRunner().invoke(main, ["rules", "publish", str(changed), "-m", "CCI et libéraux", "--db",
                                       web.store_url, "--as", "coordinator"])  # fmt: skip
    assert result.exit_code == 0, result.output
    page = coordinator.get("/coordination/regles").text
    assert f"règles <strong>{content_hash(changed)}</strong>" in page
    assert web.ws.network.rules.version == content_hash(changed)


def test_the_fiche_page_says_which_rules_made_the_suggestion_and_whether_those_in_force_differ(web, tmp_path):  # noqa: F811
    """A liberal project in Ambert suggested with the bundled rules (ADRET); once rules where the CCI of
    Ambert leads liberal professions are published, its page names both versions and the new référent;
    the bakery's page says the rules in force decide the same."""
    from click.testing import CliRunner

    from cli import main
    from engine.app import Workspace
    from engine.fiche import Fiche
    from engine.identity import Identity
    from engine.routing import suggest
    from engine.rules.loader import content_hash
    from engine.store import repository

    with Workspace.open(db=web.store_url) as ws:
        liberal = Fiche.model_validate({"received": "2026-11-02", "commune": "63003", "kind": "creation",
                                        "naf": "69.20Z"}, context=ws.network.fiche_context())  # fmt: skip
        compiled = ws.compiled_rules
        before = ws.network.rules.version
        with ws.store.transaction() as conn:
            (added,) = repository.add_fiches(conn, [liberal], who=Identity.of_structure("cma-63"), network=ws.network,
                                             suggester=lambda f, load: suggest(f, compiled, load))  # fmt: skip
    changed = tmp_path / "changed"
    shutil.copytree(paths.bundled("rules"), changed)
    cci = changed / "structures" / "cci-ambert.yaml"
    cci.write_text(cci.read_text().replace("natures: [commercial]", "natures: [commercial, liberal]"))
    result = CliRunner().invoke(main, ["rules", "publish", str(changed), "-m", "CCI et libéraux", "--db",
                                       web.store_url, "--as", "coordinator"])  # fmt: skip
    assert result.exit_code == 0, result.output
    coordinator = web.client("coordinator")
    page = html.unescape(coordinator.get(f"/fiches/{added.fiche}").text)
    assert f"règles du réseau {before}" in page
    assert f"Les règles en vigueur ({content_hash(changed)}) décideraient autrement" in page
    assert "Chambre de Commerce et d'Industrie d'Ambert" in page
    same = html.unescape(coordinator.get(f"/fiches/{web.fiche}").text)
    assert f"Les règles en vigueur ({content_hash(changed)}) décideraient de même" in same


def contacts_in_report(web) -> int:  # noqa: F811
    """The committee's yearly report page: 'Contacts obtenus pour ces offres' this year."""
    page = html.unescape(web.client("committee").get("/comite/bilan").text)
    found = re.search(r"<th scope=\"row\">Contacts obtenus pour ces offres</th><td>(\d+)</td>", page)
    assert found, page[:3000]
    return int(found.group(1))


def test_a_message_is_announced_on_the_structure_desk_and_becomes_a_fiche_counted_once(web):  # noqa: F811
    """A visitor writes: the report counts one more contact, cma-63's "À traiter" announces the message
    (cci-thiers' does not), "En faire une fiche" records a fiche received by cma-63 with the visitor as
    porteur, the announcement goes, and the report still counts the contact once."""
    before = contacts_in_report(web)
    visitor = web.client("anonymous", fresh=True)
    assert visitor.submit(f"/offres/{OFFER}/contact", {**GOOD, "name": "Zoé Fournier"}).status_code == 303
    assert contacts_in_report(web) == before + 1
    owner, other = web.client("on", fresh=True), web.client("off")
    todo = html.unescape(owner.get("/a-traiter").text)
    assert "1 message reçu par vos offres sur la bourse publique attend une réponse." in todo
    assert 'href="/mes-offres"' in todo
    assert "bourse publique" not in html.unescape(other.get("/a-traiter").text)
    mine = owner.get("/mes-offres").text
    (action,) = re.findall(r'action="(/mes-offres/messages/\d+/fiche)"', mine)
    turned = owner.submit(action)
    assert turned.status_code == 303
    fiche = re.search(r"fiche=(F-\d{4}-\d{4})", turned.headers["location"]).group(1)
    page = html.unescape(owner.get(f"/fiches/{fiche}").text)
    assert "Zoé Fournier" in page and "Je suis boulanger." in page
    assert "bourse publique" not in html.unescape(owner.get("/a-traiter").text)
    assert f"Devenu la fiche {fiche}." in html.unescape(owner.get("/mes-offres").text)
    assert contacts_in_report(web) == before + 1
    assert "Zoé" not in web.client("committee").get(f"/fiches/{fiche}").text  # the committee: never a name


def test_the_coordinator_lists_every_fiche_of_the_network(web):  # noqa: F811
    """What every technician sees, together: both structures' fiches, porteurs named (the coordinator
    may), the stage and text filters; the read is in the access log."""
    from tests.web_app import PORTEUR

    coordinator = web.client("coordinator")
    home = html.unescape(coordinator.get("/").text)
    assert 'href="/fiches"' in home and "Toutes les fiches" in home
    page = html.unescape(coordinator.get("/fiches").text)
    assert "Toutes les fiches du réseau" in page and "2 fiche(s)" in page
    assert web.fiche in page and web.other_fiche in page and PORTEUR["name"] in page
    assert "Mon rôle" not in page  # a structure's filter
    one = html.unescape(coordinator.get(f"/fiches?q={web.other_fiche}").text)
    assert web.other_fiche in one and web.fiche not in one
    assert "0 fiche(s)" in html.unescape(coordinator.get("/fiches?etape=installed").text)
    log = html.unescape(coordinator.get(f"/coordination/journal?fiche={web.fiche}").text)
    assert "Toutes les fiches" in log.split("<table>")[1]


NEW_OFFER = {"kind": "sought", "title": "Épicerie recherchée à Job", "commune": "Job", "activity": "47.11B",
             "description": "La commune cherche une épicerie ; local communal disponible.",
             "published_in": "Bourse en ligne Cap Actif", "online": "oui"}  # fmt: skip


def test_a_structure_publishes_a_new_offer_from_its_page(web):  # noqa: F811
    """cma-63 records an offer online at once: the public list, its page and the feed show it; cci-thiers
    does not manage it; unticked, an offer is recorded but not public."""
    owner = web.client("on", fresh=True)
    added = owner.submit("/mes-offres", NEW_OFFER)
    assert added.status_code == 303
    offer_id = re.search(r"offre=(O-\d{4}-\d{4})", added.headers["location"]).group(1)
    assert f"Offre {offer_id} enregistrée." in html.unescape(owner.get(added.headers["location"]).text)
    anonymous = web.client("anonymous")
    assert "Épicerie recherchée à Job" in html.unescape(anonymous.get("/offres?type=sought").text)
    public = html.unescape(anonymous.get(f"/offres/{offer_id}").text)
    assert "local communal disponible" in public and "Chambre de Métiers" in public
    feed = json.loads(anonymous.get("/offres/flux.json").text)
    assert offer_id in [item["url"].rsplit("/", 1)[1] for item in feed["items"]]
    assert offer_id not in web.client("off").get("/mes-offres").text
    hidden = owner.submit("/mes-offres", {**NEW_OFFER, "title": "Garage à reprendre", "online": ""})
    hidden_id = re.search(r"offre=(O-\d{4}-\d{4})", hidden.headers["location"]).group(1)
    assert anonymous.get(f"/offres/{hidden_id}").status_code == 404
    mine = html.unescape(owner.get("/mes-offres").text)
    assert "hors de la bourse publique" in mine.split(hidden_id)[1].split("</section>")[0]


def test_a_new_offer_with_problems_is_refused_all_at_once_and_nothing_is_written(web):  # noqa: F811
    owner = web.client("on", fresh=True)
    before = owner.get("/mes-offres").text.count('<section class="offer">')
    refused = owner.submit("/mes-offres", {**NEW_OFFER, "title": "", "commune": "Nulle-Part", "activity": "99.99Z",
                                           "description": "x" * 4001})  # fmt: skip
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert "donnez un titre à l'offre" in text and "99.99Z" in text and "4000 caractères au plus" in text
    assert "Nulle-Part" in text.split('id="offer-commune-error"')[1][:300]  # the commune's problem beside it
    assert 'value="Nulle-Part"' in text  # what was typed is kept
    assert owner.get("/mes-offres").text.count('<section class="offer">') == before


def test_the_coordinator_publishes_an_offer_for_a_structure(web):  # noqa: F811
    coordinator = web.client("coordinator", fresh=True)
    added = coordinator.submit("/mes-offres", {**NEW_OFFER, "published_by": "cci-thiers"})
    assert added.status_code == 303
    offer_id = re.search(r"offre=(O-\d{4}-\d{4})", added.headers["location"]).group(1)
    assert offer_id in web.client("off").get("/mes-offres").text  # cci-thiers manages it
    forged = web.client("on", fresh=True).submit("/mes-offres", {**NEW_OFFER, "published_by": "cci-thiers"})
    forged_id = re.search(r"offre=(O-\d{4}-\d{4})", forged.headers["location"]).group(1)
    assert forged_id in web.client("on").get("/mes-offres").text  # a structure publishes its own offers only
    assert forged_id not in web.client("off").get("/mes-offres").text


def test_the_report_page_puts_the_year_before_beside_each_figure(web):  # noqa: F811
    """The eight figures of the yearly report for 2026 with 2025 beside them, per local network and per
    structure too (the seeded fiches: two projects met in 2026, none in 2025)."""
    from engine.report import INDICATORS

    page = html.unescape(web.client("committee").get("/comite/bilan?annee=2026").text)
    figures = page.split("</table>")[0]
    assert '<th scope="col">2026</th><th scope="col">2025</th>' in figures
    assert len(INDICATORS) == 8 and figures.count('<th scope="row">') == 8
    assert '<th scope="row">Projets rencontrés</th><td>2</td><td>0</td>' in figures
    assert "Par réseau local" in page and "Par structure" in page
    assert '<th scope="row">cma-63</th>' in page.split("Par structure")[1]
    assert "2025" in html.unescape(web.client("committee").get("/comite/bilan?annee=2025").text)
