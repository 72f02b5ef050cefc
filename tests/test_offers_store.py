"""Activity offers in the store (SQLite and PostgreSQL): files, lifecycle, contacts, access, the report's figure."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli import main
from engine.app import Workspace
from engine.app import offers as app_offers
from engine.errors import AccessDenied, InputError
from engine.offers.tables import offer_contacts
from engine.report import Period, build_report
from engine.store import queries
from engine.store.db import open_store
from engine.store.schema import events
from tests import report_seed as seed

BAKERY = """\
kind: takeover
title: Boulangerie à reprendre
commune: Ambert
naf: 10.71C
published_on: 2025-03-14
published_in: Villages Magazine
"""


@pytest.fixture(autouse=True)
def _workspaces():
    """Every workspace a test opened is closed at its end."""
    yield
    while _OPENED:
        _OPENED.pop().close()


_OPENED: list[Workspace] = []


def caller(store_url: str, who: str | None = None):
    """(workspace, identity) as ``--db store_url --as who`` would give them."""
    ws = Workspace.open(db=store_url, as_=who)
    _OPENED.append(ws)
    return ws, ws.identity()


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def add_fiche(store_url, network, *, received=dt.date(2025, 3, 1), commune="63003", by="cma-63", **kw) -> str:
    """One fiche received by ``by`` (who is then on it), through the store's own API."""
    store = open_store(store_url)
    try:
        with store.transaction() as conn:
            return seed.add(conn, network, received=received, commune=commune, received_by=by, **kw)
    finally:
        store.dispose()


def test_offer_lifecycle(store_url, network, tmp_path, english):
    """An offer file is stored as O-YYYY-NNNN with where and when it was published, listed open, then closed."""
    (offer,) = app_offers.add_files(*caller(store_url, "coordinator"), [write(tmp_path, "o.yaml", BAKERY)]).offers
    assert offer.id == "O-2025-0001"
    assert (offer.commune, offer.local_network, offer.nature) == ("63003", "ambert", "artisanal")
    assert (offer.published_on, offer.published_in) == (dt.date(2025, 3, 14), "Villages Magazine")
    assert [o.offer.id for o in app_offers.list_offers(*caller(store_url), status="open").offers] == ["O-2025-0001"]
    assert app_offers.list_offers(*caller(store_url), status="open", network="thiers").offers == []
    closed = app_offers.close(
        *caller(store_url, "coordinator"), offer.id, on=dt.date(2025, 9, 30), reason="reprise faite"
    ).offer
    assert (closed.closed_on, closed.closed_reason) == (dt.date(2025, 9, 30), "reprise faite")
    assert app_offers.list_offers(*caller(store_url), status="open").offers == []
    assert [o.to_dict()["status"] for o in app_offers.list_offers(*caller(store_url), status="closed").offers] == [
        "closed"
    ]
    with pytest.raises(InputError, match="already closed on 2025-09-30"):
        app_offers.close(*caller(store_url, "coordinator"), offer.id, on=dt.date(2025, 10, 1))


def test_offer_ids_follow_the_year_of_publication(store_url, network, tmp_path):
    """Ids are numbered per year of publication, in file order."""
    later = BAKERY.replace("2025-03-14", "2026-01-05")
    text = "".join("- " + offer.replace("\n", "\n  ").rstrip() + "\n" for offer in (BAKERY, later))
    offers = app_offers.add_files(*caller(store_url, "coordinator"), [write(tmp_path, "two.yaml", text)]).offers
    assert [o.id for o in offers] == ["O-2025-0001", "O-2026-0001"]


def test_bad_offer_file_reports_every_problem_located(store_url, network, tmp_path):
    """Each problem is reported with file:line:col and a plain message; nothing is stored."""
    path = write(
        tmp_path,
        "bad.yaml",
        """\
        kind: vente
        title: "  "
        commune: Thierz
        naf: 99.99Z
        published_on: 2025-13-01
        publishd_in: Villages
        """,
    )
    with pytest.raises(InputError) as caught:
        app_offers.add_files(*caller(store_url, "coordinator"), [path])
    assert caught.value.lines() == [
        f"{path}:1:1: champ obligatoire 'published_in' manquant",
        f"{path}:1:7: type d’offre 'vente' introuvable (valeurs possibles : takeover, sought)",
        f"{path}:2:8: 'title' est vide : remplissez-le, par ex. 'Boulangerie à reprendre'",
        f"{path}:3:10: commune inconnue 'Thierz' (les plus proches : 63430 Thiers, 63431 Thiolières)",
        f"{path}:4:6: code NAF '99.99Z' introuvable (vouliez-vous dire 99.00Z ?)",
        f"{path}:5:15: 'published_on' doit être une date écrite AAAA-MM-JJ, pas '2025-13-01'",
        f"{path}:6:1: champ 'publishd_in' introuvable (vouliez-vous dire 'published_in' ?)",
    ]
    assert app_offers.list_offers(*caller(store_url)).offers == []


