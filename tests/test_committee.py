"""The committee's use cases (engine.app.committee) on both backends: the dashboard's counts are the
alerts' counts (now and at the last meeting), nobody's name reaches the committee, the report sits
beside the previous year, and the pages are for the committee and the coordinator only."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.app import Workspace, committee
from engine.errors import AccessDenied
from engine.fiche import Fiche
from engine.identity import Identity
from engine.store import repository

COMMITTEE = Identity.committee()
NAME = "Hortense Confidentielle"


@pytest.fixture
def ws(store_url, tmp_path, monkeypatch):
    """Fiches of 2025 and 2026 without référent (no_lead alerts), the porteur named."""
    monkeypatch.setenv("CAPACTIF_CACHE", str(tmp_path / "cache"))
    with Workspace.open(db=store_url) as workspace:
        net = workspace.network
        fiches = [
            Fiche.model_validate(
                {
                    "received": day,
                    "commune": commune,
                    "kind": "creation",
                    "naf": "47.11B",
                    "porteur": {"name": NAME, "email": "hortense@example.org"},
                },
                context=net.fiche_context(),
            )
            for day, commune in (("2025-05-02", "63003"), ("2026-03-02", "63003"), ("2026-03-20", "63430"))
        ]
        with workspace.store.transaction() as conn:
            repository.add_fiches(conn, fiches, who=Identity.of_structure("cci-ambert"), network=net,
                                  suggester=None)  # fmt: skip
        yield workspace


def test_last_meeting_is_the_month_first_working_day_on_or_before_today():
    assert committee.last_meeting(dt.date(2026, 6, 15)) == dt.date(2026, 6, 1)
    assert committee.last_meeting(dt.date(2026, 5, 1)) == dt.date(2026, 4, 1)  # 1 May is a holiday: meeting 4 May
    assert committee.last_meeting(dt.date(2026, 1, 1)) == dt.date(2025, 12, 1)


def test_dashboard_counts_are_the_alerts_now_and_at_the_last_meeting(ws):
    """On 2026-04-20 (last meeting 2026-04-01): three fiches without référent for 21 days now; on
    1 April the one received on 20 March was not yet 21 days old."""
    board = committee.dashboard(ws, COMMITTEE, as_of=dt.date(2026, 4, 20))
    assert board.last_meeting == dt.date(2026, 4, 1)
    assert board.cell("no_lead", "ambert").now == 2 and board.cell("no_lead", "ambert").before == 2
    assert board.cell("no_lead", "thiers").now == 1 and board.cell("no_lead", "thiers").change == 1
    assert board.total(check="no_lead").now == 3
    no_lead = {a.fiche for a in board.urgent if a.check == "no_lead"}
    assert no_lead == {"F-2025-0001", "F-2026-0001", "F-2026-0002"} and len(board.urgent) <= committee.URGENT
    assert NAME not in repr(board.to_dict()) and "hortense" not in repr(board.to_dict())


def test_the_committee_pages_are_for_the_committee_and_the_coordinator(ws):
    for who in (Identity.of_structure("cma-63"), Identity(None)):
        with pytest.raises(AccessDenied):
            committee.dashboard(ws, who)
        with pytest.raises(AccessDenied):
            committee.yearly_report(ws, who, 2026)
    assert committee.dashboard(ws, Identity.coordinator(), as_of=dt.date(2026, 4, 20)).total().now >= 3


def test_the_report_sits_beside_the_previous_year(ws):
    report = committee.yearly_report(ws, COMMITTEE, 2026)
    assert (report.current["projects_met"], report.previous["projects_met"]) == (2, 1)
    assert NAME not in repr(report.to_dict())


def test_charter_lines_say_kept_or_not(ws):
    """No référent was ever assigned: the référent commitment is broken for 2025's fiche."""
    lines = {line.id: line for line in committee.charter_lines(ws, COMMITTEE, 2025, as_of=dt.date(2026, 4, 20))}
    assert lines["referent"].broken == 1 and not lines["referent"].held
    assert list(lines) == [c.id for c in ws.charter.commitments]  # one line per commitment, in order
