"""The access log records the command line's reads of personal data, as it does the web's (both backends).

``fiche show``, ``fiche list`` and ``fiche export`` log one read per fiche whose porteur the caller
was shown; ``offer show``, ``offer match``, ``agenda`` and ``charter check`` log the fiches whose
porteur they name.  A caller who was shown no personal data (the committee, a structure not on the
fiche) leaves no line: the log says who saw what, not who asked.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from cli import main
from engine.app import Workspace, agenda, audit, charter, offers
from engine.audit.tables import access_log
from engine.identity import Identity
from engine.store import queries
from engine.store.db import open_store
from tests.agenda_seed import seed_month

FICHE = """\
received: 2026-03-02
commune: {commune}
kind: creation
naf: 10.71C
needs: [honour_loan]
porteur:
  name: {name}
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


def reads(url: str) -> list[tuple[str, str, str, str]]:
    """Every read logged: (fiche, actor, via, detail), in the order written."""
    store = open_store(url)
    try:
        with store.transaction() as conn:
            rows = conn.execute(
                select(access_log.c.fiche_id, access_log.c.actor, access_log.c.via, access_log.c.detail)
                .where(access_log.c.action == "read")
                .order_by(access_log.c.id)
            ).all()
    finally:
        store.dispose()
    return [tuple(r) for r in rows]


@pytest.fixture
def two_fiches(store_url, tmp_path):
    """F-2026-0001 received and led by cma-63 (Ambert), F-2026-0002 by cci-thiers (Thiers)."""
    for commune, name, who in (("Ambert", "Jeanne Martin", "cma-63"), ("Thiers", "Paul Coutelier", "cci-thiers")):
        path = tmp_path / f"{who}.yaml"
        path.write_text(FICHE.format(commune=commune, name=name), encoding="utf-8")
        added = run("fiche", "add", str(path), "--as", who, "--db", store_url)
        assert added.exit_code == 0, added.output
    return store_url


def test_fiche_show_logs_a_read_only_when_the_porteur_was_shown(two_fiches):
    url = two_fiches
    for who in ("cma-63", "committee", "cci-thiers", "coordinator"):
        assert run("fiche", "show", "F-2026-0001", "--as", who, "--db", url).exit_code == 0
    assert reads(url) == [
        ("F-2026-0001", "cma-63", "cli", "fiche show"),
        ("F-2026-0001", "coordinator", "cli", "fiche show"),
    ]
    shown = run("audit", "F-2026-0001", "--as", "coordinator", "--db", url, "--format", "json")
    entries = json.loads(shown.output)["entries"]
    assert [(e["action"], e["actor"], e["via"], e["detail"]) for e in entries] == [
        ("read", "cma-63", "cli", "fiche show"),
        ("read", "coordinator", "cli", "fiche show"),
    ]


def test_fiche_list_and_export_log_the_fiches_whose_porteur_they_showed(two_fiches):
    url = two_fiches
    listed = run("fiche", "list", "--as", "cma-63", "--db", url, "--format", "json")
    assert [f["porteur"]["name"] for f in json.loads(listed.output)] == ["Jeanne Martin", None]
    assert run("fiche", "list", "--as", "committee", "--db", url).exit_code == 0
    exported = run("fiche", "export", "--as", "coordinator", "--db", url, "--format", "csv")
    assert "Paul Coutelier" in exported.output and "Jeanne Martin" in exported.output
    assert run("fiche", "export", "--as", "committee", "--db", url).exit_code == 0
    assert reads(url) == [
        ("F-2026-0001", "cma-63", "cli", "fiche list"),
        ("F-2026-0001", "coordinator", "cli", "fiche export (csv)"),
        ("F-2026-0002", "coordinator", "cli", "fiche export (csv)"),
    ]


