"""Each figure of the yearly report on the examples of docs/report.md ("Examples"), one small store each.

The 2004 report counted porteurs with a référent (not fiches), structures that *acted* beside the
référent (not those merely listed), creations and takeovers (not developments) and installations
linked to the offer they answered (not any fiche that once contacted it): these tests pin each of
those meanings down on the documented example.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from cli import main
from engine import porteurs
from engine.offers import repository as offers_repo
from engine.offers import requests as offer_requests
from engine.report import Period, build_report
from engine.store import porteur_keys
from engine.store.schema import porteur_keys as porteur_keys_table
from tests import report_seed as seed

D = dt.date
BACKENDS = [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
HERE = {"commune": "63003", "received_by": "cc-ambert"}
Y2025 = Period.year(2025)


@pytest.fixture(scope="module")
def net():
    return seed.network()


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    with seed.temporary_store(request.param, tmp_path) as s:
        yield s


@pytest.fixture
def sqlite_store(tmp_path):
    with seed.temporary_store("sqlite", tmp_path) as s:
        yield s


def report(store, net, period=Y2025):
    return build_report(store, net, period)


def test_projects_met_and_closed(sqlite_store, net):
    """F-2025-0012 received in March, abandoned in April: met and abandoned in 2025; a December 2024 fiche is not."""
    with sqlite_store.transaction() as conn:
        met = seed.add(conn, net, received=D(2025, 3, 3), **HERE)
        seed.move(conn, net, met, "abandon", D(2025, 4, 10), by="cc-ambert")
        earlier = seed.add(conn, net, received=D(2024, 12, 20), **HERE)
        seed.move(conn, net, earlier, "redirect", D(2025, 1, 5), by="cc-ambert")
    r = report(sqlite_store, net)
    assert (r["projects_met"], r["abandoned"], r["redirected"]) == (1, 1, 0)
    assert r["ratios"]["abandoned"] == 1.0 and r["ratios"]["redirected"] == 0.0


def test_a_porteur_with_two_fiches_counts_once(store, net):
    """Hélène Dupuy met twice (written two ways) is one porteur with a référent; two Camille Martin are two."""
    people = [
        {"name": "Hélène Dupuy", "email": "helene.dupuy@example.org"},
        {"name": "DUPUY  Helene", "email": " Helene.Dupuy@Example.org"},
        {"name": "Camille Martin", "email": "camille.martin@example.org"},
        {"name": "Camille Martin", "email": "c.martin@example.org"},
        {"name": "Louis Bayle", "phone": "+33 6 99 12 34 56"},
        {"name": "Bayle Louis", "phone": "06.99.12.34.56"},
        {"name": "Louis Bayle"},  # no e-mail, no phone: not recognised, its own porteur
    ]
    with store.transaction() as conn:
        for i, person in enumerate(people):
            fid = seed.add(conn, net, received=D(2025, 3, 1 + i), porteur=person, **HERE)
            seed.assign(conn, net, fid, D(2025, 3, 10 + i), by="cma-63", lead="cma-63")
    r = report(store, net)
    assert r["projects_met"] == 7
    assert r["with_referent"] == 5  # Hélène, Camille ×2, Louis (phone), Louis (nothing to recognise him by)
    assert r["ratios"]["with_referent"] == round(5 / 7, 4)


def test_erasing_a_porteur_keeps_the_count_but_not_the_link_to_the_person(sqlite_store, net):
    """After an erasure the fiches stay grouped (same figures), and no digest can be recomputed from the name."""
    person = {"name": "Hélène Dupuy", "email": "helene.dupuy@example.org"}
    with sqlite_store.transaction() as conn:
        ids = [seed.add(conn, net, received=D(2025, 3, d), porteur=dict(person), **HERE) for d in (3, 20)]
        for fid in ids:
            seed.assign(conn, net, fid, D(2025, 4, 1), by="cma-63", lead="cma-63")
    before = report(sqlite_store, net)["with_referent"]
    with sqlite_store.transaction() as conn:
        key = porteur_keys.secret(conn)
        for fid in ids:
            porteurs.erase(conn, fid, who=seed.COORDINATOR, at=D(2025, 5, 1))
        stored = set(conn.execute(select(porteur_keys_table.c.digest)).scalars())
        groups = porteur_keys.porteurs_of(conn)
    assert before == report(sqlite_store, net)["with_referent"] == 1
    assert groups == {ids[0]: ids[0], ids[1]: ids[0]}
    assert not stored & porteur_keys.digests(key, person["name"], person["email"], None)


def test_editing_the_porteur_moves_the_fiche_to_its_porteur(sqlite_store, net):
    """A fiche whose e-mail is corrected to the porteur's joins the porteur's other fiche."""
    from engine.store import repository

    with sqlite_store.transaction() as conn:
        a = seed.add(
            conn, net, received=D(2025, 3, 3), porteur={"name": "Léa Roux", "email": "lea@example.org"}, **HERE
        )
        b = seed.add(
            conn, net, received=D(2025, 3, 9), porteur={"name": "Léa Roux", "email": "lea@exemple.org"}, **HERE
        )
        for fid in (a, b):
            seed.assign(conn, net, fid, D(2025, 3, 12), by="cma-63", lead="cma-63")
    assert report(sqlite_store, net)["with_referent"] == 2
    with sqlite_store.transaction() as conn:
        repository.edit_fiche(
            conn, b, {"porteur.email": "lea@example.org"}, who=seed.COORDINATOR, network=net, at=D(2025, 3, 20),
            today=seed.TODAY,
        )  # fmt: skip
    assert report(sqlite_store, net)["with_referent"] == 1


@given(
    words=st.lists(st.sampled_from(["Hélène", "Dupuy", "Jean-Marc", "Chassaigne", "Léa"]), min_size=1, max_size=3),
    upper=st.booleans(),
    reverse=st.booleans(),
    spaces=st.integers(1, 3),
)
def test_the_same_porteur_written_another_way_has_the_same_digest(words, upper, reverse, spaces):
    """Case, accents, word order and spacing of the name, case of the e-mail and format of the phone do not matter."""
    name = " ".join(words)
    other = (" " * spaces).join(reversed(words) if reverse else words)
    other = other.upper() if upper else other
    assert porteur_keys.digests("k", name, "a@b.org", "06 99 00 11 22") == porteur_keys.digests(
        "k", other, "A@B.ORG ", "+33 699001122"
    )
    assert porteur_keys.digests("k", name, "a@b.org", None) != porteur_keys.digests("k2", name, "a@b.org", None)


def test_a_digest_is_the_one_stores_already_hold():
    """HMAC-SHA-256 of 'name\\x1fkind\\x1fvalue' under the store's key, as written since migration 0720: a fiche
    imported now is grouped with the same porteur's fiches stored before."""
    import hashlib
    import hmac

    def before(kind: str, value: str) -> str:
        message = f"dupuy helene\x1f{kind}\x1f{value}".encode()
        return hmac.new(b"k3y", message, hashlib.sha256).hexdigest()

    assert porteur_keys.digests("k3y", "Hélène Dupuy", "Helene@Ex.org", "04 73 82 00 00") == {
        before("email", "helene@ex.org"),
        before("phone", "0473820000"),
    }


