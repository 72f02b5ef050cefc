"""Alerts at a past ``--as-of`` place a fiche that later moved to another commune in its local network of then.

A fiche received in Ambert (local network ambert) moves to Thiers (local network thiers) with
``capactif fiche edit --commune`` after the day D: its alerts on D are Ambert's, today Thiers's,
on SQLite and PostgreSQL, on the fast path (SQL aggregates) and when every history is replayed.
"""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from test_alerts_checks import add

from cli import main
from engine.readmodel import load_views, local_networks_of

AMBERT, THIERS = "63003", "63430"
RECEIVED = dt.date(2026, 1, 5)
D = dt.date(2026, 3, 1)  # the last day in Ambert (more than 21 days after reception: no_lead)
MOVED = D + dt.timedelta(days=1)


def alerts(store_url, *args: str) -> dict:
    result = CliRunner().invoke(main, ["alerts", "--db", store_url, "--format", "json", "--as", "committee", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def placed(data: dict) -> dict[str, set[str]]:
    """The fiches of each local network group of an alerts report."""
    return {g["network"]: {a["fiche"] for a in g["alerts"]} for g in data["networks"]}


def moved_fiche(store, store_url, network) -> tuple[str, str]:
    """A fiche moved from Ambert to Thiers on MOVED with the CLI, and one that stays in Ambert."""
    moved = add(store, network, received=RECEIVED, commune=AMBERT)
    stays = add(store, network, received=RECEIVED, commune=AMBERT)
    edit = ["fiche", "edit", moved, "--commune", "Thiers", "--date", MOVED.isoformat(), "--as", "coordinator"]
    result = CliRunner().invoke(main, [*edit, "--db", store_url])
    assert result.exit_code == 0, result.output
    return moved, stays


def test_a_fiche_moved_after_as_of_is_alerted_in_its_network_of_then(store, store_url, network):
    """--as-of D: the moved fiche is under ambert (and not thiers); today it is under thiers (and not ambert)."""
    moved, stays = moved_fiche(store, store_url, network)
    then = alerts(store_url, "--as-of", D.isoformat())
    assert placed(then) == {"ambert": {moved, stays}}
    alert = next(a for g in then["networks"] for a in g["alerts"] if a["fiche"] == moved)
    assert (alert["network"], alert["commune"]) == ("ambert", AMBERT)
    now = alerts(store_url)
    assert placed(now) == {"thiers": {moved}, "ambert": {stays}}


def test_network_filter_at_as_of_follows_the_commune_of_then(store, store_url, network):
    """--network ambert --as-of D keeps the moved fiche and counts it; --network thiers at D neither."""
    moved, stays = moved_fiche(store, store_url, network)
    ambert_then = alerts(store_url, "--as-of", D.isoformat(), "--network", "ambert")
    assert (ambert_then["fiches_checked"], placed(ambert_then)) == (2, {"ambert": {moved, stays}})
    thiers_then = alerts(store_url, "--as-of", D.isoformat(), "--network", "thiers")
    assert (thiers_then["fiches_checked"], thiers_then["networks"]) == (0, [])
    thiers_now = alerts(store_url, "--network", "thiers")
    assert (thiers_now["fiches_checked"], placed(thiers_now)) == (1, {"thiers": {moved}})
    ambert_now = alerts(store_url, "--network", "ambert")
    assert (ambert_now["fiches_checked"], placed(ambert_now)) == (1, {"ambert": {stays}})


def test_the_load_places_the_moved_fiche_alike_on_the_fast_path_and_the_full_replay(store, store_url, network):
    """load_views: commune and local network of D for the moved fiche, whether or not every history is replayed."""
    moved, _ = moved_fiche(store, store_url, network)
    networks = local_networks_of(network.territory)
    for replay_all in (False, True):
        with store.transaction() as conn:
            then = {v.id: v for v in load_views(conn, D, local_networks=networks, replay_all=replay_all)}
            later = {v.id: v for v in load_views(conn, MOVED, local_networks=networks, replay_all=replay_all)}
        assert (then[moved].commune, then[moved].local_network) == (AMBERT, "ambert")
        assert (later[moved].commune, later[moved].local_network) == (THIERS, "thiers")


def test_the_agenda_of_then_shows_the_alert_in_its_network_of_then(store, store_url, network):
    """The Ambert agenda of March 2026 (prepared on D) lists the moved fiche's alert under ambert."""
    from tests.agenda_seed import make_agenda

    moved, _ = moved_fiche(store, store_url, network)
    agenda = make_agenda(store_url, None, None, "ambert", "2026-03", "coordinator")
    assert agenda["as_of"] == D.isoformat()
    found = [a for a in agenda["alerts"] if a["fiche"] == moved]
    assert "no_lead" in {a["check"] for a in found}
    assert {(a["network"], a["commune"]) for a in found} == {("ambert", AMBERT)}
