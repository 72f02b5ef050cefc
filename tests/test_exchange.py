"""The public offers exchange (engine.app.exchange) on both backends: what the public sees, the
contact form's limits and abuse guards, and a visitor's message counted once in the yearly report,
before and after it becomes a fiche."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.app import Workspace, committee, exchange
from engine.errors import AccessDenied, InputError, NotFound
from engine.identity import Identity
from engine.offers import repository as offers_repo

TODAY = dt.date(2026, 6, 1)
NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
CMA = Identity.of_structure("cma-63")
CCI = Identity.of_structure("cci-thiers")
COORDINATOR = Identity.coordinator()
GOOD = exchange.ContactForm(name="Marc Lenoir", email="marc@example.org", message="Je suis boulanger.", consent=True)


@pytest.fixture
def ws(store_url, tmp_path, monkeypatch):
    """A workspace over a store with three offers of cma-63 (two online, one closed) and one offline of cci-thiers."""
    monkeypatch.setenv("CAPACTIF_CACHE", str(tmp_path / "cache"))
    with Workspace.open(db=store_url) as workspace:
        net = workspace.network
        with workspace.store.transaction() as conn:
            bakery = offers_repo.add_offer(
                conn,
                net,
                CMA,
                kind="takeover",
                title="Boulangerie à reprendre",
                commune="Ambert",
                naf="10.71C",
                published_on=dt.date(2026, 3, 1),
                published_in="Villages Magazine",
                description="Four à bois, clientèle fidèle",
            )
            grocer = offers_repo.add_offer(
                conn,
                net,
                CMA,
                kind="sought",
                title="Épicerie recherchée",
                commune="63430",
                naf="47.11B",
                published_on=dt.date(2026, 4, 1),
                published_in="site du Parc",
            )
            closed = offers_repo.add_offer(
                conn,
                net,
                CMA,
                kind="takeover",
                title="Garage",
                commune="Ambert",
                published_on=dt.date(2026, 1, 5),
                published_in="Villages Magazine",
            )
            offline = offers_repo.add_offer(conn, net, CCI, kind="takeover", title="Quincaillerie", commune="63430",
                                            published_on=dt.date(2026, 2, 1), published_in="marché")  # fmt: skip
        for offer in (bakery, grocer, closed):
            exchange.set_online(workspace, CMA, offer.id, True)
        with workspace.store.transaction() as conn:
            offers_repo.close_offer(conn, CMA, closed.id, dt.date(2026, 5, 1), "reprise faite")
        workspace.ids = {"bakery": bakery.id, "grocer": grocer.id, "closed": closed.id, "offline": offline.id}
        yield workspace


def titles(found: exchange.OfferSearch) -> list[str]:
    return [o.title for o in found.offers]


def test_the_public_sees_open_online_offers_only_latest_first(ws):
    """A closed offer and an offer never put online are not listed, nor found by id."""
    assert titles(exchange.search_offers(ws, today=TODAY)) == ["Épicerie recherchée", "Boulangerie à reprendre"]
    for key in ("closed", "offline"):
        with pytest.raises(NotFound):
            exchange.public_offer(ws, ws.ids[key], today=TODAY)


def test_filters_by_network_commune_activity_and_kind(ws):
    """Local network id, commune by name, activity by words (accents ignored) or NAF code, kind."""
    assert titles(exchange.search_offers(ws, network="thiers", today=TODAY)) == ["Épicerie recherchée"]
    assert titles(exchange.search_offers(ws, commune="ambert", today=TODAY)) == ["Boulangerie à reprendre"]
    assert titles(exchange.search_offers(ws, activity="boulangerie", today=TODAY)) == ["Boulangerie à reprendre"]
    assert titles(exchange.search_offers(ws, activity="epicerie", today=TODAY)) == ["Épicerie recherchée"]
    assert titles(exchange.search_offers(ws, activity="47.11", today=TODAY)) == ["Épicerie recherchée"]
    assert titles(exchange.search_offers(ws, kind="takeover", today=TODAY)) == ["Boulangerie à reprendre"]
    unknown = exchange.search_offers(ws, commune="Ambertt", network="nowhere", kind="sale", today=TODAY)
    assert len(unknown.problems) == 3 and "Ambert" in unknown.problems[1]


def test_a_public_offer_states_nothing_beyond_the_offer(ws):
    """The public form of an offer has no contacts, matches, installations nor closing reason."""
    shown = exchange.public_offer(ws, ws.ids["bakery"], today=TODAY).to_dict()
    assert set(shown) == {"id", "kind", "kind_label", "title", "description", "commune", "commune_name",
                          "local_network", "naf", "activity", "published_on", "published_in", "structure"}  # fmt: skip
    assert shown["structure"] == "Chambre de Métiers et de l'Artisanat du Puy-de-Dôme"


def test_the_contact_form_reports_every_problem_at_once(ws):
    """No name, neither e-mail nor phone, no message, no consent: four problems, named by field."""
    with pytest.raises(InputError) as caught:
        exchange.send_contact(ws, ws.ids["bakery"], exchange.ContactForm(), address="10.0.0.1", now=NOW)
    assert sorted(p.source for p in caught.value.problems) == ["consent", "email", "message", "name"]
    too_long = exchange.ContactForm(name="x" * 101, email="not-an-address", phone="abc",
                                    message="m" * 2001, consent=True)  # fmt: skip
    with pytest.raises(InputError) as caught:
        exchange.send_contact(ws, ws.ids["bakery"], too_long, address="10.0.0.1", now=NOW)
    assert sorted(p.source for p in caught.value.problems) == ["email", "message", "name", "phone"]
    assert exchange.managed_offers(ws, CMA, today=TODAY)[1].requests == []


def test_a_robot_filling_the_hidden_field_is_thanked_and_nothing_is_stored(ws):
    robot = exchange.ContactForm(**{**GOOD.__dict__, "honeypot": "http://spam.example"})
    assert exchange.send_contact(ws, ws.ids["bakery"], robot, address="10.0.0.2", now=NOW).stored is False
    assert all(not m.requests for m in exchange.managed_offers(ws, CMA, today=TODAY))


def test_one_address_may_send_five_messages_an_hour(ws):
    """The sixth within the hour is refused; another address, or an hour later, is accepted."""
    for minute in range(5):
        exchange.send_contact(ws, ws.ids["bakery"], GOOD, address="10.0.0.3", now=NOW + dt.timedelta(minutes=minute))
    with pytest.raises(exchange.TooManyRequests):
        exchange.send_contact(ws, ws.ids["grocer"], GOOD, address="10.0.0.3", now=NOW + dt.timedelta(minutes=10))
    exchange.send_contact(ws, ws.ids["grocer"], GOOD, address="10.0.0.4", now=NOW + dt.timedelta(minutes=10))
    exchange.send_contact(ws, ws.ids["grocer"], GOOD, address="10.0.0.3", now=NOW + dt.timedelta(minutes=61))


def test_messages_are_stored_as_typed_and_read_by_the_offer_structure_only(ws):
    """Markup is kept as text (escaped when shown); cma-63 and the coordinator read it, cci-thiers does
    not get cma-63's offers, the committee and the public may not manage offers."""
    typed = exchange.ContactForm(name="<b>Léa</b>", phone="04 73 00 00 00", message="<script>alert(1)</script>",
                                 consent=True)  # fmt: skip
    exchange.send_contact(ws, ws.ids["bakery"], typed, address="10.0.0.5", now=NOW)
    (message,) = next(
        m for m in exchange.managed_offers(ws, CMA, today=TODAY) if m.offer.title.startswith("Boul")
    ).requests
    assert (message.name, message.message, message.email) == ("<b>Léa</b>", "<script>alert(1)</script>", None)
    assert any(m.requests for m in exchange.managed_offers(ws, COORDINATOR, today=TODAY))
    assert [m.offer.title for m in exchange.managed_offers(ws, CCI, today=TODAY)] == ["Quincaillerie"]
    for who in (Identity.committee(), Identity(None)):
        with pytest.raises(AccessDenied):
            exchange.managed_offers(ws, who, today=TODAY)