def test_network_effect_is_another_structure_acting_once_there_is_a_referent(store, net):
    """The four examples of docs/report.md: acted, only listed, first welcome only, hand-over."""
    with store.transaction() as conn:
        acted = seed.add(conn, net, received=D(2025, 4, 1), **HERE)
        seed.assign(conn, net, acted, D(2025, 4, 8), by="cma-63", lead="cma-63", supports=["pfil-ambert"])
        seed.contact(conn, acted, D(2025, 5, 2), by="pfil-ambert")
        listed = seed.add(conn, net, received=D(2025, 4, 1), **HERE)
        seed.assign(conn, net, listed, D(2025, 4, 8), by="cma-63", lead="cma-63", supports=["pfil-ambert"])
        seed.contact(conn, listed, D(2025, 5, 2), by="cma-63")
        welcomed = seed.add(conn, net, received=D(2025, 4, 1), **HERE)
        seed.contact(conn, welcomed, D(2025, 4, 2), by="cc-ambert")
        seed.assign(conn, net, welcomed, D(2025, 4, 9), by="cci-ambert", lead="cci-ambert")
        seed.move(conn, net, welcomed, "start_study", D(2025, 4, 20), by="cci-ambert")
        handed = seed.add(conn, net, received=D(2025, 4, 1), **HERE)
        seed.assign(conn, net, handed, D(2025, 4, 5), by="cci-thiers", lead="cci-thiers")
        seed.move(conn, net, handed, "start_study", D(2025, 4, 20), by="cci-thiers")
        seed.assign(conn, net, handed, D(2025, 6, 1), by="cma-63", lead="cma-63")
        seed.contact(conn, handed, D(2025, 6, 3), by="cma-63")
    assert report(store, net)["network_effect"] == 1  # only 'acted'
    with store.transaction() as conn:
        seed.contact(conn, handed, D(2025, 7, 1), by="cci-thiers")  # the former référent acts after the hand-over
    r = report(store, net)
    assert r["network_effect"] == 2 and r["projects_met"] == 4