def test_one_bad_offer_in_a_list_stores_none(store_url, network, tmp_path):
    """A list with one bad offer: the second item's problem is located, and the good one is not stored."""
    path = write(
        tmp_path,
        "list.json",
        json.dumps([{**_bakery(), "nature": "artisanal"}, {**_bakery(), "nature": "craft"}], indent=1),
    )
    with pytest.raises(InputError) as caught:
        app_offers.add_files(*caller(store_url, "coordinator"), [path])
    assert caught.value.lines() == [
        f"{path}:18:13: nature 'craft' introuvable (valeurs possibles : artisanal, commercial, agricultural, liberal)"
    ]
    assert app_offers.list_offers(*caller(store_url)).offers == []


def _bakery() -> dict:
    return {
        "kind": "takeover",
        "title": "Boulangerie",
        "commune": "63003",
        "naf": "10.71C",
        "published_on": "2025-03-14",
        "published_in": "Villages Magazine",
    }


def test_committee_and_other_structures_may_not_add(store_url, network, tmp_path, english):
    """The committee reads offers but does not add them; a structure does not publish for another."""
    path = write(tmp_path, "o.yaml", BAKERY)
    with pytest.raises(AccessDenied, match="the committee reads offers but may not add them"):
        app_offers.add_files(*caller(store_url, "committee"), [path])
    other = write(tmp_path, "other.yaml", BAKERY + "published_by: cci-ambert\n")
    with pytest.raises(AccessDenied, match="cma-63 may not add an offer published by cci-ambert"):
        app_offers.add_files(*caller(store_url, "cma-63"), [other])
    (offer,) = app_offers.add_files(*caller(store_url, "cma-63"), [path]).offers
    assert offer.published_by == "cma-63"


def test_contact_is_an_event_on_the_fiche_and_a_row_on_the_offer(store_url, network, tmp_path, english):
    """offer contact writes both records in one transaction; a second contact of the same pair is refused."""
    (offer,) = app_offers.add_files(*caller(store_url, "coordinator"), [write(tmp_path, "o.yaml", BAKERY)]).offers
    fiche = add_fiche(store_url, network)
    contact = app_offers.contact(
        *caller(store_url, "cma-63"), offer.id, fiche, on=dt.date(2025, 4, 2), note="très intéressé"
    ).contact
    assert (contact.offer, contact.fiche, contact.at, contact.by) == (offer.id, fiche, dt.date(2025, 4, 2), "cma-63")
    store = open_store(store_url)
    try:
        with store.transaction() as conn:
            history = queries.history(conn, fiche)
            rows = conn.execute(select(offer_contacts)).mappings().all()
    finally:
        store.dispose()
    last = history[-1]
    assert (last["kind"], last["at"], last["by"]) == ("contact", dt.date(2025, 4, 2), "cma-63")
    assert last["payload"] == {
        "text": "offre O-2025-0001 « Boulangerie à reprendre » — très intéressé",
        "channel": "offer",
    }
    assert [(r["offer_id"], r["fiche_id"], r["at"]) for r in rows] == [(offer.id, fiche, dt.date(2025, 4, 2))]
    with pytest.raises(InputError) as caught:
        app_offers.contact(*caller(store_url, "cma-63"), offer.id, fiche, on=dt.date(2025, 3, 1))
    assert caught.value.lines() == [
        "--date: 2025-03-01 is before offer O-2025-0001 was published (2025-03-14)",
        f"{fiche}: already in contact with offer O-2025-0001 since 2025-04-02",
    ]


def test_contact_follows_the_store_access_rule_and_writes_nothing_when_refused(store_url, network, tmp_path, english):
    """A structure not on the fiche may not record a contact on it: neither the event nor the row is written."""
    (offer,) = app_offers.add_files(*caller(store_url, "coordinator"), [write(tmp_path, "o.yaml", BAKERY)]).offers
    fiche = add_fiche(store_url, network, by="cma-63")
    with pytest.raises(AccessDenied, match=f"cci-ambert may not add a note to fiche {fiche}"):
        app_offers.contact(*caller(store_url, "cci-ambert"), offer.id, fiche, on=dt.date(2025, 4, 2))
    store = open_store(store_url)
    try:
        with store.transaction() as conn:
            assert conn.execute(select(offer_contacts)).first() is None
            kinds = conn.execute(select(events.c.kind).where(events.c.fiche_id == fiche)).scalars().all()
    finally:
        store.dispose()
    assert "contact" not in kinds


def test_contact_after_closing_is_refused(store_url, network, tmp_path, english):
    """Once closed, an offer takes no new contacts dated after its closing day."""
    (offer,) = app_offers.add_files(*caller(store_url, "coordinator"), [write(tmp_path, "o.yaml", BAKERY)]).offers
    fiche = add_fiche(store_url, network)
    app_offers.close(*caller(store_url, "coordinator"), offer.id, on=dt.date(2025, 5, 1))
    with pytest.raises(InputError, match=r"--date: 2025-05-02 is after offer O-2025-0001 was closed \(2025-05-01\)"):
        app_offers.contact(*caller(store_url, "cma-63"), offer.id, fiche, on=dt.date(2025, 5, 2))


