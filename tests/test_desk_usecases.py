"""The technician's desk use cases (engine.app.desk), as the web pages call them, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.app import Workspace, desk
from engine.errors import AccessDenied
from engine.identity import Identity

CMA = Identity.of_structure("cma-63")
ADIE = Identity.of_structure("adie")
CCI = Identity.of_structure("cci-thiers")
COMMITTEE = Identity.committee()
TODAY = dt.date(2026, 3, 20)

BAKERY = desk.FicheForm(
    commune="63003 Ambert (63600)",
    activity="10.71C — Boulangerie et boulangerie-pâtisserie",
    kind="creation",
    needs=("honour_loan",),
    employees="2",
    summary="Jeanne Martin reprend le fournil",
    name="Jeanne Martin",
    email="jeanne@example.org",
    phone="0601020304",
)


@pytest.fixture
def ws(store_url):
    with Workspace.open(db=store_url) as opened:
        yield opened


def record(ws, who=ADIE, form=BAKERY, received="2026-03-02"):
    return desk.create_fiche(ws, who, desk.FicheForm(**{**form.__dict__, "received": received}), today=TODAY)


def test_form_records_the_fiche_received_by_my_structure_with_its_suggestion(ws):
    """Saving the form stores the fiche (received by adie) and the suggestion: cma-63 leads, pfil-ambert supports."""
    created = record(ws)
    assert created.fiche == "F-2026-0001"
    assert (created.lead, created.supporting, created.orphan) == ("cma-63", ("pfil-ambert",), False)
    page = desk.fiche_page(ws, ADIE, created.fiche, today=TODAY)
    assert page.fiche["received_by"] == "adie"
    assert page.fiche["porteur"]["name"] == "Jeanne Martin"  # adie received it: it is on the fiche
    assert page.lead is not None and page.lead.structure == "cma-63"
    assert any("artisanal" in r for r in page.lead.reasons)


def test_form_errors_are_per_field_and_nothing_is_written(ws):
    """Every problem at once, under its field; no fiche stored."""
    bad = desk.FicheForm(commune="Ambrt", activity="boulangerie", kind="", employees="deux", email="x")
    with pytest.raises(desk.FormErrors) as caught:
        desk.create_fiche(ws, ADIE, bad, today=TODAY)
    fields = caught.value.by_field()
    assert "les plus proches : 63003 Ambert" in fields["commune"][0]
    assert set(fields) >= {"commune", "activity", "kind", "employees"}
    assert desk.caseload(ws, ADIE, today=TODAY).total == 0


def test_live_suggestion_needs_a_commune_and_a_kind_then_follows_the_form(ws):
    """Partial data: what is missing; then the référent and supports with reasons; a postal code of several
    communes asks to choose."""
    partial = desk.live_suggestion(ws, ADIE, desk.FicheForm(activity="10.71C"), today=TODAY)
    assert not partial.ready and partial.missing == ("commune", "kind")
    assert partial.activity is not None and partial.activity.nature == "artisanal"
    ambiguous = desk.live_suggestion(ws, ADIE, desk.FicheForm(commune="63600", kind="creation"), today=TODAY)
    assert "est partagé par 10 communes" in ambiguous.errors["commune"][0]
    full = desk.live_suggestion(ws, ADIE, BAKERY, today=TODAY)
    assert full.ready and full.lead is not None and full.lead.structure == "cma-63"
    assert [(p.structure, p.needs) for p in full.supporting] == [("pfil-ambert", ("honour_loan",))]
    farm = desk.live_suggestion(ws, ADIE, desk.FicheForm(**{**BAKERY.__dict__, "activity": "01.11Z"}), today=TODAY)
    assert farm.lead is not None and farm.lead.structure != "cma-63"  # an agricultural activity is not the CMA's


def test_todo_lists_my_unanswered_requests_oldest_first_without_names(ws):
    """cma-63 is asked to lead two fiches it is not on: oldest first, the porteur's name and summary hidden."""
    first = record(ws, received="2026-03-02").fiche
    second = record(ws, received="2026-03-05").fiche
    todo = desk.todo(ws, CMA, today=TODAY)
    assert [r.fiche for r in todo.requests] == [first, second]
    assert todo.requests[0].role == "lead" and todo.requests[0].reasons
    assert all(r.porteur_name is None and r.summary is None for r in todo.requests)
    desk.answer(ws, CMA, first, "take")
    assert [r.fiche for r in desk.todo(ws, CMA, today=TODAY).requests] == [second]
    with pytest.raises(AccessDenied):
        desk.todo(ws, COMMITTEE)