def test_only_the_offer_structure_or_the_coordinator_publish_and_withdraw(ws):
    with pytest.raises(AccessDenied):
        exchange.set_online(ws, CCI, ws.ids["bakery"], False)
    exchange.set_online(ws, COORDINATOR, ws.ids["bakery"], False)
    assert titles(exchange.search_offers(ws, today=TODAY)) == ["Épicerie recherchée"]
    exchange.set_online(ws, CCI, ws.ids["offline"], True)
    assert "Quincaillerie" in titles(exchange.search_offers(ws, today=TODAY))
    with pytest.raises(InputError):
        exchange.set_online(ws, CMA, ws.ids["closed"], True)


def test_a_message_counts_once_in_the_report_before_and_after_it_becomes_a_fiche(ws):
    """The report's contacts grow by one with the message; turned into a fiche (received by cma-63,
    the visitor as porteur, in contact with the offer) the count stays the same."""

    def contacts() -> int:
        return committee.yearly_report(ws, COORDINATOR, 2026).current["offer_contacts"]

    assert contacts() == 0
    exchange.send_contact(ws, ws.ids["bakery"], GOOD, address="10.0.0.6", now=NOW)
    assert contacts() == 1
    (message,) = next(m for m in exchange.managed_offers(ws, CMA, today=TODAY) if m.requests).requests
    with pytest.raises(AccessDenied):
        exchange.turn_into_fiche(ws, CCI, message.id, now=NOW)
    fiche_id = exchange.turn_into_fiche(ws, CMA, message.id, now=NOW)
    assert contacts() == 1
    from engine.store import queries

    with ws.store.transaction() as conn:
        stored = queries.get(conn, fiche_id).fiche
        linked = offers_repo.list_contacts(conn, [ws.ids["bakery"]])
    assert (stored["received_by"], stored["porteur"]["name"], stored["kind"]) == ("cma-63", "Marc Lenoir", "takeover")
    assert [(c.fiche, c.at) for c in linked] == [(fiche_id, TODAY)]
    with pytest.raises(InputError):
        exchange.turn_into_fiche(ws, CMA, message.id, now=NOW)