def test_porteur_find_and_export_are_reads_of_personal_data(two_fiches, tmp_path):
    """Answering a porteur's access request shows everything stored: the log says the coordinator read it."""
    url = two_fiches
    found = run("porteur", "find", "martin", "--as", "coordinator", "--db", url)
    assert found.exit_code == 0 and "Jeanne Martin" in found.output, found.output
    out = tmp_path / "jeanne.json"
    exported = run("porteur", "export", "F-2026-0001", "-o", str(out), "--as", "coordinator", "--db", url)
    assert exported.exit_code == 0, exported.output
    assert run("porteur", "find", "martin", "--as", "committee", "--db", url).exit_code != 0  # refused: no read
    assert reads(url) == [
        ("F-2026-0001", "coordinator", "cli", "porteur find"),
        ("F-2026-0001", "coordinator", "cli", "porteur export"),
    ]


@pytest.fixture
def month(store_url, network):
    store = open_store(store_url)
    try:
        with store.transaction() as conn:
            ids = seed_month(conn, network)
    finally:
        store.dispose()
    return ids


def test_offer_agenda_and_charter_reads_that_name_porteurs_are_logged(store_url, month):
    coordinator, committee = Identity.coordinator(), Identity.committee()
    with Workspace.open(db=store_url) as ws:
        for who in (committee, coordinator):
            shown = offers.show(ws, who, month["older_offer"])
            matched = offers.match(ws, who, month["first_day"], on=dt.date(2025, 3, 1))
            sections = agenda.agenda(ws, who, "ambert", "2025-03").sections
            checked = charter.check(ws, who, year=2025, as_of=dt.date(2025, 3, 1))
    by_detail: dict[str, list[str]] = {}
    for fiche, actor, via, detail in reads(store_url):
        assert (actor, via) == ("coordinator", "cli")  # the committee was shown no name: nothing logged
        by_detail.setdefault(detail, []).append(fiche)
    # offer show: the two fiches that contacted the offer, whose names the coordinator saw
    assert sorted(by_detail[f"offer show {month['older_offer']}"]) == sorted(
        c.contact.fiche for c in shown.contacts if c.porteur_name
    )
    assert sorted(by_detail[f"offer show {month['older_offer']}"]) == sorted(
        [month["installed_via"], month["contact_in_month"]]
    )
    assert matched.fiche is not None and matched.fiche.porteur_name
    assert by_detail[f"offer match {month['first_day']}"] == [month["first_day"]]
    named = {r["fiche"] for r in sections["new_fiches"] if r["porteur_name"]}
    assert named and named <= set(by_detail["agenda ambert 2025-03"])
    assert set(by_detail["agenda ambert 2025-03"]) == set(audit.fiches_naming_porteurs(sections))
    assert set(by_detail.get("charter check", [])) == set(audit.fiches_naming_porteurs(checked.figures))


def test_offer_match_of_an_offer_logs_the_matched_fiches_shown_with_a_name(store_url, month):
    with Workspace.open(db=store_url) as ws:
        result = offers.match(ws, Identity.of_structure("cma-63"), month["recent_offer"], on=dt.date(2025, 3, 1))
    named = sorted(m.fiche.id for m in result.matches if m.fiche.porteur_name)
    assert named  # cma-63 received these fiches: their names are shown to it
    assert sorted(f for f, _, _, _ in reads(store_url)) == named


def test_names_are_found_at_any_depth_and_masked_ones_are_not():
    data = {
        "alerts": [{"fiche": "F-2026-0003", "porteur_name": "Ana"}, {"fiche": "F-2026-0004", "porteur_name": None}],
        "commitments": [{"breaking": [{"fiche": "F-2026-0005", "porteur": "Bo"}, {"fiche": "F-2026-0006"}]}],
        "offers": [{"fiche": "O-2026-0001", "porteur_name": "not a fiche id"}],
        "fiche": {"fiche": "F-2026-0003", "porteur": {"name": None, "email": "x@example.org"}},
    }
    assert sorted(audit.fiches_naming_porteurs(data)) == ["F-2026-0003", "F-2026-0005"]


