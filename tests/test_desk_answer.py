"""Answering a suggestion: "Prendre en charge" / "Pas pour nous", on SQLite and PostgreSQL.

A structure routing suggests for a fiche answers it: taking it in charge makes it référent or
supporting structure (recorded), declining records the reason and asks the next structure; the
history replays (``db verify``), the unanswered ones raise an alert after the charter's delay.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from cli import main
from engine.alerts import AlertFilter, alerts_at
from engine.app import Workspace, desk
from engine.app.fiches import suggester
from engine.charter import load_charter
from engine.errors import AccessDenied, ConflictError, InputError
from engine.fiche import Fiche
from engine.routing import compile_rules
from engine.store import access, queries, repository, suggestions
from engine.store.verify import verify

COORD = access.Viewer(access.COORDINATOR)
CMA = access.Viewer("cma-63")
PFIL = access.Viewer("pfil-ambert")
DAY = dt.date(2026, 3, 2)


def bakery(network, **fields) -> Fiche:
    """A bakery in Ambert: cma-63 suggested as référent, pfil-ambert (honour loan) and cc-ambert (premises)."""
    data = {
        "received": DAY.isoformat(),
        "commune": "63003",
        "kind": "creation",
        "naf": "10.71C",
        "needs": ["honour_loan", "premises"],
        "porteur": {"name": "Jeanne Martin", "email": "jeanne@example.org"},
        "summary": "Jeanne Martin reprend le fournil de la place",
    }
    data.update(fields)
    return Fiche.model_validate(data, context=network.fiche_context())


def received_by_coordinator(store, network) -> str:
    with store.transaction() as conn:
        (change,) = repository.add_fiches(
            conn,
            [bakery(network)],
            who=COORD,
            network=network,
            suggester=suggester(compile_rules(network.rules)),
            at=DAY,
        )
    return change.fiche


def reply(store, network, fiche_id, who, answer, reason=None, expected_version=None, at=DAY):
    with store.transaction(fiche_id) as conn:
        return repository.answer_suggestion(
            conn,
            fiche_id,
            answer,
            who=who,
            suggester=suggester(compile_rules(network.rules)),
            reason=reason,
            at=at,
            expected_version=expected_version,
        )


def asked(store, fiche_id):
    with store.transaction() as conn:
        return suggestions.current(conn, fiche_id)


def open_for(store, structure):
    with store.transaction() as conn:
        return [(r["id"], r["role"]) for r in suggestions.open_rows(conn, structure, limit=50)]


def verified(store):
    with store.transaction() as conn:
        result = verify(conn)
    assert result.differences == [], [str(d) for d in result.differences]
    return result


def test_a_new_fiche_is_in_the_lists_of_the_structures_suggested(store, network):
    """The suggestion recorded with a new fiche asks cma-63 to lead, pfil-ambert and cc-ambert to support."""
    fid = received_by_coordinator(store, network)
    assert asked(store, fid) == {
        ("cma-63", "lead"): "2026-03-02",
        ("pfil-ambert", "support"): "2026-03-02",
        ("cc-ambert", "support"): "2026-03-02",
    }
    assert open_for(store, "cma-63") == [(fid, "lead")]
    assert open_for(store, "pfil-ambert") == [(fid, "support")]
    assert open_for(store, "adie") == []
    verified(store)


def test_take_in_charge_makes_the_structure_lead_and_closes_its_request(store, network):
    """cma-63 is not on the fiche, yet being suggested lets it take the lead; recorded as events."""
    fid = received_by_coordinator(store, network)
    change = reply(store, network, fid, CMA, "take")
    assert [e["kind"] for e in change.events] == ["suggestion_taken", "lead_assigned"]
    with store.transaction() as conn:
        stored = queries.get(conn, fid)
    assert stored.fiche["lead"] == "cma-63"
    assert open_for(store, "cma-63") == []
    assert open_for(store, "pfil-ambert") == [(fid, "support")]  # the supports are still asked
    change = reply(store, network, fid, PFIL, "take")
    assert [e["kind"] for e in change.events] == ["suggestion_taken", "support_assigned"]
    assert change.events[0]["payload"]["needs"] == ["honour_loan"]
    assert open_for(store, "pfil-ambert") == []
    verified(store)


def test_decline_records_the_reason_and_asks_the_next_alternative(store, network):
    """'Pas pour nous' routes the fiche again without cma-63: adret (fallback) is asked, cma-63 no longer."""
    fid = received_by_coordinator(store, network)
    later = DAY + dt.timedelta(days=3)
    change = reply(store, network, fid, CMA, "decline", reason="carnet plein jusqu'en juin", at=later)
    kinds = [e["kind"] for e in change.events]
    assert kinds == ["suggestion_declined", "suggested"]
    assert change.events[0]["payload"]["reason"] == "carnet plein jusqu'en juin"
    again = change.events[1]["payload"]
    assert again["lead"] == "adret"
    lead_reasons = again["suggestion"]["lead"]["reasons"]
    assert "cma-63 : a refusé d'être référente de cette fiche le 2026-03-05 (pas pour nous)" in lead_reasons
    assert not any("carnet plein" in r for r in lead_reasons)  # the free text stays out of the suggestion
    now = asked(store, fid)
    assert ("cma-63", "lead") not in now
    assert now[("adret", "lead")] == "2026-03-05"  # asked on the day of the decline
    assert now[("pfil-ambert", "support")] == "2026-03-02"  # still asked since the first day
    assert open_for(store, "cma-63") == []
    assert open_for(store, "adret") == [(fid, "lead")]
    verified(store)


def test_declines_accumulate_until_the_fiche_is_an_orphan(store, network):
    """Once every structure able to lead declined, the fiche is an orphan (the coordinator decides)."""
    fid = received_by_coordinator(store, network)
    reply(store, network, fid, CMA, "decline", reason="pas de place")
    change = reply(store, network, fid, access.Viewer("adret"), "decline", reason="hors champ")
    again = change.events[-1]["payload"]
    assert again["orphan"] is True and again["lead"] is None
    assert {a["structure"] for a in again["suggestion"]["alternatives"]} >= {"cma-63", "adret"}
    with store.transaction() as conn:
        assert queries.get(conn, fid).orphan is True
    verified(store)


def test_a_support_that_declines_is_replaced_or_the_need_uncovered(store, network):
    """pfil-ambert declines: no other structure serves the honour loan in Ambert, the need is uncovered."""
    fid = received_by_coordinator(store, network)
    change = reply(store, network, fid, PFIL, "decline", reason="dossier déjà refusé chez nous")
    again = change.events[-1]["payload"]
    assert again["lead"] == "cma-63"  # the lead is unchanged
    assert "pfil-ambert" not in again["supporting"]
    assert again["suggestion"]["uncovered_needs"] == ["honour_loan"]
    assert asked(store, fid)[("cma-63", "lead")] == "2026-03-02"
    verified(store)


def test_a_decline_needs_a_reason_and_writes_nothing_without_one(store, network, english):
    fid = received_by_coordinator(store, network)
    with pytest.raises(InputError, match="--reason: say why"):
        reply(store, network, fid, CMA, "decline", reason="   ")
    with store.transaction() as conn:
        assert [e["kind"] for e in queries.history(conn, fid)] == ["created", "suggested"]


def test_only_the_structure_suggested_answers(store, network, english):
    """A structure not suggested, the committee and the public cannot answer; nothing is written."""
    fid = received_by_coordinator(store, network)
    with pytest.raises(InputError, match="not suggested to adie"):
        reply(store, network, fid, access.Viewer("adie"), "take")
    with pytest.raises(AccessDenied, match="committee"):
        reply(store, network, fid, access.Viewer(access.COMMITTEE), "take")
    with pytest.raises(AccessDenied):
        reply(store, network, fid, access.ANONYMOUS, "take")
    with store.transaction() as conn:
        assert queries.get(conn, fid).fiche["lead"] is None


def test_an_answered_suggestion_cannot_be_answered_again(store, network, english):
    """Once the coordinator named another référent, cma-63's request is closed and says why."""
    fid = received_by_coordinator(store, network)
    with store.transaction() as conn:
        repository.assign_fiche(conn, fid, who=COORD, network=network, lead="adret", at=DAY)
    assert open_for(store, "cma-63") == []
    with pytest.raises(InputError, match=r"already has a référent \(adret\)"):
        reply(store, network, fid, CMA, "take")
    reply(store, network, fid, PFIL, "take")
    with pytest.raises(InputError, match="pfil-ambert already supports"):
        reply(store, network, fid, PFIL, "decline", reason="finalement non")