def test_the_form_accepts_the_contacts_a_fiche_accepts_and_stores_them_normalised(ws):
    """A phone or e-mail only a loose pattern accepted made "turn into a fiche" crash (issue 14): the form
    refuses what the fiche refuses, and stores what it accepts the way the fiche will."""
    for form, field in ((exchange.ContactForm(name="Marc", phone="123456", message="x", consent=True), "phone"),
                        (exchange.ContactForm(name="Marc", email="marc@exemple.test", message="x", consent=True),
                         "email")):  # fmt: skip
        with pytest.raises(InputError) as refused:
            exchange.send_contact(ws, ws.ids["bakery"], form, address="10.0.0.7", now=NOW)
        assert [p.source for p in refused.value.problems] == [field]
    typed = exchange.ContactForm(name="Marc", phone="04.73.00.00.00", email="Marc@Example.org", message="x",
                                 consent=True)  # fmt: skip
    exchange.send_contact(ws, ws.ids["bakery"], typed, address="10.0.0.7", now=NOW)
    (message,) = [r for m in exchange.managed_offers(ws, CMA, today=TODAY) for r in m.requests]
    assert (message.phone, message.email) == ("04 73 00 00 00", "Marc@example.org")


def test_a_stored_message_a_fiche_would_refuse_is_a_located_error_not_a_crash(ws):
    """A message stored before the form checked like a fiche (a phone phonenumbers refuses): turning it into
    a fiche names the message and the problem, and stores nothing."""
    from engine.offers.tables import offer_requests

    exchange.send_contact(ws, ws.ids["bakery"], GOOD, address="10.0.0.8", now=NOW)
    with ws.store.transaction() as conn:
        conn.execute(offer_requests.update().values(phone="123456"))
    (message,) = [r for m in exchange.managed_offers(ws, CMA, today=TODAY) for r in m.requests]
    with pytest.raises(InputError) as refused:
        exchange.turn_into_fiche(ws, CMA, message.id, now=NOW)
    (problem,) = refused.value.problems
    assert problem.source.endswith(str(message.id)) and "123456" in problem.message
    assert [r.fiche for m in exchange.managed_offers(ws, CMA, today=TODAY) for r in m.requests] == [None]


def test_an_erased_message_waits_for_nothing_and_cannot_become_a_fiche(ws):
    """After ``porteur erase --message`` the offer's structure is no longer asked to answer it (desk and page),
    and turning it into a fiche is refused: there is nobody left to write to."""
    from engine.app import porteurs
    from engine.offers.requests import waiting_count

    exchange.send_contact(ws, ws.ids["bakery"], GOOD, address="10.0.0.9", now=NOW)
    (offer,) = [m for m in exchange.managed_offers(ws, CMA, today=TODAY) if m.requests]
    with ws.store.transaction() as conn:
        assert (offer.waiting, waiting_count(conn, "cma-63")) == (1, 1)
    (message,) = offer.requests
    porteurs.erase(ws, COORDINATOR, [], message_ids=[message.id])
    (offer,) = [m for m in exchange.managed_offers(ws, CMA, today=TODAY) if m.requests]
    assert offer.requests[0].erased and offer.waiting == 0
    with ws.store.transaction() as conn:
        assert waiting_count(conn, "cma-63") == 0
    with pytest.raises(InputError, match="effacées"):
        exchange.turn_into_fiche(ws, CMA, message.id, now=NOW)