def test_installed_counts_creations_and_takeovers_developments_apart(sqlite_store, net):
    """A creation received in 2024 and installed in 2025 counts in 2025; a development has its own line."""
    with sqlite_store.transaction() as conn:
        creation = seed.add(conn, net, received=D(2024, 11, 4), **HERE)
        seed.installed(conn, net, creation, D(2025, 6, 2))
        takeover = seed.add(conn, net, received=D(2025, 1, 4), kind="takeover", **HERE)
        seed.installed(conn, net, takeover, D(2025, 9, 2))
        development = seed.add(conn, net, received=D(2025, 1, 6), kind="development", **HERE)
        seed.installed(conn, net, development, D(2025, 5, 5))
        seed.move(conn, net, creation, "start_follow_up", D(2025, 9, 10), by="cma-63")
        seed.move(conn, net, takeover, "start_follow_up", D(2026, 1, 5), by="cma-63")
    r = report(sqlite_store, net)
    assert (r["installed"], r["developments_installed"], r["installed_with_follow_up"]) == (2, 1, 1)
    days = [(D(2025, 6, 2) - D(2024, 11, 4)).days, (D(2025, 9, 2) - D(2025, 1, 4)).days]  # 210 and 241
    assert r["median_days"]["reception_to_installation"] == sum(days) / 2
    assert report(sqlite_store, net, Period.year(2026))["installed_with_follow_up"] == 0  # installed in 2025


def test_offer_contacts_and_installations_through_an_offer(store, net):
    """Four fiches' contacts and two enquiries that never became a fiche make six contacts; only the fiche
    linked to the offer it answered is an installation through the offer."""
    with store.transaction() as conn:
        offer = offers_repo.add_offer(
            conn, net, seed.COORDINATOR, kind="takeover", title="Boulangerie", commune="63010",
            published_on=D(2025, 3, 1), published_in="Villages Magazine", naf="10.71C",
        )  # fmt: skip
        linked = seed.add(conn, net, received=D(2025, 3, 10), offer=offer.id, **HERE)
        contacted = seed.add(conn, net, received=D(2025, 3, 10), **HERE)
        others = [seed.add(conn, net, received=D(2025, 3, 12), **HERE) for _ in range(2)]
        for fid in (linked, contacted, *others):
            offers_repo.add_contact(conn, seed.COORDINATOR, offer.id, fid, D(2025, 4, 2), today=seed.TODAY)
        for i in range(2):
            offer_requests.add_request(
                conn, offer.id, name=f"Visiteur {i}", email=f"v{i}@example.org", phone=None, message="intéressé",
                consent=True, sender=f"s{i}", now=dt.datetime(2025, 4, 5, 10, tzinfo=dt.UTC),
            )  # fmt: skip
        seed.installed(conn, net, linked, D(2025, 7, 1))
        seed.installed(conn, net, contacted, D(2025, 7, 1))
    r = report(store, net)
    assert (r["offers_published"], r["offer_contacts"], r["installed"], r["installed_via_offer"]) == (1, 6, 2, 1)


def test_activities_still_active_one_year_on(sqlite_store, net):
    """Active recorded after the anniversary, ceased before it, nothing recorded: 1 active of 2 known, 3 reached it."""
    with sqlite_store.transaction() as conn:
        for installed_on, record in (
            (D(2024, 3, 1), (D(2025, 4, 1), "active")),
            (D(2024, 5, 1), (D(2024, 12, 1), "ceased")),
            (D(2024, 6, 3), None),
            (D(2024, 7, 1), (D(2025, 9, 1), "ceased")),  # ceased after its anniversary: active on it
        ):
            fid = seed.add(conn, net, received=installed_on - dt.timedelta(days=90), **HERE)
            seed.installed(conn, net, fid, installed_on)
            if record:
                seed.contact(conn, fid, record[0], by="cma-63", activity=record[1])
    s = report(sqlite_store, net)["survival"]
    assert s["one_year"] == {"installed": 4, "known": 3, "active": 2, "share": round(2 / 3, 4)}
    assert s["three_years"] == {"installed": 0, "known": 0, "active": 0, "share": None}


def test_fiche_note_records_the_activity_in_french_and_refuses_it_before_installation(sqlite_store, net):
    """`fiche note --activity cessée` is accepted once installed; refused before, and an unknown word is refused."""
    with sqlite_store.transaction() as conn:
        fid = seed.add(conn, net, received=D(2025, 1, 6), **HERE)
    runner = CliRunner()
    args = ["fiche", "note", fid, "visite de suivi", "--activity", "cessée", "--as", "coordinator"]
    refused = runner.invoke(main, [*args, "--db", sqlite_store.url])
    assert refused.exit_code == 2 and "--activity" in refused.output
    with sqlite_store.transaction() as conn:
        seed.installed(conn, net, fid, D(2025, 3, 1))
    done = runner.invoke(main, [*args, "--date", "2025-04-01", "--db", sqlite_store.url, "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["events"][0]["payload"]["activity"] == "ceased"
    unknown = runner.invoke(
        main, [*args[:-4], "--activity", "peut-être", "--as", "coordinator", "--db", sqlite_store.url]
    )
    assert unknown.exit_code == 2 and "peut-être" in unknown.output
