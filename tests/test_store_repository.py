"""The store's library: ids, events, versions, access and all-or-nothing writes, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from engine.app.fiches import suggester
from engine.errors import AccessDenied, InputError, NotFound, TransitionNotAllowed
from engine.fiche import Fiche
from engine.routing import compile_rules
from engine.store import access, queries, repository
from engine.store.schema import events, fiches
from engine.store.verify import verify

CMA = access.Viewer("cma-63")
COORD = access.Viewer(access.COORDINATOR)


def make(network, **fields) -> Fiche:
    data = {"received": "2026-03-02", "commune": "63003", "kind": "creation", "naf": "10.71C"}
    data.update(fields)
    return Fiche.model_validate(data, context=network.fiche_context())


def add(store, network, *items, who=CMA, assign=False, at=None):
    with store.transaction() as conn:
        return repository.add_fiches(
            conn,
            list(items),
            who=who,
            network=network,
            suggester=suggester(compile_rules(network.rules)),
            assign=assign,
            at=at,
        )


def counts(store) -> tuple[int, int]:
    with store.transaction() as conn:
        return (
            conn.execute(select(func.count()).select_from(fiches)).scalar_one(),
            conn.execute(select(func.count()).select_from(events)).scalar_one(),
        )


def test_ids_follow_the_year_of_reception(store, network):
    """Ids are F-YYYY-NNNN by year of `received`, numbered per year from 0001."""
    changes = add(store, network, make(network), make(network, received="2025-12-30"), make(network))
    assert [c.fiche for c in changes] == ["F-2026-0001", "F-2025-0001", "F-2026-0002"]


def test_add_records_created_and_suggested(store, network):
    """A new fiche has a `created` then a `suggested` event with the rules' version; no lead without --assign."""
    (change,) = add(store, network, make(network, needs=["honour_loan"]))
    with store.transaction() as conn:
        history = queries.history(conn, change.fiche)
        stored = queries.get(conn, change.fiche)
    assert [e["kind"] for e in history] == ["created", "suggested"]
    assert history[1]["payload"]["lead"] == "cma-63"
    assert history[1]["payload"]["rules_version"] == network.rules.version
    assert stored.fiche["lead"] is None
    assert stored.fiche["received_by"] == "cma-63"


def test_assign_accepts_the_suggestion(store, network):
    """--assign makes the suggested lead the référent and adds the suggested supports."""
    (change,) = add(store, network, make(network, needs=["honour_loan"]), assign=True)
    with store.transaction() as conn:
        stored = queries.get(conn, change.fiche)
    assert stored.fiche["lead"] == "cma-63"
    assert stored.fiche["supporting"] == ["pfil-ambert"]
    assert stored.version == 2


def test_move_through_the_lifecycle_and_verify(store, network):
    """Moves follow the lifecycle; the stored state always equals the state rebuilt from events."""
    (change,) = add(store, network, make(network), assign=True, at=dt.date(2026, 3, 2))  # référent from day one
    fid = change.fiche
    with store.transaction() as conn:
        repository.move_fiche(conn, fid, "start_study", who=CMA, network=network, at=dt.date(2026, 3, 10))
        repository.move_fiche(conn, fid, "hold", who=CMA, network=network, at=dt.date(2026, 4, 1))
        repository.move_fiche(conn, fid, "resume", who=CMA, network=network, at=dt.date(2026, 5, 1))
        repository.move_fiche(conn, fid, "install", who=CMA, network=network, at=dt.date(2026, 6, 1))
        repository.note_fiche(conn, fid, "called", who=CMA, at=dt.date(2026, 6, 2))
        repository.set_consent(conn, fid, True, who=CMA, at=dt.date(2026, 6, 2))
        stored = queries.get(conn, fid)
        result = verify(conn)
    assert stored.fiche["stage"] == "installed"
    assert stored.fiche["installed_on"] == "2026-06-01"
    assert stored.fiche["porteur"]["consent_network"] is True
    assert result.differences == []
    assert result.fiches == 1


def test_verify_reports_a_tampered_fiche(store, network):
    """A stored state that its history does not explain is reported, field by field."""
    (change,) = add(store, network, make(network))
    with store.transaction() as conn:
        conn.execute(fiches.update().where(fiches.c.id == change.fiche).values(stage="financing"))
    with store.transaction() as conn:
        result = verify(conn)
    assert [str(d) for d in result.differences] == [
        f"{change.fiche}: stage vaut 'financing' dans la base mais 'idea' d'après son historique"
    ]


def test_unknown_fiche_id(store, network, english):
    """An id that is not stored, or not an id at all, is a clear error."""
    with store.transaction() as conn, pytest.raises(NotFound) as exc:
        queries.get(conn, "F-2026-9999")
    assert str(exc.value) == "no fiche F-2026-9999 in the store: 'capactif fiche list' shows the stored fiches"
    with store.transaction() as conn, pytest.raises(InputError) as exc:
        queries.get(conn, "2026-12")
    assert str(exc.value) == "'2026-12' is not a fiche id: expected F-YYYY-NNNN, e.g. F-2026-0012"


