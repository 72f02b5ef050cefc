"""The alerts read from the projection (``fiche_projection``) are exactly those of replaying every history.

Random sequences of writes go through the store's own repository (what the CLI and the web call):
fiches added with or without a lead and a suggestion, leads assigned and removed, supporting
structures added and removed, stage changes (follow-up structures on or off the fiche), notes and
contacts recorded by structures on or off the fiche (the coordinator writing on their behalf),
consent given and withdrawn, communes changed, suggestions taken and declined, all at random days
(backdated too).  Writes the store refuses are skipped, as a person would see them refused.  Then,
at dates before, during and after the writes: the alerts computed from the projection (replaying
only the fiches changed after the date) equal the alerts of replaying every fiche's history, for
the committee and for the coordinator (who sees names), and ``db verify`` finds the projection in
agreement with the history.  Hypothesis on SQLite; sampled sequences on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.alerts import AlertFilter, alerts_at
from engine.charter import load_charter
from engine.errors import EngineError
from engine.fiche import Fiche
from engine.lifecycle import lifecycle
from engine.routing import Declined, compile_rules, suggest
from engine.store import access, db, projection, queries, repository, suggestions
from engine.store.verify import verify

COORDINATOR = access.Viewer(access.COORDINATOR)
COMMITTEE = access.Viewer(access.COMMITTEE)
BASE = dt.date(2026, 1, 5)
TODAY = dt.date(2026, 12, 31)
CHARTER = load_charter(None)
STRUCTURES = ["cma-63", "cci-thiers", "pfil-ambert", "adie", "agri-63", "parc", "cci-brioude", "pfil-thiers"]
BY = [*STRUCTURES, "coordinator"]
COMMUNES = ["63003", "63430", "63231", "43003", "63015", "42034"]
NAFS = ["10.71C", "47.11B", "01.11Z", "62.01Z", "56.10A", "43.21A"]
NEEDS = ["honour_loan", "premises", "post_creation", "training", "microcredit"]
TRIGGERS = ["start_study", "seek_financing", "refuse_financing", "install", "start_follow_up", "mark_developed",
            "hold", "resume", "abandon", "redirect", "reopen"]  # fmt: skip
AS_OF = [BASE + dt.timedelta(days=n) for n in (20, 75, 140, 400)]

_day = st.integers(0, 200)
_i = st.integers(0, 50)
OPS = st.one_of(
    st.tuples(st.just("add"), _i, _i, st.none() | _i, _day, st.booleans(), st.booleans(), st.booleans()),
    st.tuples(st.just("assign"), _i, _i, _day),
    st.tuples(st.just("remove_lead"), _i, _day),
    st.tuples(st.just("support"), _i, _i, _day),
    st.tuples(st.just("unsupport"), _i, _i, _day),
    st.tuples(st.just("move"), _i, _i, _i, _day),
    st.tuples(st.just("note"), _i, _i, st.booleans(), _day),
    st.tuples(st.just("consent"), _i, st.booleans(), _day),
    st.tuples(st.just("commune"), _i, _i, _day),
    st.tuples(st.just("answer"), _i, _i, st.booleans(), _day),
)


def random_ops(rng: random.Random, count: int) -> list[tuple[Any, ...]]:
    """A sequence of operations of the same shapes as :data:`OPS`, from a seeded generator."""
    out: list[tuple[Any, ...]] = []

    def n() -> int:
        return rng.randrange(51)

    def d() -> int:
        return rng.randrange(201)

    for _ in range(count):
        kind = rng.choice(["add", "add", "assign", "remove_lead", "support", "unsupport", "move", "move", "note",
                           "note", "consent", "commune", "answer"])  # fmt: skip
        b = rng.random() < 0.5
        if kind == "add":
            out.append(("add", n(), n(), n() if b else None, d(), rng.random() < 0.3, rng.random() < 0.5, b))
        elif kind in ("assign", "support", "unsupport", "commune"):
            out.append((kind, n(), n(), d()))
        elif kind == "remove_lead":
            out.append((kind, n(), d()))
        elif kind == "move":
            out.append((kind, n(), n(), n(), d()))
        elif kind in ("note", "answer"):
            out.append((kind, n(), n(), b, d()))
        else:
            out.append((kind, n(), b, d()))
    return out


class Writer:
    """Applies operations to a store through the repository; refused writes are skipped."""

    def __init__(self, store: db.Store, net: Any) -> None:
        self.store, self.net = store, net
        self.rules = compile_rules(net.rules)
        self.ids: list[str] = []
        self.received: dict[str, dt.date] = {}

    def suggester(self, fiche: Any, caseload: Any, declined: Any = None) -> Any:
        return suggest(fiche, self.rules, caseload, declined=Declined(**declined) if declined else None)

    def run(self, ops: list[tuple[Any, ...]]) -> None:
        for op in ops:
            try:
                with self.store.transaction() as conn:
                    self.apply(conn, op)
            except EngineError:
                pass

    def apply(self, conn: Any, op: tuple[Any, ...]) -> None:
        kind = op[0]
        net = self.net
        if kind == "add":
            _, commune, naf, lead, day, consent, with_suggestion, needs = op
            received = BASE + dt.timedelta(days=day)
            data: dict[str, Any] = {
                "received": received.isoformat(),
                "received_by": STRUCTURES[commune % len(STRUCTURES)],
                "commune": COMMUNES[commune % len(COMMUNES)],
                "kind": "creation",
                "naf": NAFS[naf % len(NAFS)],
                "needs": NEEDS[: (naf % 3) + 1] if needs else [],
                "porteur": {"name": f"Porteur {len(self.ids)}", "consent_network": consent},
            }
            if lead is not None:
                data |= {"lead": STRUCTURES[lead % len(STRUCTURES)], "stage": "study"}
            fiche = Fiche.model_validate(data, context=net.fiche_context())
            suggester = self.suggester if with_suggestion else None
            (change,) = repository.add_fiches(
                conn, [fiche], who=COORDINATOR, network=net, at=received, suggester=suggester, assign=needs
            )
            self.ids.append(change.fiche)
            self.received[change.fiche] = received
            return
        if not self.ids:
            return
        fiche_id = self.ids[op[1] % len(self.ids)]
        at = self.received[fiche_id] + dt.timedelta(days=op[-1])
        common = {"who": COORDINATOR, "at": at}
        if kind == "assign":
            repository.assign_fiche(conn, fiche_id, network=net, lead=STRUCTURES[op[2] % len(STRUCTURES)], **common)
        elif kind == "remove_lead":
            repository.assign_fiche(conn, fiche_id, network=net, remove_lead=True, **common)
        elif kind == "support":
            repository.assign_fiche(
                conn, fiche_id, network=net, supports=[STRUCTURES[op[2] % len(STRUCTURES)]], **common
            )
        elif kind == "unsupport":
            gone = [STRUCTURES[op[2] % len(STRUCTURES)]]
            repository.assign_fiche(conn, fiche_id, network=net, remove_supports=gone, **common)
        elif kind == "move":  # a trigger allowed from the fiche's stage (guards may still refuse it)
            stage = queries.get(conn, fiche_id).fiche["stage"]
            allowed = lifecycle().allowed_triggers(stage) or TRIGGERS
            trigger = allowed[op[2] % len(allowed)]
            extra: dict[str, Any] = {}
            if trigger == "install":
                extra["installed_on"] = at
            if trigger == "start_follow_up":
                extra["follow_up_by"] = STRUCTURES[op[3] % len(STRUCTURES)]
            repository.move_fiche(conn, fiche_id, trigger, network=net, today=TODAY, **common, **extra)
        elif kind == "note":
            by = BY[op[2] % len(BY)]
            note_kind = "contact" if op[3] else "note"
            repository.note_fiche(conn, fiche_id, "appel", kind=note_kind, by=by, today=TODAY, **common)
        elif kind == "consent":
            repository.set_consent(conn, fiche_id, op[2], **common)
        elif kind == "commune":
            commune = COMMUNES[op[2] % len(COMMUNES)]
            repository.change_commune(conn, fiche_id, commune, network=net, today=TODAY, **common)
        elif kind == "answer":
            asked = sorted(suggestions.current(conn, fiche_id)) or [("cma-63", "lead")]
            structure = asked[op[2] % len(asked)][0]
            answer = "take" if op[3] else "decline"
            who = access.Viewer(structure)
            repository.answer_suggestion(
                conn, fiche_id, answer, who=who, suggester=self.suggester, reason="pas pour nous", at=at
            )


def check_same_alerts(store: db.Store, net: Any) -> int:
    """Projection and full replay agree at every date of :data:`AS_OF`; returns the alerts compared."""
    compared = 0
    with store.transaction() as conn:
        for as_of in AS_OF:
            for who in (COMMITTEE, COORDINATOR):
                fast = alerts_at(conn, net, CHARTER, as_of, AlertFilter(), who)
                slow = alerts_at(conn, net, CHARTER, as_of, AlertFilter(), who, replay_all=True)
                assert [a.to_dict() for a in fast.alerts] == [a.to_dict() for a in slow.alerts], as_of
                assert fast.fiches == slow.fiches
                compared += len(fast.alerts)
        found = verify(conn)
    assert [d for d in found.differences if d.field.startswith("projection")] == []
    return compared


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(ops=st.lists(OPS, min_size=1, max_size=40))
def test_projection_gives_the_alerts_of_the_full_replay(network, ops):
    """Hypothesis, SQLite: any sequence of writes; the projection's alerts are the replay's, at every date."""
    with tempfile.TemporaryDirectory() as tmp:
        store = db.open_store(str(Path(tmp) / "p.sqlite"))
        try:
            Writer(store, network).run(ops)
            check_same_alerts(store, network)
        finally:
            store.dispose()


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
def test_projection_agrees_on_both_backends(store, network):
    """Sampled sequences (seeded) on SQLite and PostgreSQL: the same agreement, and alerts were raised."""
    writer = Writer(store, network)
    rng = random.Random(19)
    writer.run(
        [("add", i, i, i if i % 3 else None, i * 7 % 150, i % 4 == 0, i % 2 == 0, i % 3 == 1) for i in range(12)]
    )
    writer.run([("assign", 1, k, 10 + k) for k in range(5)])  # a porteur handed from one to another
    # journeys to the follow-up by a structure off the fiche, without consent, with later notes
    journey = [("assign", 2, 0, 5), ("move", 2, 0, 0, 6), ("move", 2, 1, 0, 40), ("move", 2, 0, 4, 60)]
    for i in range(3, 8):
        writer.run([(op[0], i, *op[2:]) for op in journey] + [("note", i, i, True, 70 + i), ("move", i, i % 2, i, 90)])
    writer.run(random_ops(rng, 150))
    assert check_same_alerts(store, network) > 0


def test_verify_names_a_projection_out_of_step_and_rebuild_repairs_it(store, store_url, network):
    """A projection row changed or deleted outside capactif: db verify names it (exit 1), db
    rebuild-projection rewrites it from the history, and verify passes again (both backends)."""
    from click.testing import CliRunner
    from sqlalchemy import delete, update

    from cli import main
    from engine.store.schema import fiche_projection

    writer = Writer(store, network)
    writer.run([("add", 0, 0, None, 0, False, False, False), ("add", 1, 1, 2, 3, False, False, False)])
    writer.run([("assign", 0, 3, 9), ("note", 0, 4, True, 12)])
    first, second = writer.ids
    with store.transaction() as conn:
        conn.execute(update(fiche_projection).where(fiche_projection.c.fiche_id == first).values(lead_assignments=7))
        conn.execute(delete(fiche_projection).where(fiche_projection.c.fiche_id == second))
    checked = CliRunner().invoke(main, ["db", "verify", "--db", store_url, "--format", "json"])
    assert checked.exit_code == 1
    found = {(d["fiche"], d["field"]) for d in json.loads(checked.output)["differences"]}
    assert found == {(first, "projection.lead_assignments"), (second, "projection")}
    rebuilt = CliRunner().invoke(main, ["db", "rebuild-projection", "--db", store_url, "--format", "json"])
    assert rebuilt.exit_code == 0 and json.loads(rebuilt.output) == {"fiches": 2, "changed": 2}
    again = CliRunner().invoke(main, ["db", "verify", "--db", store_url])
    assert again.exit_code == 0, again.output
    text = CliRunner().invoke(main, ["db", "rebuild-projection", "--db", store_url]).output
    assert "2 fiche(s) rejouée(s) depuis leur historique : 0 ligne(s) de la projection réécrite(s)." in text


# --- a past date: the fiches whose later events only record contacts, notes or answers ------------------


STATES = [
    {},
    {"stage": "study", "lead": "cma-63", "supporting": ["adie"], "received_by": "cci-thiers", "porteur": {"name": "A"}},
    {"stage": "follow_up", "lead": None, "supporting": [], "follow_up_by": "parc", "held_from": None},
]


@pytest.mark.parametrize("kind", sorted(projection.UNCHANGING))
def test_unchanging_events_change_nothing_but_the_day_and_who_was_reached(kind):
    """ev.apply leaves the state as it was; no current suggestion moves; step() moves only the last
    event's day, the sharings, and the days after the last change (what a past date reads instead of
    replaying the fiche)."""
    import copy

    from engine.store import events as ev

    for state in STATES:
        for payload in ({}, {"text": "appel", "channel": "phone"}, {"structure": "adie", "role": "lead"}):
            rebuilt = ev.Rebuilt(copy.deepcopy(state))
            assert ev.apply(rebuilt, kind, payload) is None
            assert rebuilt.state == state and rebuilt.suggested == {} and not rebuilt.orphan
            facts = projection.Facts.start(BASE)
            before = copy.deepcopy(facts)
            projection.step(facts, kind, BASE + dt.timedelta(days=9), "pfil-thiers", payload, state, state)
            moved = {k for k, v in vars(facts).items() if v != vars(before)[k]}
            assert moved <= {"last_event", "shared", "later"}, moved
    assert ev.SUGGESTED not in projection.UNCHANGING and ev.CREATED not in projection.UNCHANGING


def test_last_change_and_later_do_not_depend_on_the_order_of_the_events():
    """Backdated events arrive in any order: the same last change and later days (fill_changes needs no order)."""
    rng = random.Random(4)
    kinds = [*sorted(projection.UNCHANGING), "stage_changed", "lead_assigned", "consent_changed"]
    for _ in range(300):
        events = [(rng.choice(kinds), BASE + dt.timedelta(days=rng.randrange(60))) for _ in range(rng.randrange(8))]
        ends = set()
        for order in (events, list(reversed(events)), sorted(events, key=lambda e: e[1])):
            facts = projection.Facts.start(BASE)
            for kind, at in order:
                projection.step(facts, kind, at, None, {}, {}, {})
            ends.add((facts.last_change, tuple(facts.later)))
        assert len(ends) == 1
        ((last_change, later),) = ends
        changes = [at for kind, at in events if kind not in projection.UNCHANGING]
        assert last_change == max([BASE, *changes])
        assert list(later) == sorted({at for kind, at in events if kind in projection.UNCHANGING and at > last_change})
        for n in range(-5, 65):
            on = BASE + dt.timedelta(days=n)
            expected = max([BASE, *(at for _k, at in events if at <= on)]) if last_change <= on else None
            assert projection.last_event_on(last_change, later, on) == expected


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
def test_a_past_date_replays_only_the_fiches_that_changed_since(store, network, monkeypatch):
    """Fiches whose events after the date are contacts and notes by their structures are read from the
    projection (none replayed); one moved, one reassigned, one noted by an outsider after the date are
    replayed; the views are the full replay's (both backends)."""
    from engine.readmodel import load as loading
    from engine.readmodel import load_views, local_networks_of

    writer = Writer(store, network)
    writer.run([("add", i, i, i, 0, False, False, False) for i in range(6)])  # six fiches led from day 0
    writer.run([("note", i, i, True, 30 + i) for i in range(6)])  # contacts by their leads, after the date
    writer.run([("move", 0, 0, 0, 40), ("assign", 1, 3, 41), ("note", 2, 8, False, 42)])  # 2: the coordinator
    writer.run([("note", 3, (3 + 1) % len(STRUCTURES), True, 43)])  # an outsider's contact: shared after the date
    replayed: list[str] = []
    read = loading.log.read

    def counting(conn, ids, **kwargs):
        replayed.extend(ids)
        return read(conn, ids, **kwargs)

    as_of = BASE + dt.timedelta(days=20)
    networks = local_networks_of(network.territory)
    with store.transaction() as conn:
        slow = load_views(conn, as_of, local_networks=networks, replay_all=True)
        monkeypatch.setattr(loading.log, "read", counting)
        fast = load_views(conn, as_of, local_networks=networks)
    assert fast == slow
    ids = writer.ids
    assert set(replayed) == {ids[0], ids[1], ids[3]}, replayed
    assert all(v.last_event < as_of for v in fast)