def test_caseload_by_stage_with_alerts_filters_and_pages(ws):
    """Mes fiches: counts per stage, one page at a time, each fiche with its alerts."""
    ids = [record(ws, received=f"2026-03-{day:02d}").fiche for day in range(1, 6)]
    for fiche_id in ids:
        desk.answer(ws, CMA, fiche_id, "take", at=TODAY)
    desk.move(ws, CMA, ids[0], "start_study", expected_version=2, at=TODAY)
    later = TODAY + dt.timedelta(days=10)  # pfil-ambert, asked to support on TODAY, has not answered
    result = desk.caseload(ws, CMA, page=desk.Page(1, 2), today=later)
    assert dict(result.by_stage)["idea"] == 4 and dict(result.by_stage)["study"] == 1
    assert result.total == 5 and result.pages == 3
    assert [f.fiche for f in result.fiches] == [ids[4], ids[3]]  # newest first
    assert all(f.porteur_name == "Jeanne Martin" for f in result.fiches)  # cma-63 is on these fiches now
    assert {a.check for f in result.fiches for a in f.alerts} >= {"need_uncovered", "unanswered"}
    studies = desk.caseload(ws, CMA, filters=desk.CaseloadFilter(stages=("study",)), today=TODAY)
    assert [f.fiche for f in studies.fiches] == [ids[0]]
    by_id = desk.caseload(ws, CMA, filters=desk.CaseloadFilter(text=ids[2]), today=TODAY)
    assert [f.fiche for f in by_id.fiches] == [ids[2]]
    assert desk.caseload(ws, CCI, today=TODAY).total == 0


def test_fiche_page_explains_a_refused_move_and_masks_for_others(ws):
    """Without référent, 'start_study' is refused with the guard's words; the committee and a stranger
    see neither the name nor the summary nor the notes, and get no action."""
    fiche_id = record(ws).fiche
    page = desk.fiche_page(ws, ADIE, fiche_id, today=TODAY)
    study = next(a for a in page.actions if a.trigger == "start_study")
    assert not study.allowed and "demande un référent" in (study.why_not or "")
    assert next(a for a in page.actions if a.trigger == "hold").allowed
    desk.note(ws, ADIE, fiche_id, "Jeanne Martin rappelle lundi", expected_version=page.version)
    for who in (COMMITTEE, CCI):
        other = desk.fiche_page(ws, who, fiche_id, today=TODAY)
        assert other.fiche["porteur"]["name"] is None and other.fiche["summary"] is None
        assert not other.can_write and other.actions == ()
        assert not any("Jeanne" in e.text for e in other.timeline)
    asked = desk.fiche_page(ws, CMA, fiche_id, today=TODAY)
    assert asked.my_request == "lead"


def test_a_change_made_meanwhile_is_reported_with_who_made_it(ws):
    """Two technicians on the same fiche page: the second change is refused, naming the first one's author."""
    fiche_id = record(ws).fiche
    seen = desk.fiche_page(ws, ADIE, fiche_id, today=TODAY).version
    desk.consent(ws, ADIE, fiche_id, True, expected_version=seen)
    with pytest.raises(desk.ChangedMeanwhile, match="modifiée par adie entre-temps"):
        desk.move(ws, ADIE, fiche_id, "hold", expected_version=seen)


def test_moving_the_commune_records_a_fresh_suggestion(ws):
    """The porteur settles in Thiers: the fiche follows, and routing is asked again for the new place."""
    fiche_id = record(ws).fiche
    version = desk.fiche_page(ws, ADIE, fiche_id, today=TODAY).version
    done = desk.edit_commune(ws, ADIE, fiche_id, "Thiers", expected_version=version, at=TODAY)
    assert [e["kind"] for e in done.events] == ["commune_changed", "suggested"]
    page = desk.fiche_page(ws, ADIE, fiche_id, today=TODAY)
    assert page.commune_name == "63430 Thiers"
    assert page.supporting == () or all(p.structure != "pfil-ambert" for p in page.supporting)


def test_a_listed_fiches_alerts_are_computed_again_only_when_the_store_changed(ws, monkeypatch):
    """Mes fiches reads each listed fiche's alerts once while nothing is written, however long that lasts;
    after a write (here: another fiche taken), they are computed again once the caseloads may have moved,
    and say what a fresh workspace says."""
    import time as clock

    from engine.alerts import runner

    ids = [record(ws, received=f"2026-03-{day:02d}").fiche for day in range(1, 4)]
    for fiche_id in ids[:2]:
        desk.answer(ws, CMA, fiche_id, "take", at=TODAY)
    later = TODAY + dt.timedelta(days=10)
    asked: list[list[str]] = []
    real = runner.alerts_of_fiches
    monkeypatch.setattr(runner, "alerts_of_fiches", lambda *a, **k: asked.append(list(a[5])) or real(*a, **k))
    now = [clock.monotonic()]
    monkeypatch.setattr(clock, "monotonic", lambda: now[0])

    first = desk.caseload(ws, CMA, today=later)
    now[0] += 3600  # an hour without a write: nothing is computed again
    again = desk.caseload(ws, CMA, today=later)
    assert len(asked) == 1 and sorted(asked[0]) == sorted(ids[:2])
    assert [f.alerts for f in again.fiches] == [f.alerts for f in first.fiches]

    desk.answer(ws, CMA, ids[2], "take", at=TODAY)  # a write: the chain's head moves
    now[0] += desk.CASELOAD_SECONDS + 1
    after = desk.caseload(ws, CMA, today=later)
    assert len(asked) == 2 and sorted(asked[1]) == sorted(ids)
    with Workspace.open(db=ws.store.url) as fresh:
        expected = desk.caseload(fresh, CMA, today=later)
    assert [(f.fiche, f.alerts) for f in after.fiches] == [(f.fiche, f.alerts) for f in expected.fiches]