def test_an_answer_to_an_old_version_writes_nothing(store, network):
    """With the version the technician read: a change made meanwhile is a conflict, nothing written."""
    fid = received_by_coordinator(store, network)
    reply(store, network, fid, PFIL, "take")  # version 1 → 2
    with pytest.raises(ConflictError):
        reply(store, network, fid, CMA, "take", expected_version=1)
    with store.transaction() as conn:
        assert queries.get(conn, fid).fiche["lead"] is None


def test_unanswered_alert_after_the_charters_delay_and_gone_once_answered(store, network):
    """Day 7 after the request: 'unanswered' names the structures that did not answer; taking clears them."""
    charter = load_charter(None)
    days = charter.alert_thresholds["unanswered"].days
    fid = received_by_coordinator(store, network)

    def found(as_of):
        with store.transaction() as conn:
            run = alerts_at(conn, network, charter, as_of, AlertFilter(checks=("unanswered",)))
        return [a for a in run.alerts if a.fiche == fid]

    assert found(DAY + dt.timedelta(days=days - 1)) == []
    (alert,) = found(DAY + dt.timedelta(days=days))
    assert alert.since == DAY + dt.timedelta(days=days)
    assert set(alert.structures) == {"cma-63", "pfil-ambert", "cc-ambert"}
    assert "cma-63 sollicitée comme référent depuis le 2026-03-02" in alert.message
    answered = DAY + dt.timedelta(days=days + 2)
    for who in (CMA, PFIL, access.Viewer("cc-ambert")):
        reply(store, network, fid, who, "take", at=answered)
    assert found(answered) == []
    # before the answers the requests were open: the history replayed at that date says so
    (past,) = found(DAY + dt.timedelta(days=days))
    assert set(past.structures) == {"cma-63", "pfil-ambert", "cc-ambert"}
    with store.transaction() as conn:
        fast = alerts_at(conn, network, charter, DAY + dt.timedelta(days=days), AlertFilter(checks=("unanswered",)))
        slow = alerts_at(
            conn, network, charter, DAY + dt.timedelta(days=days), AlertFilter(checks=("unanswered",)), replay_all=True
        )
    assert fast.alerts == slow.alerts