def test_migration_0740_fills_the_changes_from_the_events(store_url, network):
    """A store made before migration 0740 (at 0710) with histories: upgraded, its projection holds what the
    write path would have written (db verify finds no difference), and the alerts still equal the replay."""
    from alembic import command
    from sqlalchemy import text

    store = db.open_store(store_url)
    try:
        writer = Writer(store, network)
        writer.run(random_ops(random.Random(40), 80))
        with store.transaction() as conn:
            command.downgrade(db.alembic_config(conn), "0710")
            assert "last_change" not in str(conn.execute(text("SELECT * FROM fiche_projection LIMIT 1")).keys())
    finally:
        store.dispose()
    upgrading = db.Store(db.resolve_url(store_url), db.make_engine(db.resolve_url(store_url)))
    try:
        assert db.upgrade(upgrading) == ("0710", db.head_revision())
    finally:
        upgrading.dispose()
    store = db.open_store(store_url)
    try:
        with store.transaction() as conn:
            assert conn.execute(text("SELECT count(*) FROM fiche_projection WHERE last_change IS NULL")).scalar() == 0
        check_same_alerts(store, network)
    finally:
        store.dispose()


# --- the supporting structures in the projection (migration 0760) ------------------------------------------


def supports_written(store: db.Store) -> dict[str, list[str]]:
    """Each fiche's supporting structures as ``fiche_supports`` holds them, in position order."""
    with store.transaction() as conn:
        return {fiche_id: list(s) for fiche_id, s in queries.supports_by_fiche(conn).items()}


