"""capactif alerts as the committee and technicians read it: CSV/Markdown/table rows, the demo's summary,
and the suggested actions when the lead routing would choose is full or the follow-up has nobody to take it."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from test_alerts_checks import CHARTER, COMMITTEE, COORDINATOR, DAY, T, add, alerts, assign, days, edit, move, one

from cli import main
from engine import network as network_module
from engine.alerts import AlertFilter, alerts_at
from engine.fiche import Fiche
from engine.render import render
from engine.store import repository

AS_OF = days(100)


def run(*args: str):
    """``capactif --lang en alerts …``: the English msgids are asserted here, the French in test_alerts_french.py."""
    return CliRunner().invoke(main, ["--lang", "en", "alerts", *args], env={"CAPACTIF_AS": ""})


@pytest.fixture(autouse=True)
def _english():
    """Messages built outside the command line (alerts_at, render) in English too."""
    from engine import i18n

    with i18n.using("en"):
        yield


@pytest.fixture
def seeded(store, store_url, network):
    """One fiche without lead in Ambert (Camille Martin), one led by cci-thiers in Thiers (Hugo Bayle)."""
    ambert = add(store, network, name="Camille Martin")
    thiers = add(store, network, commune="63430", naf="47.11B", received_by="cci-thiers", name="Hugo Bayle")
    assign(store, network, thiers, DAY, lead="cci-thiers")
    return store_url, ambert, thiers


def test_csv_is_one_row_per_alert_with_network_first(seeded):
    """--format csv: the documented columns, one row per alert in network order, lists joined with '|'."""
    url, ambert, thiers = seeded
    result = run("--db", url, "--as-of", AS_OF.isoformat(), "--format", "csv", "--as", "cci-thiers")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert result.output.splitlines()[0] == (
        "network,fiche,commune,stage,check,severity,since,days,message,structures,action,suggested,porteur_name,command"
    )
    assert [(r["network"], r["fiche"], r["check"]) for r in rows] == [
        ("thiers", thiers, "stalled"),
        ("ambert", ambert, "no_lead"),
        ("ambert", ambert, "stalled"),
    ]
    no_lead = rows[1]
    assert no_lead == {
        "network": "ambert",
        "fiche": ambert,
        "commune": "63003",
        "stage": "idea",
        "check": "no_lead",
        "severity": "warning",
        "since": days(T["no_lead"].days).isoformat(),
        "days": str(100 - T["no_lead"].days),
        "message": f"no référent 100 days after reception (threshold {T['no_lead'].days} days)",
        "structures": "cma-63",
        "action": "Assign a référent: Chambre de Métiers et de l'Artisanat du Puy-de-Dôme (routing's suggestion)",
        "suggested": "cma-63",
        "porteur_name": "",  # cci-thiers is not on the Ambert fiche
        "command": f"capactif fiche assign {ambert} --lead cma-63",
    }
    assert rows[0]["porteur_name"] == "Hugo Bayle"  # its own fiche


def test_markdown_and_table_name_the_porteur_for_those_allowed(seeded):
    """The lead sees '<fiche> (<porteur>)' in the fiche column; other fiches keep the bare id."""
    url, ambert, thiers = seeded
    args = ("--db", url, "--as-of", AS_OF.isoformat(), "--format", "markdown", "--as", "cci-thiers", "--all")
    markdown = run(*args).output
    lines = markdown.splitlines()
    assert lines[0] == "# Alerts on 2026-06-10: 3 alerts — 2 fiches checked (3 warning)"
    assert lines[2].startswith("Rules ") and lines[2].endswith(".")
    start = lines.index("## Réseau local de Thiers: 1 alert")
    assert lines[start + 2] == "| severity | check | fiche | since | what was found | what to do |"
    assert f"| warning | no news | {thiers} (Hugo Bayle) | 2026-04-16 (55 days) |" in markdown
    assert f"| warning | no référent | {ambert} | 2026-03-23 (79 days) |" in markdown
    table = run("--db", url, "--as-of", AS_OF.isoformat(), "--as", "cci-thiers").output
    assert "Hugo" in table
    assert "Camille" not in table and "Camille" not in markdown


def test_markdown_without_alerts_says_so(seeded):
    """Before any threshold is reached the Markdown minutes say there is no alert (exit 0)."""
    url, _, _ = seeded
    result = run("--db", url, "--as-of", days(1).isoformat(), "--format", "markdown")
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "No alert: every fiche checked is followed as the charter asks."
    assert result.output.splitlines()[0] == "# Alerts on 2026-03-03: 0 alerts — 2 fiches checked"
    assert "## " not in result.output


def test_summary_counts_per_network_and_lists_the_most_serious(seeded, store, network):
    """The demo's summary: counts per local network and check, then the most serious and oldest alerts."""
    _, ambert, thiers = seeded
    with store.transaction() as conn:
        run_ = alerts_at(conn, network, CHARTER, AS_OF, AlertFilter(), COMMITTEE)
    text = render(run_, "summary")
    lines = text.splitlines()
    assert lines[0] == "Alerts on 2026-06-10: 3 alerts — 2 fiches checked (3 warning)"
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    assert rows[:3] == [
        ["no référent (no_lead)", "0", "1", "1"],
        ["no news (stalled)", "1", "1", "2"],
        ["total", "1", "2", "3"],
    ]
    assert "The 3 most urgent alerts (most serious first, then the oldest)" in text
    top = [row[2] for row in rows[3:] if row[0] == "warning"]
    assert top == [ambert, ambert, thiers]  # same severity: oldest since first, then fiche id
    assert lines[-1] == "Every alert's data: --format json (or csv)."
    with store.transaction() as conn:
        quiet = alerts_at(conn, network, CHARTER, days(1), AlertFilter(), COMMITTEE)
    assert render(quiet, "summary").splitlines()[::2] == [
        "Alerts on 2026-03-03: 0 alerts — 2 fiches checked",
        "No alert: every fiche checked is followed as the charter asks.",
    ]