def test_cli_answer_take_and_decline(store_url, network):
    """capactif fiche answer: thin front end over engine.app.desk.answer; errors exit 2, nothing written."""
    store = Workspace.open(db=store_url).store
    try:
        fid = received_by_coordinator(store, network)
    finally:
        store.dispose()
    runner = CliRunner()
    env = {"CAPACTIF_AS": ""}
    result = runner.invoke(main, ["fiche", "answer", fid, "decline", "--as", "cma-63", "--db", store_url], env=env)
    assert result.exit_code == 2
    assert "--reason : dites pourquoi" in result.output
    args = ["fiche", "answer", fid, "decline", "--reason", "complet", "--as", "cma-63", "--db", store_url]
    result = runner.invoke(main, [*args, "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["answer"] == "decline" and data["role"] == "lead" and data["next_lead"] == "adret"
    result = runner.invoke(main, ["fiche", "answer", fid, "take", "--as", "adret", "--db", store_url], env=env)
    assert result.exit_code == 0, result.output
    assert "adret prend en charge la fiche (référent)" in result.output
    result = runner.invoke(main, ["db", "verify", "--db", store_url], env=env)
    assert result.exit_code == 0, result.output
    # the decline's reason is free text: hidden from the committee like a note
    result = runner.invoke(
        main, ["fiche", "show", fid, "--as", "committee", "--db", store_url, "--format", "json"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "complet" not in result.output


def test_desk_answer_reports_who_changed_the_fiche_meanwhile(store_url, network):
    """The app layer names who made the change that won: 'modifiée par pfil-ambert entre-temps'."""
    with Workspace.open(db=store_url) as ws:
        fid = received_by_coordinator(ws.store, network)
        desk.answer(ws, access.Viewer("pfil-ambert"), fid, "take")
        with pytest.raises(desk.ChangedMeanwhile, match="modifiée par pfil-ambert entre-temps"):
            desk.answer(ws, CMA, fid, "take", expected_version=1)


def flags_agree(store) -> list[tuple[str, str, str, bool]]:
    """Every stored ``open`` flag that disagrees with the rule (``is_open``) on its fiche as it stands now."""
    from sqlalchemy import select

    from engine.store.schema import fiche_suggestions, fiche_supports, fiches

    wrong = []
    with store.transaction() as conn:
        state = {r.id: r for r in conn.execute(select(fiches.c.id, fiches.c.lead, fiches.c.stage))}
        supporting: dict[str, set[str]] = {}
        for fiche_id, structure in conn.execute(select(fiche_supports.c.fiche_id, fiche_supports.c.structure)):
            supporting.setdefault(fiche_id, set()).add(structure)
        s = fiche_suggestions.c
        for fiche_id, structure, role, flag in conn.execute(select(s.fiche_id, s.structure, s.role, s.open)):
            f = state[fiche_id]
            if bool(flag) != suggestions.is_open(role, structure, f.lead, supporting.get(fiche_id, ()), f.stage):
                wrong.append((fiche_id, structure, role, bool(flag)))
    return wrong


def test_the_open_flags_follow_every_write_of_the_fiche(store, network):
    """ "À traiter" reads the ``open`` flag kept by each write: take, support, decline, a lead assigned or
    removed by the coordinator, abandon and reopen; the list always equals the rule's answer."""
    fiche = received_by_coordinator(store, network)
    other = received_by_coordinator(store, network)
    assert flags_agree(store) == [] and (fiche, "lead") in open_for(store, "cma-63")
    reply(store, network, fiche, CMA, "take")
    assert flags_agree(store) == [] and (fiche, "lead") not in open_for(store, "cma-63")
    reply(store, network, fiche, PFIL, "take")
    assert flags_agree(store) == [] and all(f != fiche for f, _ in open_for(store, "pfil-ambert"))
    reply(store, network, other, CMA, "decline", reason="pas notre métier")
    assert flags_agree(store) == [] and all(f != other for f, _ in open_for(store, "cma-63"))
    with store.transaction(fiche) as conn:
        repository.assign_fiche(conn, fiche, who=COORD, network=network, remove_lead=True, at=DAY)
    assert flags_agree(store) == [] and (fiche, "lead") in open_for(store, "cma-63")  # asked again
    with store.transaction(fiche) as conn:
        repository.move_fiche(conn, fiche, "abandon", who=COORD, network=network, at=DAY)
    assert flags_agree(store) == [] and (fiche, "lead") not in open_for(store, "cma-63")
    with store.transaction(fiche) as conn:
        repository.move_fiche(conn, fiche, "reopen", who=COORD, network=network, at=DAY)
    assert flags_agree(store) == [] and (fiche, "lead") in open_for(store, "cma-63")
    with store.transaction() as conn:
        assert suggestions.open_count(conn, "cma-63") == len(open_for(store, "cma-63"))


def test_migration_0730_flags_the_requests_already_waiting(store_url, network):
    """A store made before the flag (the revision before 0730) gets it filled from each fiche's state."""
    from alembic import command
    from sqlalchemy import text

    from engine.store import db

    store = db.open_store(store_url)
    fiche = received_by_coordinator(store, network)
    received_by_coordinator(store, network)
    reply(store, network, fiche, CMA, "take")
    with store.engine.begin() as conn:
        command.downgrade(db.alembic_config(conn), "0700")  # back before 0730 (and the migrations after it)
    with store.engine.begin() as conn:
        command.upgrade(db.alembic_config(conn), "head")
        waiting = conn.execute(text("SELECT count(*) FROM fiche_suggestions WHERE open")).scalar_one()
    assert waiting > 0 and flags_agree(store) == []
    assert (fiche, "lead") not in open_for(store, "cma-63")
    store.dispose()
