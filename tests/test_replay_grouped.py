"""A replay routes each distinct fiche (what routing reads of it) once per rule set: the report is the one
routing every fiche gives, for fiche files and for the store's fiches read as their routing columns."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from test_replay_diff import RULES, move_thiers_to_ambert

from engine import network as networks
from engine import sample
from engine.replay.delta import rules_delta
from engine.replay.diff import replay, routing_key
from engine.replay.sources import StoredRouting, store_routings
from engine.routing import compile_rules, suggest
from engine.store import access, queries, repository
from engine.store.queries import ListFilter
from engine.vocabulary import ACTIVE_STAGES

COORDINATOR = access.Viewer(access.COORDINATOR)


@pytest.fixture(scope="module")
def sides(tmp_path_factory):
    """The bundled rules, and a copy with Thiers moved to local network ambert and the Puy-de-Dôme
    guarantee fund (garantie-63) serving the Haute-Loire too: (base ruleset, working ruleset, delta)."""
    work = tmp_path_factory.mktemp("work") / "rules"
    shutil.copytree(RULES, work)
    move_thiers_to_ambert(work)
    path = work / "structures" / "garantie-63.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'departments: ["63"]' in text
    path.write_text(text.replace('departments: ["63"]', 'departments: ["63", "43"]', 1), encoding="utf-8")
    base, working = networks.load(RULES).rules, networks.load(work).rules
    return base, working, rules_delta(base, working)


def report(fiches, sides, **options):
    base, working, delta = sides
    changes, by_structure, by_network = replay(fiches, compile_rules(base), compile_rules(working), delta, **options)
    return (
        [c.to_dict() for c in changes],
        {k: vars(v) for k, v in by_structure.items()},
        {k: vars(v) for k, v in by_network.items()},
    )


def test_fiches_read_alike_are_routed_once_and_reported_each_under_their_id(sides, network):
    """Sample fiches, each twice under two ids: the grouped report equals routing every fiche."""
    made = sample.generate(network, 400, seed=11, end=dt.date(2026, 6, 30))
    made = [f.model_copy(update={"id": f"F-2026-{i + 1:04d}"}) for i, f in enumerate(made)]
    twins = [f.model_copy(update={"id": f"F-2027-{i + 1:04d}"}) for i, f in enumerate(made)]
    fiches = [x for pair in zip(made, twins, strict=True) for x in pair]
    assert len({routing_key(f) for f in fiches}) < len(fiches)
    grouped = report(fiches, sides)
    assert grouped == report(fiches, sides, suggest=suggest)
    changed = [c["fiche"] for c in grouped[0]]
    assert changed and len(changed) == len(set(changed))
    assert {f.id for f in twins} & set(changed)


@pytest.mark.parametrize("as_of", [None, dt.date(2026, 3, 31)])
def test_the_stores_routing_columns_give_the_report_of_its_fiches(sides, network, store, store_url, as_of):
    """``store_routings`` (narrow columns, streamed) replays as the stored fiches themselves do, to the day."""
    made = sample.generate(network, 120, seed=5, end=dt.date(2026, 6, 30))
    with store.transaction() as conn:
        repository.add_fiches(conn, [*made, *made[:40]], who=COORDINATOR, network=network, at=dt.date(2026, 1, 2))
    with store.transaction() as conn:
        stored = [row.model() for row in queries.iter_fiches(conn, ListFilter(received_to=as_of))]
    read = store_routings(as_of, store_url)
    items = list(read)
    assert all(isinstance(item, StoredRouting) for item in items) and len(read) == len(items)
    if as_of is None:
        expected = stored
    else:  # no stage or commune change recorded: the fiches received by then and in an active stage
        expected = [f for f in stored if f.stage in ACTIVE_STAGES]
        assert 0 < len(expected) < len(made) + 40
    assert [item.label() for item in items] == [f.id for f in expected]
    assert report(read, sides) == report(expected, sides, suggest=suggest)
    assert all(routing_key(item.model()) == routing_key(f) for item, f in zip(items, expected, strict=True))
