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
    "command",
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
    assert list(data) == ["as_of", "rules_version", "fiches_checked", "filters", "counts", "summary", "networks"]
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
    # the summary: counts per local network × check (every check), the most urgent in full, how many more
    summary = data["summary"]
    assert list(summary) == ["by_network", "most_urgent", "more"]
    assert [(n["network"], n["total"]) for n in summary["by_network"]] == [("thiers", 1), ("ambert", 2)]
    assert list(summary["by_network"][1]["by_check"]) == list(data["counts"]["by_check"])
    assert sum(n["by_check"]["no_lead"] for n in summary["by_network"]) == data["counts"]["by_check"]["no_lead"]
    assert [list(a) for a in summary["most_urgent"]] == [ALERT_KEYS] * 3 and summary["more"] == 0


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


def test_table_and_markdown_start_with_the_summary_and_group_by_network_with_all(seeded):
    """By default the counts per check × local network and the most urgent; --all adds one section per
    local network, with its name and count; CSV always has every alert."""
    as_of = days(100).isoformat()
    table = run("--db", seeded, "--as-of", as_of).output
    assert table.splitlines()[0] == f"Alertes au {as_of} : 3 alertes — 2 fiches vérifiées (3 attention)"
    assert "Alertes par contrôle et par réseau local" in table and "Les 3 alertes les plus urgentes" in table
    assert "Réseau local de Thiers : 1 alerte" not in table
    full = run("--db", seeded, "--as-of", as_of, "--all").output
    assert "Réseau local de Thiers : 1 alerte" in full and "Réseau local d'Ambert : 2 alertes" in full
    markdown = run("--db", seeded, "--as-of", as_of, "--format", "markdown").output
    assert "| contrôle | thiers | ambert | total |" in markdown
    assert "| sans référent (no_lead) | 0 | 1 | 1 |" in markdown and "| total | 1 | 2 | 3 |" in markdown
    assert "## Réseau local d'Ambert" not in markdown
    markdown = run("--db", seeded, "--as-of", as_of, "--format", "markdown", "--all").output
    assert "## Réseau local d'Ambert : 2 alertes" in markdown
    assert "| gravité | contrôle | fiche | depuis | constat | à faire |" in markdown
    csv_lines = run("--db", seeded, "--as-of", as_of, "--format", "csv").output.splitlines()
    assert csv_lines[0].startswith("network,fiche,commune,stage,check,severity,since,days")
    assert csv_lines[0].endswith(",porteur_name,command")
    assert len(csv_lines) == 4
    empty = run("--db", seeded, "--as-of", days(1).isoformat()).output
    assert "Aucune alerte" in empty
    english = CliRunner().invoke(main, ["--lang", "en", "alerts", "--db", seeded, "--as-of", days(1).isoformat()])
    assert "No alert: every fiche checked is followed as the charter asks." in english.output


def test_the_default_output_shows_ten_alerts_and_says_how_many_more(store_url, network):
    """On a demo year: the ten most urgent (most serious, then oldest), and the count of the others."""
    from engine.app import Workspace
    from engine.app.demo import run_demo

    run_demo(Workspace.open(), store_url, fiches=120, seed=5, end=dt.date(2026, 6, 30))
    data = json.loads(run("--db", store_url, "--as-of", "2026-06-30", "--format", "json").output)
    urgent = data["summary"]["most_urgent"]
    assert len(urgent) == 10 and data["summary"]["more"] == data["counts"]["total"] - 10 > 0
    rank = {"critical": 0, "warning": 1, "info": 2}
    keys = [(rank[a["severity"]], a["since"]) for a in urgent]
    assert keys == sorted(keys)
    every = [(rank[a["severity"]], a["since"]) for n in data["networks"] for a in n["alerts"]]
    assert keys == sorted(every)[:10]  # nothing more urgent was left out
    text = run("--db", store_url, "--as-of", "2026-06-30").output
    assert f"{data['summary']['more']} autres alertes : la liste complète avec la commande ci-dessous" in text
    assert all(a["fiche"] in text for a in urgent)
    assert len(run("--db", store_url, "--as-of", "2026-06-30", "--all").output) > 2 * len(text)


def test_the_summary_ends_with_a_command_that_runs_as_printed(store_url, tmp_path):
    """The summary's last line is the command listing every alert of this run (its day, filters, caller and
    store): run by a shell from another directory, with no capactif variable set, it lists exactly them."""
    import os
    import shlex
    import subprocess

    from engine.app import Workspace
    from engine.app.demo import run_demo

    run_demo(Workspace.open(), store_url, fiches=120, seed=5, end=dt.date(2026, 6, 30))
    asked = ["--db", store_url, "--as-of", "2026-06-30", "--min-severity", "warning", "--as", "coordinator"]
    text = run(*asked).output
    *_, more, command = text.splitlines()
    assert "autres alertes : la liste complète avec la commande ci-dessous" in more and command.startswith("    ")
    words = shlex.split(command)
    assert words[words.index("--as") + 1] == "coordinator" and words[words.index("--min-severity") + 1] == "warning"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAPACTIF_")}
    listed = subprocess.run(command.strip(), shell=True, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr[-2000:]
    data = subprocess.run(
        [*words, "--format", "json"], env=env, capture_output=True, text=True, cwd=tmp_path, check=True
    )
    expected = json.loads(run(*asked, "--format", "json").output)
    assert json.loads(data.stdout) == expected
    alerts = [a for n in expected["networks"] for a in n["alerts"]]
    assert len(alerts) > 10 and all(a["fiche"] in listed.stdout for a in alerts)


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
