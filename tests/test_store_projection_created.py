"""The projection row of a fiche created alone (``fiche import``'s path) is the one the general path makes.

:func:`engine.store.projection.created_row` writes out what ``Facts.start`` advanced by :func:`step` over the
``created`` event gives; these hold it to that for any reception and event day, author and structures on the
fiche, and check that :func:`advance` stores it.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.store import events as ev
from engine.store import projection

STRUCTURES = st.sampled_from(["cma-63", "pfil-thiers", "bge-auvergne"])
DAYS = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 12, 31))
FICHES = st.fixed_dictionaries(
    {},
    optional={
        "received": st.one_of(st.none(), DAYS.map(dt.date.isoformat)),
        "lead": st.one_of(st.none(), STRUCTURES),
        "received_by": st.one_of(st.none(), STRUCTURES),
        "supporting": st.lists(STRUCTURES, max_size=2, unique=True),
        "follow_up_by": st.one_of(st.none(), STRUCTURES),
    },
)
AUTHORS = st.one_of(st.none(), st.just(""), st.sampled_from(["coordinator", "anonymous", "committee"]), STRUCTURES)


def general(fiche_id: str, row: dict) -> dict:
    """The row :func:`advance`'s general path makes: the facts at the reception, one step, written out."""
    fiche = row["payload"]["fiche"]
    facts = projection.Facts.start(projection.day(fiche.get("received") or row["at"]))
    after = projection._applied({}, row)
    projection.step(facts, row["kind"], projection.day(row["at"]), row["by"], row["payload"], {}, after)
    return facts.to_row(fiche_id)


@settings(max_examples=400, deadline=None)
@given(FICHES, DAYS, AUTHORS)
def test_a_lone_created_event_gives_the_general_paths_row(fiche, at, by):
    row = {"fiche_id": "F-2026-0001", "kind": ev.CREATED, "at": at, "by": by, "payload": {"fiche": fiche}}
    assert projection.created_row("F-2026-0001", row) == general("F-2026-0001", row)


def test_a_structure_creating_a_fiche_it_is_not_on_shares_it_and_one_on_it_does_not():
    """What the fast row must get right beyond the days: ``shared`` (``consent_missing`` reads it)."""
    at = dt.date(2026, 3, 2)
    row = {"fiche_id": "F", "kind": ev.CREATED, "at": at, "by": "cma-63",
           "payload": {"fiche": {"received": "2026-03-01", "received_by": "pfil-thiers"}}}  # fmt: skip
    made = projection.created_row("F", row)
    assert made is not None
    assert made["shared"] == [["2026-03-02", "cma-63", ev.CREATED]]
    assert made["last_event"] == made["last_change"] == at and made["follow_up_set"] == dt.date(2026, 3, 1)
    row["payload"]["fiche"]["received_by"] = "cma-63"
    assert projection.created_row("F", row)["shared"] is None  # type: ignore[index]


def test_other_events_and_odd_payloads_take_the_general_path():
    at = dt.date(2026, 3, 2)
    assert projection.created_row("F", {"kind": ev.NOTE, "at": at, "by": None, "payload": {"fiche": {}}}) is None
    assert projection.created_row("F", {"kind": ev.CREATED, "at": at, "by": None, "payload": {"fiche": "x"}}) is None
    assert projection.created_row("F", {"kind": ev.CREATED, "at": at, "by": None, "payload": []}) is None