def test_invalid_trigger_names_the_allowed_ones(store, network):
    """A trigger the stage does not allow says which are allowed, and nothing is written."""
    (change,) = add(store, network, make(network), assign=True)
    before = counts(store)
    with store.transaction() as conn, pytest.raises(TransitionNotAllowed) as exc:
        repository.move_fiche(conn, change.fiche, "install", who=CMA, network=network)
    assert "possibles : start_study, hold, abandon, redirect" in str(exc.value)
    assert counts(store) == before


def test_lead_that_is_not_a_structure(store, network):
    """A lead that is not a structure of the network is refused with the closest id."""
    (change,) = add(store, network, make(network))
    with store.transaction() as conn, pytest.raises(InputError) as exc:
        repository.assign_fiche(conn, change.fiche, who=CMA, network=network, lead="cma63")
    assert str(exc.value) == "--lead: structure 'cma63' introuvable (vouliez-vous dire 'cma-63' ?)"


def test_structure_not_on_the_fiche_may_not_write(store, network, english):
    """A structure that is not on the fiche may not move it; the coordinator may; the committee never."""
    (change,) = add(store, network, make(network), assign=True)
    before = counts(store)
    with store.transaction() as conn, pytest.raises(AccessDenied) as exc:
        repository.note_fiche(conn, change.fiche, "hello", who=access.Viewer("cci-thiers"))
    assert str(exc.value) == (
        f"cci-thiers may not add a note to fiche {change.fiche}: only the structures on it "
        "(cma-63) and the coordinator may; ask one of them or the coordinator"
    )
    with store.transaction() as conn, pytest.raises(AccessDenied):
        repository.move_fiche(conn, change.fiche, "start_study", who=access.Viewer(access.COMMITTEE), network=network)
    assert counts(store) == before
    with store.transaction() as conn:
        repository.move_fiche(conn, change.fiche, "start_study", who=COORD, network=network)


def test_a_failing_command_writes_nothing(store, network, english):
    """Every command is one transaction: a bad fiche among good ones stores none of them."""
    duplicate = make(network, id="F-2026-0001")
    add(store, network, duplicate)
    before = counts(store)
    with pytest.raises(InputError) as exc:
        add(store, network, make(network), make(network, id="F-2026-0001"))
    assert "fiche F-2026-0001 is already in the store" in str(exc.value)
    assert counts(store) == before
    (change,) = add(store, network, make(network))
    assert change.fiche == "F-2026-0002"


def test_lead_and_support_never_overlap(store, network):
    """Making a supporting structure the lead removes it from the supports (two events)."""
    (change,) = add(store, network, make(network, needs=["honour_loan"]), assign=True)
    with store.transaction() as conn:
        done = repository.assign_fiche(conn, change.fiche, who=CMA, network=network, lead="pfil-ambert")
        stored = queries.get(conn, change.fiche)
    assert [e["kind"] for e in done.events] == ["support_removed", "lead_assigned"]
    assert (stored.fiche["lead"], stored.fiche["supporting"]) == ("pfil-ambert", [])


def test_caseload_and_load_fiches(store, network, english):
    """caseload counts active fiches per lead; load_fiches returns stored fiches for suggest."""
    add(store, network, make(network), make(network), assign=True)
    with store.transaction() as conn:
        assert queries.caseload(conn) == {"cma-63": 2}
        (fiche,) = queries.load_fiches(conn, ["F-2026-0002"])
        with pytest.raises(NotFound) as exc:
            queries.load_fiches(conn, ["F-2026-0002", "F-2026-0077"])
    assert fiche.id == "F-2026-0002" and fiche.effective_nature == "artisanal"
    assert exc.value.lines() == ["F-2026-0077: no such fiche in the store ('capactif fiche list' shows them)"]


def test_list_filters(store, network):
    """Filters on stage, lead, support, local network, commune, dates, orphan and no lead combine (AND)."""
    add(store, network, make(network, needs=["honour_loan"]), assign=True)
    add(store, network, make(network, commune="63430", received="2026-04-01"))
    with store.transaction() as conn:

        def ids(**kw):
            return [s.id for s in queries.list_fiches(conn, queries.ListFilter(**kw).check(network))]

        assert ids(support="pfil-ambert") == ["F-2026-0001"]
        assert ids(lead="cma-63") == ["F-2026-0001"]
        assert ids(no_lead=True) == ["F-2026-0002"]
        assert ids(network="thiers") == ["F-2026-0002"]
        assert ids(commune="Ambert") == ["F-2026-0001"]
        assert ids(received_from=dt.date(2026, 3, 15)) == ["F-2026-0002"]
        assert ids(stages=["idea"], network="ambert") == ["F-2026-0001"]
        assert ids(orphan=True) == []