def projected_supports(store: db.Store) -> dict[str, list[str]]:
    """Each projection row's ``supporting`` (fiches without any left out)."""
    with store.transaction() as conn:
        rows = projection.stored_rows(conn)
    return {fiche_id: row["supporting"] for fiche_id, row in rows.items() if row["supporting"] is not None}


def test_the_projection_keeps_the_supporting_structures_in_their_order(store, network):
    """Added, removed, added again: the projection says what ``fiche_supports`` says, in the same order
    (the one a view gives), and the load's views equal the replay's."""
    from engine.readmodel.load import load_views, local_networks_of

    writer = Writer(store, network)
    writer.run([("add", 0, 0, None, 0, False, False, False)])
    a, b = STRUCTURES[1], STRUCTURES[2]
    writer.run([("support", 0, 1, 1), ("support", 0, 2, 2), ("unsupport", 0, 1, 3), ("support", 0, 1, 4)])
    (fiche,) = writer.ids
    assert supports_written(store) == {fiche: [b, a]} == projected_supports(store)
    networks = local_networks_of(network.territory)
    with store.transaction() as conn:
        (view,) = load_views(conn, TODAY, local_networks=networks)
        assert view == load_views(conn, TODAY, local_networks=networks, replay_all=True)[0]
    assert view.supporting == (b, a)
    writer.run([("unsupport", 0, 2, 5), ("unsupport", 0, 1, 6)])
    assert supports_written(store) == {} == projected_supports(store)


