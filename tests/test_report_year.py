"""The yearly report on a seeded synthetic year: every figure checked against a count made here from the raw events."""

from __future__ import annotations

import datetime as dt
import json
import statistics

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli import main
from engine.offers.tables import offer_contacts, offers
from engine.report import Period, build_report
from engine.store.access import ROLES
from engine.store.schema import events, fiches
from tests import report_seed as seed

BACKENDS = [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def net():
    """The bundled network."""
    return seed.network()


@pytest.fixture(params=BACKENDS)
def seeded(request, tmp_path, net):
    """A store holding the seeded synthetic year."""
    with seed.temporary_store(request.param, tmp_path) as store:
        with store.transaction() as conn:
            seed.seed_year(conn, net)
        yield store


def expected_from_raw_events(store, net, network=None):
    """The eight figures and two medians, counted directly from the events, fiches and offer tables."""
    with store.transaction() as conn:
        rows = conn.execute(select(events).order_by(events.c.fiche_id, events.c.id)).mappings().all()
        offer_rows = conn.execute(select(offers)).mappings().all()
        contact_rows = conn.execute(select(offer_contacts)).mappings().all()
        people = {r.id: r for r in conn.execute(select(fiches.c.id, fiches.c.porteur_name, fiches.c.porteur_email))}
    by_fiche = {}
    for r in rows:
        by_fiche.setdefault(r["fiche_id"], []).append(r)
    counts = dict.fromkeys(
        [
            "projects_met",
            "network_effect",
            "installed",
            "installed_with_follow_up",
            "installed_via_offer",
        ],
        0,
    )
    with_referent = set()
    to_referent, to_install = [], []
    for fiche_id, evs in by_fiche.items():
        created = evs[0]["payload"]["fiche"]
        received = dt.date.fromisoformat(created["received"])
        commune_net = net.territory.communes[created["commune"]].local_network
        upto = [e for e in evs if e["at"] <= END]
        leads = [e for e in upto if e["kind"] == "lead_assigned"]
        # Network effect: once there is a référent, an act (contact, note, stage change) by another structure.
        lead, effect = None, False
        for e in upto:
            if e["kind"] == "lead_assigned":
                lead = e["payload"]["lead"]
            elif (
                e["kind"] in ("contact", "note", "stage_changed")
                and leads
                and e["id"] > leads[0]["id"]
                and e["by"] not in (None, lead, *ROLES)
            ):
                effect = True
        if START <= received <= END and network in (None, commune_net):
            counts["projects_met"] += 1
            if leads:
                person = people[fiche_id]
                # A porteur with an e-mail is recognised by name and e-mail; without one, the fiche is its own.
                with_referent.add((person.porteur_name, person.porteur_email) if person.porteur_email else fiche_id)
                to_referent.append((leads[0]["at"] - received).days)
            counts["network_effect"] += effect
        installs = [e for e in evs if e["kind"] == "stage_changed" and e["payload"]["to"] == "installed"]
        if installs and created["kind"] != "development":
            installed_on = dt.date.fromisoformat(installs[0]["payload"]["installed_on"])
            if START <= installed_on <= END and network in (None, commune_net):
                counts["installed"] += 1
                to_install.append((installed_on - received).days)
                if any(e["kind"] == "stage_changed" and e["payload"]["to"] == "follow_up" for e in upto):
                    counts["installed_with_follow_up"] += 1
                if created.get("offer"):
                    counts["installed_via_offer"] += 1
    counts["with_referent"] = len(with_referent)
    published = {
        o["id"] for o in offer_rows if START <= o["published_on"] <= END and network in (None, o["local_network"])
    }
    counts["offers_published"] = len(published)
    counts["offer_contacts"] = sum(1 for c in contact_rows if c["offer_id"] in published and c["at"] <= END)
    medians = {
        "reception_to_referent": float(statistics.median(to_referent)) if to_referent else None,
        "reception_to_installation": float(statistics.median(to_install)) if to_install else None,
    }
    return counts, medians


def test_year_figures_match_an_independent_count(seeded, net):
    """Each of the eight figures and both medians equal a direct count over the stored events."""
    report = build_report(seeded, net, Period.year(2025))
    counts, medians = expected_from_raw_events(seeded, net)
    assert {k: report[k] for k in counts} == counts
    assert report["median_days"] == medians
    assert counts["projects_met"] > 50 and counts["installed"] > 10 and counts["installed_via_offer"] > 0
    assert 0 < counts["network_effect"] < counts["projects_met"]


def test_local_networks_partition_the_network(seeded, net):
    """Per local network, each figure matches the independent count, and the networks add up to the whole."""
    report = build_report(seeded, net, Period.year(2025))
    for row in report["by_network"]:
        counts, _ = expected_from_raw_events(seeded, net, row["network"])
        assert {k: row[k] for k in counts} == counts
    for key in ("projects_met", "installed", "offers_published", "offer_contacts"):
        assert sum(r[key] for r in report["by_network"]) == report[key]


def test_report_network_option_restricts(seeded, net):
    """--network ambert reports Ambert's figures, equal to its per-network row."""
    whole = build_report(seeded, net, Period.year(2025))
    ambert = build_report(seeded, net, Period.year(2025), network="ambert")
    row = next(r for r in whole["by_network"] if r["network"] == "ambert")
    assert ambert["projects_met"] == row["projects_met"]
    assert ambert["installed"] == row["installed"]
    assert [r["network"] for r in ambert["by_network"]] == ["ambert"]


def test_year_report_ignores_later_events(seeded, net):
    """Recording 2026 events does not change the 2025 report."""
    before = build_report(seeded, net, Period.year(2025))
    with seeded.transaction() as conn:
        fid = seed.add(conn, net, received=dt.date(2025, 12, 20), commune="63003", received_by="cma-63")
        seed.assign(conn, net, fid, dt.date(2026, 1, 3), by="cma-63", lead="cma-63", supports=["adie"])
    after = build_report(seeded, net, Period.year(2025))
    assert after["projects_met"] == before["projects_met"] + 1
    assert after["with_referent"] == before["with_referent"]
    assert after["network_effect"] == before["network_effect"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_year_boundaries(backend, tmp_path, net):
    """31 December counts in its year, 1 January in the next, for reception and installation alike."""
    with seed.temporary_store(backend, tmp_path) as store:
        with store.transaction() as conn:
            a = seed.add(conn, net, received=dt.date(2024, 12, 31), commune="63003", received_by="cma-63")
            b = seed.add(conn, net, received=dt.date(2025, 1, 1), commune="63003", received_by="cma-63")
            c = seed.add(conn, net, received=dt.date(2025, 12, 31), commune="63003", received_by="cma-63")
            d = seed.add(conn, net, received=dt.date(2026, 1, 1), commune="63003", received_by="cma-63")
            for fid, day in ((a, dt.date(2024, 12, 31)), (b, dt.date(2025, 1, 1))):
                seed.assign(conn, net, fid, day, by="cma-63", lead="cma-63")
                seed.move(conn, net, fid, "start_study", day, by="cma-63")
            seed.move(conn, net, a, "install", dt.date(2025, 1, 1), by="cma-63", installed_on=dt.date(2024, 12, 31))
            seed.move(conn, net, b, "install", dt.date(2025, 12, 31), by="cma-63", installed_on=dt.date(2025, 12, 31))
            seed.assign(conn, net, c, dt.date(2026, 1, 1), by="cma-63", lead="cma-63")
        y2024 = build_report(store, net, Period.year(2024))
        y2025 = build_report(store, net, Period.year(2025))
        y2026 = build_report(store, net, Period.year(2026))
    assert (y2024["projects_met"], y2025["projects_met"], y2026["projects_met"]) == (1, 2, 1)
    assert (y2024["installed"], y2025["installed"], y2026["installed"]) == (1, 1, 0)
    assert y2025["with_referent"] == 1  # c got its référent on 1 January 2026: not in 2025
    assert y2025["median_days"]["reception_to_referent"] == 0.0
    assert y2025["median_days"]["reception_to_installation"] == 364.0
    assert d  # received on 1 January 2026, counted in 2026 only


def test_cli_report_json_keys(seeded, net):
    """report --format json has the documented keys, in order, and no porteur name."""
    result = CliRunner().invoke(main, ["report", "--year", "2025", "--format", "json", "--db", seeded.url])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data)[:10] == [
        "period",
        "network",
        "projects_met",
        "with_referent",
        "network_effect",
        "installed",
        "installed_with_follow_up",
        "offers_published",
        "offer_contacts",
        "installed_via_offer",
    ]
    assert list(data)[10:] == [
        "ratios",
        "first_reception",
        "median_days",
        "developments_installed",
        "abandoned",
        "redirected",
        "survival",
        "by_network",
        "by_structure",
    ]
    assert "Porteur " not in result.output
    assert len(data["by_structure"]) == len(net.structure_ids)


def test_cli_report_bad_options():
    """Conflicting period options and an unknown local network are input errors (exit 2)."""
    runner = CliRunner()
    result = runner.invoke(main, ["report", "--year", "2025", "--from", "2025-01-01", "--to", "2025-02-01"])
    assert result.exit_code == 2
    assert result.output == "erreur : --year: donnez soit --year, soit --from/--to, pas les deux\n"
    result = runner.invoke(main, ["report", "--year", "2025", "--network", "ambret", "--db", "sqlite://"])
    assert result.exit_code == 2
    assert result.output == "erreur : --network: réseau local 'ambret' introuvable (vouliez-vous dire 'ambert' ?)\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "0"], "0 n'est pas dans l'intervalle 2000<=x<=2100"),
        (["--year", "99999"], "99999 n'est pas dans l'intervalle 2000<=x<=2100"),
        (["--from", "0001-01-01", "--to", "2025-12-31"], "'--from' : 0001-01-01 est hors des années"),
        (["--from", "2025-01-01", "--to", "2024-12-31"], "--from: 2025-01-01 est après --to 2024-12-31"),
    ],
)
def test_cli_report_years_outside_the_calendar_are_input_errors(args, message):
    """--year 0 or 99999 and a year-1 --from crashed the report (exit 3, issue 14): each is exit 2 now."""
    result = CliRunner().invoke(main, ["report", *args, "--db", "sqlite://"])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_cli_report_csv_and_markdown(seeded):
    """CSV has one row per scope; Markdown starts with the report's title."""
    runner = CliRunner()
    out = runner.invoke(main, ["report", "--year", "2025", "--format", "csv", "--db", seeded.url]).output
    lines = out.strip().splitlines()
    assert lines[0].startswith("scope,id,projects_met,with_referent,")
    assert lines[1].startswith("network,all,")
    md = runner.invoke(main, ["report", "--year", "2025", "--format", "markdown", "--db", seeded.url]).output
    assert md.startswith("# Bilan Cap Actif 2025\n")
