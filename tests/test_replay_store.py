"""``capactif rules diff --fiches store --db URL`` on a real store (SQLite and PostgreSQL).

The fiches are written with the store's own repository (the functions the CLI calls); the rules are
changed in a temporary copy; ``--as-of`` replays only the fiches received by then and active then,
each as it stood then (stage and commune).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from click.testing import CliRunner
from test_alerts_checks import COORDINATOR, add, move
from test_replay_diff import RULES, move_thiers_to_ambert

from cli import main
from engine.store import repository

AMBERT, THIERS, LAVAUDIEU = "63003", "63430", "43117"
AS_OF = dt.date(2026, 2, 1)
D = dt.date


@pytest.fixture
def stored(store, network):
    """Seven stored fiches; their ids by role."""

    def shop(received, commune=THIERS, naf="47.11B", needs=("honour_loan",)):
        return add(store, network, received=received, commune=commune, naf=naf, needs=needs)

    ids = {
        "thiers_shop": shop(D(2026, 1, 10)),  # its CCI and PFIL are the local network's
        "bakery": shop(D(2026, 1, 11), naf="10.71C", needs=("microcredit",)),  # depends on neither
        "moved_in": shop(D(2026, 1, 12), commune=AMBERT),  # in Ambert until 1 March, in Thiers since
        "abandoned_later": shop(D(2026, 1, 13)),  # active on AS_OF, abandoned on 20 March
        "abandoned_before": shop(D(2026, 1, 14)),  # abandoned on 20 January: closed on AS_OF
        "received_later": shop(D(2026, 4, 16)),  # received after AS_OF
        "lavaudieu": shop(D(2026, 1, 15), commune=LAVAUDIEU),  # local network brioude
    }
    with store.transaction() as conn:
        repository.change_commune(
            conn, ids["moved_in"], THIERS, who=COORDINATOR, network=network, at=D(2026, 3, 1), today=D(2026, 3, 1)
        )
    move(store, network, ids["abandoned_later"], "abandon", D(2026, 3, 20))
    move(store, network, ids["abandoned_before"], "abandon", D(2026, 1, 20))
    return ids


@pytest.fixture
def sides(tmp_path):
    """Two copies of the bundled rules: base, and work (the test changes it)."""
    base, work = tmp_path / "base" / "rules", tmp_path / "work" / "rules"
    shutil.copytree(RULES, base)
    shutil.copytree(RULES, work)
    return base, work


def diff(sides, store_url, *args: str):
    base, work = sides
    argv = ["rules", "diff", "--base", str(base), "--rules", str(work), "--fiches", "store", "--db", store_url]
    return CliRunner().invoke(main, [*argv, "--format", "json", *args])


def changed(result) -> list[str]:
    assert result.exit_code in (0, 1), result.output
    return [c["fiche"] for c in json.loads(result.output)["changes"]]


def test_moving_a_commune_reports_exactly_the_stored_fiches_it_changes(stored, sides, store_url, english):
    """Thiers moved to local network ambert: every stored Thiers fiche depending on it, and only those."""
    move_thiers_to_ambert(sides[1])
    result = diff(sides, store_url)
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    ids = stored
    expected = ["thiers_shop", "moved_in", "abandoned_later", "abandoned_before", "received_later"]
    assert (data["source"], data["as_of"], data["fiches"]) == ("store", None, 7)
    assert changed(result) == sorted(ids[name] for name in expected)
    first = data["changes"][0]
    assert (first["fiche"], first["commune"], first["local_network"]) == (ids["thiers_shop"], THIERS, "ambert")
    assert (first["before"]["lead"], first["after"]["lead"]) == ("cci-thiers", "cci-ambert")
    assert first["causes"][0] == "commune 63430 Thiers moved from local network thiers to ambert"
    assert data["by_local_network"] == [
        {"local_network": "ambert", "fiches": 6, "changed": 5, "orphans_before": 0, "orphans_after": 0},
        {"local_network": "brioude", "fiches": 1, "changed": 0, "orphans_before": 0, "orphans_after": 0},
    ]


def test_as_of_keeps_the_fiches_received_and_active_then_as_they_stood(stored, sides, store_url):
    """--as-of: not the fiche received later nor the one closed by then; the moved fiche is in Ambert then."""
    move_thiers_to_ambert(sides[1])
    result = diff(sides, store_url, "--as-of", AS_OF.isoformat())
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert (data["as_of"], data["fiches"]) == (AS_OF.isoformat(), 5)
    assert changed(result) == [stored["thiers_shop"], stored["abandoned_later"]]
    assert data["by_local_network"] == [
        {"local_network": "ambert", "fiches": 4, "changed": 2, "orphans_before": 0, "orphans_after": 0},
        {"local_network": "brioude", "fiches": 1, "changed": 0, "orphans_before": 0, "orphans_after": 0},
    ]
    before_the_move = diff(sides, store_url, "--as-of", "2026-02-28")
    assert stored["moved_in"] not in changed(before_the_move)
    after_the_move = diff(sides, store_url, "--as-of", "2026-03-01")
    assert stored["moved_in"] in changed(after_the_move)


def test_a_structure_territory_change_reports_only_the_fiches_it_leads(stored, sides, store_url, english):
    """The CCI of Brioude no longer covers its local network: only the Lavaudieu fiche changes lead."""
    path = sides[1] / "structures" / "cci-brioude.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  local_networks: [brioude]" in text
    path.write_text(text.replace("  local_networks: [brioude]", '  communes: ["43048"]', 1), encoding="utf-8")
    result = diff(sides, store_url)
    assert result.exit_code == 1, result.output
    [change] = json.loads(result.output)["changes"]
    assert (change["fiche"], change["before"]["lead"], change["after"]["lead"]) == (
        stored["lavaudieu"],
        "cci-brioude",
        "adret",
    )
    assert change["causes"] == ["structure cci-brioude changed (territory)"]


def test_unchanged_rules_over_the_store_exit_0(stored, sides, store_url):
    """The same rules on both sides: the stored fiches are replayed and none changes."""
    result = diff(sides, store_url)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["fiches"], data["changed"]) == (7, 0)


def test_a_db_without_a_store_is_named_and_not_created(sides, tmp_path):
    """--db naming a SQLite file that does not exist: exit 2, the error says to pass files, nothing created."""
    missing = tmp_path / "none.sqlite"
    result = diff(sides, str(missing))
    assert result.exit_code == 2
    assert (
        result.output == "erreur : --fiches: pas encore de base : passez des fichiers de fiches avec --fiches FICHIER\n"
    )
    assert not missing.exists()