def test_verify_names_the_projections_supporting_structures_out_of_step(store, network):
    """The alerts read the supporting structures from the projection: a row that says others is named by
    db verify (as any other column of the projection) and rewritten by the rebuild."""
    from sqlalchemy import update

    from engine.store.schema import fiche_projection

    writer = Writer(store, network)
    writer.run([("add", 0, 0, None, 0, False, False, False), ("support", 0, 3, 2)])
    (fiche,) = writer.ids
    with store.transaction() as conn:
        key = fiche_projection.c.fiche_id == fiche
        conn.execute(update(fiche_projection).where(key).values(supporting=[STRUCTURES[4]]))
        found = verify(conn)
    assert [(d.fiche, d.field) for d in found.differences] == [(fiche, "projection.supporting")]
    with store.engine.begin() as conn:
        assert projection.rebuild(conn).changed == 1
    with store.transaction() as conn:
        assert verify(conn).differences == []
    assert projected_supports(store) == {fiche: [STRUCTURES[3]]}


def test_migration_0760_fills_the_supporting_structures(store_url, network):
    """A store made before migration 0760 (at 0750) with histories: upgraded, each projection row holds the
    fiche's supporting structures as ``fiche_supports`` orders them, db verify finds no difference, and the
    alerts still equal the replay."""
    from alembic import command
    from sqlalchemy import text

    store = db.open_store(store_url)
    try:
        writer = Writer(store, network)
        writer.run(random_ops(random.Random(76), 120))
        writer.run([("support", 0, 1, 1), ("support", 0, 2, 2), ("unsupport", 0, 1, 3), ("support", 0, 1, 4)])
        written = supports_written(store)
        assert written and any(len(s) > 1 for s in written.values())
        with store.transaction() as conn:
            command.downgrade(db.alembic_config(conn), "0750")
            assert "supporting" not in str(conn.execute(text("SELECT * FROM fiche_projection LIMIT 1")).keys())
    finally:
        store.dispose()
    upgrading = db.Store(db.resolve_url(store_url), db.make_engine(db.resolve_url(store_url)))
    try:
        assert db.upgrade(upgrading) == ("0750", db.head_revision())
    finally:
        upgrading.dispose()
    store = db.open_store(store_url)
    try:
        assert projected_supports(store) == written
        check_same_alerts(store, network)
    finally:
        store.dispose()


def test_a_projection_made_by_0710_in_the_same_upgrade_is_filled_whole(store_url, network):
    """From before the projection (0700): 0710 creates it empty, 0740 leaves it, 0760 replays every history
    into it once it has all its columns."""
    from alembic import command
    from sqlalchemy import text

    store = db.open_store(store_url)
    try:
        writer = Writer(store, network)
        writer.run(random_ops(random.Random(77), 60))
        written = supports_written(store)
        with store.transaction() as conn:
            command.downgrade(db.alembic_config(conn), "0700")
        with store.transaction() as conn:
            command.upgrade(db.alembic_config(conn), "head")
            rows = conn.execute(text("SELECT count(*) FROM fiche_projection")).scalar_one()
        assert rows == len(writer.ids) > 0
        assert projected_supports(store) == written
        check_same_alerts(store, network)
    finally:
        store.dispose()
