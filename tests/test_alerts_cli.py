"""``capactif alerts`` end to end: JSON keys, formats, exit codes, names, bad options, and the fast path.

The fast path (SQL aggregates, replaying only the fiches that need it) is compared with replaying
every fiche's history, on a synthetic year written by ``capactif demo``'s own replay.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from test_alerts_checks import COMMITTEE, DAY, T, add, assign, days

from cli import main
from engine.alerts import AlertFilter, alerts_at
from engine.charter import load_charter

ALERT_KEYS = [
    "fiche",
    "network",
    "commune",
    "stage",
    "check",
    "severity",
    "since",
    "days",
    "message",
    "structures",
    "action",
    "suggested",
    "porteur_name",
]


def run(*args: str):
    return CliRunner().invoke(main, ["alerts", *args])


@pytest.fixture
def seeded(store, store_url, network):
    """One fiche without lead in Ambert, one led in Thiers; the store's URL."""
    add(store, network, name="Camille Martin")
    thiers = add(store, network, commune="63430", naf="47.11B", received_by="cci-thiers", name="Hugo Bayle")
    assign(store, network, thiers, DAY, lead="cci-thiers")
    return store_url


def test_json_keys_are_stable(seeded):
    """--format json: the documented top-level keys, networks, and alert keys, in order."""
    result = run("--db", seeded, "--as-of", days(100).isoformat(), "--format", "json", "--as", "committee")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["as_of", "rules_version", "fiches_checked", "filters", "counts", "networks"]
    assert data["as_of"] == days(100).isoformat() and data["fiches_checked"] == 2
    assert list(data["filters"]) == ["network", "structure", "checks", "min_severity"]
    assert list(data["counts"]) == ["total", "by_severity", "by_check"]
    assert list(data["counts"]["by_severity"]) == ["critical", "warning", "info"]
    assert [n["network"] for n in data["networks"]] == ["thiers", "ambert"]
    assert list(data["networks"][0]) == ["network", "name", "count", "alerts"]
    alert = data["networks"][1]["alerts"][0]
    assert list(alert) == ALERT_KEYS
    assert (alert["check"], alert["network"], alert["since"]) == (
        "no_lead",
        "ambert",
        days(T["no_lead"].days).isoformat(),
    )


def test_committee_output_has_no_names(seeded):
    """The committee (and anonymous callers) never see a porteur's name, in any format; the lead does."""
    as_of = days(100).isoformat()
    for fmt in ("table", "json", "csv", "markdown"):
        for who in ("committee", None):
            args = ["--db", seeded, "--as-of", as_of, "--format", fmt] + (["--as", who] if who else [])
            result = run(*args)
            assert result.exit_code == 0
            assert "Camille" not in result.output and "Hugo" not in result.output
    lead = json.loads(run("--db", seeded, "--as-of", as_of, "--format", "json", "--as", "cci-thiers").output)
    names = {a["fiche"]: a["porteur_name"] for n in lead["networks"] for a in n["alerts"]}
    assert sorted(set(names.values()), key=str) == ["Hugo Bayle", None]


def test_fail_on_sets_the_exit_code(seeded):
    """Exit 1 when an alert at or above --fail-on is shown, 0 otherwise (and without --fail-on)."""
    as_of = days(100).isoformat()
    assert run("--db", seeded, "--as-of", as_of).exit_code == 0
    assert run("--db", seeded, "--as-of", as_of, "--fail-on", "warning").exit_code == 1
    assert run("--db", seeded, "--as-of", as_of, "--fail-on", "critical").exit_code == 0
    assert run("--db", seeded, "--as-of", days(1).isoformat(), "--fail-on", "info").exit_code == 0


def test_table_and_markdown_group_by_network(seeded):
    """The table and Markdown show one section per local network, with its name and count."""
    table = run("--db", seeded, "--as-of", days(100).isoformat()).output
    assert "Réseau local de Thiers: 1 alert(s)" in table and "Réseau local d'Ambert: 2 alert(s)" in table
    markdown = run("--db", seeded, "--as-of", days(100).isoformat(), "--format", "markdown").output
    assert "## Réseau local d'Ambert (2)" in markdown and "| severity | check | fiche |" in markdown
    csv_lines = run("--db", seeded, "--as-of", days(100).isoformat(), "--format", "csv").output.splitlines()
    assert csv_lines[0].startswith("network,fiche,commune,stage,check,severity,since,days")
    assert len(csv_lines) == 4
    empty = run("--db", seeded, "--as-of", days(1).isoformat()).output
    assert "No alert" in empty


def test_bad_options_are_named_with_a_suggestion(seeded):
    """Unknown network, structure and check: exit 2, one line each, with the closest match."""
    result = run("--db", seeded, "--network", "thier", "--structure", "cma63", "--check", "stalld")
    assert result.exit_code == 2
    assert "erreur : --network: réseau local 'thier' introuvable (vouliez-vous dire 'thiers' ?)" in result.output
    assert "erreur : --structure: structure 'cma63' introuvable (vouliez-vous dire 'cma-63' ?)" in result.output
    assert "erreur : --check: contrôle 'stalld' introuvable (vouliez-vous dire 'stalled' ?)" in result.output


def test_help_has_an_example():
    """The command's help ends with an Example block."""
    result = CliRunner().invoke(main, ["alerts", "--help"])
    assert "Exemple :" in result.output and "capactif alerts --as committee" in result.output


@pytest.mark.parametrize("as_of", [dt.date(2026, 1, 15), dt.date(2026, 4, 1), dt.date(2026, 6, 30)])
def test_fast_path_agrees_with_replaying_every_history(store_url, network, as_of):
    """The SQL-aggregate path gives exactly the alerts of a full replay, at the end and in the past."""
    from engine.app import Workspace
    from engine.app.demo import run_demo

    run_demo(Workspace.open(), store_url, fiches=150, seed=11, end=dt.date(2026, 6, 30))
    from engine.store.db import open_store

    store = open_store(store_url)
    charter = load_charter(None)
    try:
        with store.transaction() as conn:
            fast = alerts_at(conn, network, charter, as_of, AlertFilter(), COMMITTEE)
            slow = alerts_at(conn, network, charter, as_of, AlertFilter(), COMMITTEE, replay_all=True)
    finally:
        store.dispose()
    assert fast.alerts and [a.to_dict() for a in fast.alerts] == [a.to_dict() for a in slow.alerts]
    assert fast.fiches == slow.fiches


def test_demo_ends_with_the_committee_alerts(tmp_path):
    """capactif demo prints the committee's alerts after its summary (and in its JSON)."""
    result = CliRunner().invoke(
        main, ["demo", "--fiches", "60", "--db", str(tmp_path / "d.sqlite"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["alerts"]["counts"]["total"] > 0
    assert all(a["porteur_name"] is None for n in data["alerts"]["networks"] for a in n["alerts"])


def test_viewer_structure_is_checked(seeded):
    """--as with an unknown structure is refused like everywhere else."""
    result = run("--db", seeded, "--as", "cci-thier")
    assert result.exit_code == 2 and "vouliez-vous dire 'cci-thiers'" in result.output
