"""charter check: each commitment judged at its threshold (day N-1, N, N+1), shares, attribution and names hidden."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from engine.charter import load_charter
from engine.charter.check import check_charter
from engine.readmodel import load_fiches
from engine.report import Period
from engine.store.access import Viewer
from tests import report_seed as seed

CHARTER = load_charter(Path(__file__).parent.parent / "charter")
DAY0 = dt.date(2025, 3, 3)
AS_OF = dt.date(2026, 6, 30)
COMMITTEE = Viewer("committee")


@pytest.fixture(autouse=True)
def _english():
    """The details of broken commitments are asserted in English (their msgids); French in test_cover_charter."""
    from engine import i18n

    with i18n.using("en"):
        yield


@pytest.fixture(scope="module")
def net():
    """The bundled network."""
    return seed.network()


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """An empty store on each backend."""
    with seed.temporary_store(request.param, tmp_path) as s:
        yield s


def run(store, net, viewer=COMMITTEE, as_of=AS_OF):
    with store.transaction() as conn:
        timelines = load_fiches(conn)
    result = check_charter(timelines, CHARTER, Period.year(2025), as_of, net.territory, viewer, net.structure_ids)
    return {c["id"]: c for c in result["commitments"]}


def status_of(result, fiche_id):
    broken = {b["fiche"] for b in result["breaking"]}
    return "broken" if fiche_id in broken else "ok"


def test_referent_at_its_threshold(store, net):
    """A référent on day N-1 or N keeps the commitment; on day N+1 it is broken."""
    n = CHARTER.commitment("referent").days
    ids = {}
    with store.transaction() as conn:
        for offset in (n - 1, n, n + 1):
            fid = seed.add(conn, net, received=DAY0, commune="63003", received_by="cma-63")
            seed.assign(conn, net, fid, DAY0 + dt.timedelta(days=offset), by="cma-63", lead="cma-63")
            ids[offset] = fid
    result = run(store, net)["referent"]
    assert [status_of(result, ids[o]) for o in (n - 1, n, n + 1)] == ["ok", "ok", "broken"]
    assert (result["kept"], result["broken"], result["share"]) == (2, 1, 0.6667)
    (breaking,) = result["breaking"]
    assert breaking["structure"] == "cma-63"
    assert breaking["detail"] == f"after {n + 1} days"
    assert breaking["porteur"] is None  # the committee never sees names


def test_first_meeting_at_its_threshold_and_pending(store, net):
    """A contact on day N keeps first_meeting, N+1 breaks it; with no contact yet and time left, it is pending."""
    n = CHARTER.commitment("first_meeting").days
    with store.transaction() as conn:
        on_time = seed.add(conn, net, received=DAY0, commune="63003", received_by="cci-thiers")
        seed.contact(conn, on_time, DAY0 + dt.timedelta(days=n), by="cci-thiers")
        late = seed.add(conn, net, received=DAY0, commune="63003", received_by="cci-thiers")
        seed.contact(conn, late, DAY0 + dt.timedelta(days=n + 1), by="cci-thiers")
        waiting = seed.add(conn, net, received=dt.date(2025, 12, 30), commune="63003", received_by="cci-thiers")
    result = run(store, net, as_of=dt.date(2026, 1, 5))["first_meeting"]
    assert (status_of(result, on_time), status_of(result, late), status_of(result, waiting)) == ("ok", "broken", "ok")
    assert (result["kept"], result["broken"], result["pending"]) == (1, 1, 1)


def test_follow_up_offered_at_its_threshold(store, net):
    """Follow-up reached N-1, N or N+1 days after the installation date: kept, kept, broken."""
    n = CHARTER.commitment("follow_up_offered").days
    ids = {}
    installed_on = dt.date(2025, 5, 2)
    with store.transaction() as conn:
        for offset in (n - 1, n, n + 1):
            fid = seed.add(conn, net, received=DAY0, commune="63003", received_by="cma-63")
            seed.assign(conn, net, fid, DAY0, by="cma-63", lead="cma-63")
            seed.move(conn, net, fid, "start_study", DAY0, by="cma-63")
            seed.move(conn, net, fid, "install", installed_on, by="cma-63", installed_on=installed_on)
            seed.move(conn, net, fid, "start_follow_up", installed_on + dt.timedelta(days=offset), by="cma-63")
            ids[offset] = fid
    result = run(store, net)["follow_up_offered"]
    assert [status_of(result, ids[o]) for o in (n - 1, n, n + 1)] == ["ok", "ok", "broken"]


def test_news_at_its_threshold_per_stage(store, net):
    """In 'idea' (delay 60 in the bundled charter) a silence of 60 days is kept, 61 is broken."""
    n = CHARTER.commitment("news").days_for("idea")
    ids = {}
    with store.transaction() as conn:
        for gap in (n - 1, n, n + 1):
            fid = seed.add(conn, net, received=DAY0, commune="63003", received_by="adie")
            seed.contact(conn, fid, DAY0 + dt.timedelta(days=gap), by="adie")
            seed.move(conn, net, fid, "abandon", DAY0 + dt.timedelta(days=gap), by="adie")
            ids[gap] = fid
    result = run(store, net)["news"]
    assert [status_of(result, ids[g]) for g in (n - 1, n, n + 1)] == ["ok", "ok", "broken"]
    (breaking,) = result["breaking"]
    assert breaking["detail"] == f"no news since {DAY0.isoformat()} (idea, delay {n} days)"


def test_abandoned_before_the_delay_is_not_counted(store, net):
    """A porteur who gave up before the référent delay ran out does not count against the network."""
    with store.transaction() as conn:
        fid = seed.add(conn, net, received=DAY0, commune="63003", received_by="cma-63")
        seed.move(conn, net, fid, "abandon", DAY0 + dt.timedelta(days=3), by="cma-63")
    result = run(store, net)["referent"]
    assert (result["kept"], result["broken"], result["not_applicable"]) == (0, 0, 1)


def test_names_shown_only_to_those_allowed(store, net):
    """The breaking fiche shows the porteur's name to its structure and the coordinator, not to others."""
    with store.transaction() as conn:
        fid = seed.add(conn, net, received=DAY0, commune="63003", received_by="cma-63")
    for who, visible in (("committee", False), ("cci-thiers", False), ("cma-63", True), ("coordinator", True)):
        (breaking,) = run(store, net, viewer=Viewer(who))["referent"]["breaking"]
        assert breaking["fiche"] == fid
        assert (breaking["porteur"] is not None) == visible, who


def test_cli_charter_check_json_and_exit_code(store, net):
    """charter check exits 1 when a commitment is broken and reports shares per network."""
    with store.transaction() as conn:
        fid = seed.add(conn, net, received=DAY0, commune="63003", received_by="cma-63")
        seed.assign(conn, net, fid, DAY0, by="cma-63", lead="cma-63")
    args = ["charter", "check", "--year", "2025", "--as-of", "2026-01-31", "--db", store.url, "--format", "json"]
    result = CliRunner().invoke(main, [*args, "--as", "committee"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert list(data) == ["period", "as_of", "commitments"]
    referent = next(c for c in data["commitments"] if c["id"] == "referent")
    assert (referent["kept"], referent["broken"], referent["share"]) == (1, 0, 1.0)
    assert [n["network"] for n in referent["by_network"]] == ["ambert", "brioude", "thiers"]
    first = next(c for c in data["commitments"] if c["id"] == "first_meeting")
    assert first["breaking"][0]["porteur"] is None
