"""offer match: which offers suit a fiche and which fiches suit an offer, ranked with their reasons."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import main
from engine.offers.match import FicheFacts, fiches_for_offer, offers_for_fiche
from engine.offers.model import Offer
from engine.store.db import open_store
from tests import report_seed as seed

#: These tests read the engine's messages word for word in English (the msgids); their French is
#: checked by the catalog tests and tests/test_french_output.py.
pytestmark = pytest.mark.usefixtures("english")

DAY = dt.date(2025, 6, 1)
AMBERT, ARLANC, CERVIERES, THIERS = "63003", "63010", "42034", "63430"


def offer(oid: str, kind: str = "takeover", naf: str | None = "10.71C", commune: str = AMBERT, **kw) -> Offer:
    from engine import activities

    nature = kw.pop("nature", activities.nature_of(naf).nature if naf else None)
    values = {
        "id": oid,
        "kind": kind,
        "title": f"Offre {oid}",
        "description": "",
        "commune": commune,
        "local_network": None,
        "naf": naf,
        "nature": nature,
        "published_on": dt.date(2025, 1, 1),
        "published_in": "Villages Magazine",
        "published_by": None,
    }
    values.update(kw)
    return Offer(**values)


def fiche(fid: str = "F-2025-0001", kind: str = "takeover", naf: str | None = "10.71C", commune: str = AMBERT, **kw):
    from engine import activities

    values = {
        "id": fid,
        "commune": commune,
        "kind": kind,
        "naf": naf,
        "nature": activities.nature_of(naf).nature if naf else None,
        "needs": (),
        "stage": "idea",
        "lead": None,
        "received": dt.date(2025, 2, 1),
    }
    values.update(kw)
    return FicheFacts(**values)


OFFERS = [
    offer("O-2025-0001", commune=ARLANC),  # takeover, same code, same intercommunal body
    offer("O-2025-0002"),  # takeover, same code, same commune: the best
    offer("O-2025-0003", kind="sought"),  # a commune seeks: not what a takeover porteur looks for
    offer("O-2025-0004", naf="10.71B"),  # same NAF class 10.71
    offer("O-2025-0005", naf="47.11B"),  # commercial: another nature
    offer("O-2025-0006", commune=THIERS),  # another local network
    offer("O-2025-0007", commune=CERVIERES),  # same local network only
    offer("O-2025-0008", closed_on=dt.date(2025, 5, 1)),  # closed before the day
    offer("O-2025-0009", published_on=dt.date(2025, 7, 1)),  # not published yet
]


def test_offers_for_a_fiche_are_ranked_by_kind_activity_then_territory(network):
    """Kind fit first, then the most precise activity, then the closest place; mismatches and closed offers left out."""
    found = offers_for_fiche(fiche(), OFFERS, network.territory, DAY)
    assert [(m.offer.id, m.kind_fit, m.activity, m.territory) for m in found] == [
        ("O-2025-0002", True, "naf", "commune"),
        ("O-2025-0001", True, "naf", "intercommunal"),
        ("O-2025-0007", True, "naf", "local_network"),
        ("O-2025-0004", True, "naf_class", "commune"),
        ("O-2025-0003", False, "naf", "commune"),
    ]


def test_each_match_says_why(network):
    """The reasons name the kind, the activity and the place in words."""
    best, second, *_ = offers_for_fiche(fiche(), OFFERS, network.territory, DAY)
    assert best.reasons == (
        "entreprise à reprendre: the porteur wants to take over a business (kind reprise / transmission)",
        "same NAF code 10.71C (Boulangerie et boulangerie-pâtisserie)",
        "same commune: 63003 Ambert",
    )
    assert second.reasons[2] == "same intercommunal body: CC Ambert Livradois Forez (Arlanc and Ambert)"
    sought = offers_for_fiche(fiche(), OFFERS, network.territory, DAY)[-1]
    assert sought.reasons[0] == "activité recherchée par une commune, the fiche is a reprise / transmission"


@settings(max_examples=30, deadline=None)
@given(st.permutations(OFFERS))
def test_ranking_does_not_depend_on_the_order_offers_are_read(network, shuffled):
    """The same offers in any order give the same ranking."""
    expected = [m.offer.id for m in offers_for_fiche(fiche(), OFFERS, network.territory, DAY)]
    assert [m.offer.id for m in offers_for_fiche(fiche(), shuffled, network.territory, DAY)] == expected


def test_fiches_for_an_offer(network):
    """For a business to take over: porteurs taking over (kind or need) first; installed or later fiches left out."""
    candidates = [
        fiche("F-2025-0001", kind="creation"),
        fiche("F-2025-0002", kind="creation", needs=("takeover_search",)),
        fiche("F-2025-0003", kind="takeover", commune=CERVIERES),
        fiche("F-2025-0004", kind="takeover", stage="installed"),
        fiche("F-2025-0005", kind="takeover", received=dt.date(2025, 6, 2)),
        fiche("F-2025-0006", kind="creation", naf=None),
        fiche("F-2025-0007", kind="takeover", naf="56.10A"),  # a restaurant: commercial, another nature
    ]
    found = fiches_for_offer(OFFERS[1], candidates, network.territory, DAY)
    assert [(m.fiche.id, m.kind_fit, m.activity, m.territory) for m in found] == [
        ("F-2025-0002", True, "naf", "commune"),
        ("F-2025-0003", True, "naf", "local_network"),
        ("F-2025-0001", False, "naf", "commune"),
        ("F-2025-0006", False, "unspecified", "commune"),
    ]
    assert found[0].reasons[0] == (
        "entreprise à reprendre: the porteur is looking for a business to take over (need takeover_search)"
    )
    assert found[-1].reasons[1] == "the fiche does not say its activity yet (no NAF code or nature)"


def test_an_offer_open_to_any_activity_matches_on_territory(network):
    """A commune seeking 'any shop' (no NAF, no nature) matches a creation nearby, said as such."""
    anything = offer("O-2025-0010", kind="sought", naf=None)
    (m,) = fiches_for_offer(anything, [fiche(kind="creation", naf="47.11B")], network.territory, DAY)
    assert (m.kind_fit, m.activity, m.reasons[1]) == (True, "unspecified", "the offer is open to any activity")


def test_match_cli_on_the_store(store_url, network):
    """offer match F-… and O-… through the CLI: ranked JSON with reasons, names hidden from the committee."""
    from engine.offers import repository as repo

    store = open_store(store_url)
    try:
        with store.transaction() as conn:
            near = repo.add_offer(
                conn,
                network,
                seed.COORDINATOR,
                kind="takeover",
                title="Boulangerie",
                commune="Ambert",
                naf="10.71C",
                published_on=dt.date(2025, 3, 1),
                published_in="Villages Magazine",
            )
            far = repo.add_offer(
                conn,
                network,
                seed.COORDINATOR,
                kind="takeover",
                title="Boulangerie",
                commune="Arlanc",
                naf="10.71C",
                published_on=dt.date(2025, 3, 1),
                published_in="Le Semeur hebdo",
            )
            fid = seed.add(
                conn, network, received=dt.date(2025, 3, 2), commune="63003", received_by="cma-63", kind="takeover"
            )
    finally:
        store.dispose()
    runner = CliRunner()
    result = runner.invoke(main, ["offer", "match", fid, "--db", store_url, "--date", "2025-06-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["subject"], data["subject_type"], data["on"]) == (fid, "fiche", "2025-06-01")
    assert [(m["rank"], m["offer"], m["territory"]) for m in data["matches"]] == [
        (1, near.id, "commune"),
        (2, far.id, "intercommunal"),
    ]
    assert data["matches"][1]["published_in"] == "Le Semeur hebdo"
    for who, visible in (("committee", False), ("cma-63", True)):
        args = ["offer", "match", near.id, "--db", store_url, "--date", "2025-06-01", "--format", "json", "--as", who]
        (m,) = json.loads(runner.invoke(main, args).output)["matches"]
        assert m["fiche"] == fid and (m["porteur_name"] is not None) is visible
    text = runner.invoke(main, ["offer", "match", near.id, "--db", store_url, "--date", "2025-06-01"]).output
    assert f"1. {fid} (idée (premier accueil), référent —)" in text
    assert "     - same commune: 63003 Ambert" in text
    bad = runner.invoke(main, ["offer", "match", "X-1", "--db", store_url])
    assert (bad.exit_code, bad.output.strip()) == (
        2,
        "error: 'X-1' is neither a fiche id (F-2026-0012) nor an offer id (O-2026-0003)",
    )