@pytest.mark.parametrize("chunk", [2, 5000])
def test_iter_fiches_streams_in_id_order(store_url, network, chunk, monkeypatch):
    """``fiche list`` and ``fiche export`` stream the store a chunk at a time (a server-side cursor on
    PostgreSQL), so a large store is never held whole by the driver; ids come in (year, number) order
    and another statement may run on the connection while the stream is open."""
    from tests import report_seed as seed

    monkeypatch.setattr(queries, "_CHUNK", chunk)
    store = open_store(store_url)
    try:
        with store.transaction() as conn:
            ids = [
                seed.add(conn, network, received=dt.date(year, 1, 1 + n), commune="63003", received_by="cma-63")
                for year in (2026, 2025)
                for n in range(6)
            ]
        with store.transaction() as conn:
            stream = queries.iter_fiches(conn)
            first = next(stream)
            if store.backend == "postgresql":
                mine = "SELECT count(*) FROM pg_cursors WHERE statement NOT LIKE '%pg_cursors%'"
                open_cursors = conn.execute(text(mine)).scalar_one()
                assert open_cursors == 1, open_cursors  # the rows come from a server-side cursor, not a fetched list
            listed = [first.id, *(s.id for s in stream)]
    finally:
        store.dispose()
    assert listed == sorted(ids, key=lambda i: (int(i[2:6]), int(i[7:])))


def test_alerts_log_the_fiches_whose_porteur_they_named(two_fiches):
    """``capactif alerts``: the committee's masked view logs nothing; cci-thiers sees both alerts but only
    its own porteur's name (one read); the coordinator sees both names (one read each)."""
    url = two_fiches
    day = ["--as-of", "2026-06-30", "--db", url]
    assert run("alerts", "--as", "committee", *day).exit_code == 0
    assert reads(url) == []
    shown = json.loads(run("alerts", "--as", "cci-thiers", *day, "--format", "json").output)
    named = {a["fiche"]: a["porteur_name"] for n in shown["networks"] for a in n["alerts"]}
    assert named == {"F-2026-0001": None, "F-2026-0002": "Paul Coutelier"}
    assert reads(url) == [("F-2026-0002", "cci-thiers", "cli", "alerts")]
    assert run("alerts", "--as", "coordinator", *day).exit_code == 0
    assert reads(url)[1:] == [
        ("F-2026-0001", "coordinator", "cli", "alerts"),
        ("F-2026-0002", "coordinator", "cli", "alerts"),
    ]


def test_the_alerts_summary_logs_only_the_alerts_it_shows(store_url, tmp_path):
    """The summary names the porteurs of its ten most urgent alerts: one read each; --all and the data
    formats show every alert, so every fiche named is logged."""
    from engine.app.demo import run_demo

    run_demo(Workspace.open(), store_url, fiches=120, seed=5, end=dt.date(2026, 6, 30))
    day = ["--as", "coordinator", "--as-of", "2026-06-30", "--db", store_url]
    data = json.loads(run("alerts", *day, "--format", "json").output)
    every = {a["fiche"] for n in data["networks"] for a in n["alerts"] if a["porteur_name"]}
    urgent = {a["fiche"] for a in data["summary"]["most_urgent"] if a["porteur_name"]}
    assert len(every) > len(urgent) > 0
    assert {r[0] for r in reads(store_url)} == every and len(reads(store_url)) == len(every)
    with Workspace.open(db=store_url) as ws, ws.store.transaction() as conn:
        conn.execute(text("DELETE FROM access_log"))
    assert run("alerts", *day).exit_code == 0
    assert sorted(r[0] for r in reads(store_url)) == sorted(urgent)
    assert run("alerts", *day, "--all").exit_code == 0
    assert len(reads(store_url)) == len(urgent) + len(every)