# --- suggested actions ----------------------------------------------------------------------------


@pytest.fixture
def rules_copy(tmp_path):
    """A copy of the bundled rules the coordinator may change."""
    import shutil

    target = tmp_path / "rules"
    shutil.copytree(network_module.load(None).rules_dir, target)
    return target


def test_no_lead_when_the_only_competent_lead_is_full_names_only_it(store, rules_copy):
    """cma-63 at capacity: the action names cma-63 as full, not the structures that could never lead it."""
    edit(rules_copy / "structures" / "cma-63.yaml", "id: cma-63", "id: cma-63\ncapacity: 1")
    edit(rules_copy / "routing.yaml", "fallback_lead: [adret]", "fallback_lead: []")
    limited = network_module.load(rules_copy)
    assign(store, limited, add(store, limited), DAY, lead="cma-63")
    waiting = add(store, limited)
    found = one(store, limited, days(T["no_lead"].days), "no_lead")
    assert found.fiche == waiting
    assert found.action == (
        "Every structure able to lead it is at capacity (Chambre de Métiers et de l'Artisanat du Puy-de-Dôme): "
        "the coordinator decides who takes it"
    )
    assert found.suggested == ()


def test_no_lead_when_no_structure_can_lead(store, rules_copy):
    """Without a fallback lead a Loire artisan has no possible lead: the action sends the coordinator to the rules."""
    edit(rules_copy / "routing.yaml", "fallback_lead: [adret]", "fallback_lead: []")
    changed = network_module.load(rules_copy)
    add(store, changed, commune="42039", received_by="adret")
    found = one(store, changed, days(T["no_lead"].days), "no_lead")
    assert found.action == (
        "No structure of the network can lead it: the coordinator names a référent and completes the rules"
    )
    assert found.command == "capactif rules coverage"


def installed(store, net, **fields) -> str:
    """A fiche recorded at stage 'installed' since DAY (as a fiche file may say), led by cma-63 (as it must)."""
    data = {"received": DAY.isoformat(), "received_by": "cma-63", "commune": "63003", "kind": "creation",
            "naf": "10.71C", "stage": "installed", "installed_on": DAY.isoformat(), "lead": "cma-63",
            **fields}  # fmt: skip
    fiche = Fiche.model_validate(data, context=net.fiche_context())
    with store.transaction() as conn:
        (change,) = repository.add_fiches(conn, [fiche], who=COORDINATOR, network=net, at=DAY)
    return change.fiche


def test_follow_up_missing_names_the_structure_already_in_charge(store, network):
    """A follow-up structure recorded on the fiche is the one asked to start it."""
    fiche = installed(store, network, follow_up_by="adie")
    found = one(store, network, days(T["follow_up_missing"].days), "follow_up_missing")
    assert found.action == (
        "Offer the post-creation follow-up: ADIE (Association pour le droit à l'initiative économique)"
    )
    assert found.command == f"capactif fiche move {fiche} start_follow_up --follow-up-by adie"
    assert found.suggested == ("adie",)


def test_follow_up_missing_falls_back_to_routing_then_to_the_coordinator(store, network, rules_copy):
    """The lead if it serves post_creation, else the support routing picks, else the coordinator decides."""
    n = T["follow_up_missing"].days
    fiche = installed(store, network)
    assign(store, network, fiche, DAY, lead="cma-63")
    assert one(store, network, days(n), "follow_up_missing").suggested == ("cma-63",)

    edit(rules_copy / "structures" / "cma-63.yaml", ", post_creation]", "]")
    without_lead = network_module.load(rules_copy)
    found = one(store, without_lead, days(n), "follow_up_missing")
    assert found.suggested == ("pfil-ambert",)  # the most specific structure serving it in Ambert
    assert set(found.structures) == {"cma-63", "pfil-ambert"}

    for path in (rules_copy / "structures").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(", post_creation]", "]").replace("[post_creation]", "[]"), encoding="utf-8")
    nobody = network_module.load(rules_copy)
    found = one(store, nobody, days(n), "follow_up_missing")
    assert found.action == "No structure serves the post-creation follow-up here: the coordinator decides"
    assert found.suggested == () and found.structures == ("cma-63",)


def test_follow_up_missing_not_before_installation_is_recorded(store, network):
    """A fiche still in study raises no follow-up alert, however long ago it was received."""
    fiche = add(store, network)
    assign(store, network, fiche, DAY, lead="cma-63")
    move(store, network, fiche, "start_study", days(1))
    assert alerts(store, network, days(400), "follow_up_missing") == []