def test_installation_through_an_offer_is_shown_and_counted_by_the_report(store_url, network, tmp_path):
    """A fiche linked to the offer it answered (its offer field) and installed is 'via the offer' in offer show and
    in the report; a fiche that only contacted the offer is not, whenever it contacted it."""
    (offer,) = app_offers.add_files(*caller(store_url, "coordinator"), [write(tmp_path, "o.yaml", BAKERY)]).offers
    via = add_fiche(store_url, network, kind="takeover")
    after = add_fiche(store_url, network)
    own = add_fiche(store_url, network, offer=offer.id)
    app_offers.contact(*caller(store_url, "cma-63"), offer.id, via, on=dt.date(2025, 4, 2))
    store = open_store(store_url)
    try:
        with store.transaction() as conn:
            for fid, installed in (
                (via, dt.date(2025, 6, 1)),
                (after, dt.date(2025, 6, 1)),
                (own, dt.date(2025, 7, 1)),
            ):
                seed.assign(conn, network, fid, dt.date(2025, 3, 5), by="cma-63", lead="cma-63")
                seed.move(conn, network, fid, "start_study", dt.date(2025, 3, 10), by="cma-63")
                seed.move(conn, network, fid, "install", installed, by="cma-63", installed_on=installed)
        report = build_report(store, network, Period.year(2025))
    finally:
        store.dispose()
    # 'after' contacts the offer once installed: it did not come from the offer.
    app_offers.contact(*caller(store_url, "cma-63"), offer.id, after, on=dt.date(2025, 6, 15))
    shown = app_offers.show(*caller(store_url, "committee"), offer.id)
    assert [(c.contact.fiche, c.via_offer) for c in shown.contacts] == [(via, False), (after, False)]
    assert shown.installed == [own] and shown.installed_via_offer == 1
    assert report["installed"] == 3
    assert report["installed_via_offer"] == 1  # 'own' by its offer field; a contact is not a link
    assert report["offers_published"] == 1 and report["offer_contacts"] == 1


def test_offer_show_hides_names_and_notes_from_the_committee(store_url, network, tmp_path):
    """Names and contact notes follow the store's rule: shown to the structure on the fiche, not to the committee."""
    (offer,) = app_offers.add_files(*caller(store_url, "coordinator"), [write(tmp_path, "o.yaml", BAKERY)]).offers
    fiche = add_fiche(store_url, network)
    app_offers.contact(*caller(store_url, "cma-63"), offer.id, fiche, on=dt.date(2025, 4, 2), note="appelle lundi")
    committee = app_offers.show(*caller(store_url, "committee"), offer.id).to_dict()["contacts"][0]
    assert (committee["porteur_name"], committee["note"]) == (None, None)
    cma = app_offers.show(*caller(store_url, "cma-63"), offer.id).to_dict()["contacts"][0]
    assert cma["porteur_name"].startswith("Porteur ") and cma["note"] == "appelle lundi"


def test_offer_cli_round_trip(store_url, network, tmp_path):
    """The CLI: add (exit 0), list as JSON with the documented keys, show, contact, close; bad input exits 2."""
    runner = CliRunner()
    base = ["--db", store_url]
    path = write(tmp_path, "o.yaml", BAKERY)
    result = runner.invoke(main, ["offer", "add", path, *base, "--as", "coordinator"])
    assert result.exit_code == 0, result.output
    assert "O-2025-0001 — entreprise à reprendre: Boulangerie à reprendre (63003 Ambert)" in result.output
    listed = json.loads(runner.invoke(main, ["offer", "list", *base, "--format", "json"]).output)
    assert list(listed[0]) == [
        "id",
        "kind",
        "title",
        "description",
        "commune",
        "local_network",
        "naf",
        "nature",
        "published_on",
        "published_in",
        "published_by",
        "closed_on",
        "closed_reason",
        "status",
        "contacts",
    ]
    fiche = add_fiche(store_url, network)
    result = runner.invoke(
        main, ["offer", "contact", "O-2025-0001", fiche, "--date", "2025-04-02", *base, "--as", "cma-63"]
    )
    assert result.exit_code == 0, result.output
    csv_out = runner.invoke(main, ["offer", "list", *base, "--format", "csv"]).output
    assert csv_out.splitlines()[1].startswith("O-2025-0001,open,takeover,Boulangerie à reprendre,63003,ambert,10.71C,")
    shown = runner.invoke(main, ["offer", "show", "O-2025-0001", *base, "--as", "committee"]).output
    assert f"2025-04-02  {fiche} (idée (premier accueil)), noté par cma-63" in shown
    result = runner.invoke(
        main, ["offer", "close", "O-2025-0001", "--date", "2025-03-01", *base, "--as", "coordinator"]
    )
    assert result.exit_code == 2
    assert result.output.strip() == "erreur : --date 2025-03-01 est antérieure à la publication de l'offre (2025-03-14)"
    result = runner.invoke(main, ["offer", "show", "O-2025-0099", *base])
    assert (result.exit_code, result.output.strip()) == (
        2,
        "erreur : aucune offre O-2025-0099 dans la base : 'capactif offer list' montre les offres",
    )
