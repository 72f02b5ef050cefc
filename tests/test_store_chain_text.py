"""The event payload is serialised once: the text stored in its column is the text hashed into the chain.

``chain.append`` hashes each payload's canonical JSON (:func:`engine.store.chain.payload_text`) and stores
that same text (engine.store.bulk's ``serialised``), instead of serialising the payload a second time for
its column.  ``db verify`` recomputes each hash from the stored text parsed again
(:func:`engine.store.chain.event_hash`): these properties hold the two to the same hash for any JSON
payload, and the stored text to the canonical text, on both backends.
"""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Text, cast, select

from engine.store import bulk, chain
from engine.store.schema import event_chain, events, fiches

#: Any JSON value a payload may hold: text with accents, quotes, escapes and control characters, numbers.
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**53), max_value=2**53), st.text(max_size=12),
    st.floats(allow_nan=False, allow_infinity=False),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=16,
)  # fmt: skip
PAYLOADS = st.dictionaries(st.text(max_size=8), VALUES, max_size=6)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)


def row(payload: dict, **extra) -> dict:
    return {"seq": 7, "fiche_id": "F-2026-0001", "version": 1, "kind": "created", "at": dt.date(2026, 3, 2),
            "recorded_at": NOW, "by": "cma-63", "actor": "coordinator", "account": None, "payload": payload,
            **extra}  # fmt: skip


@PROPERTY
@given(PAYLOADS, st.sampled_from([chain.GENESIS, "ab" * 32]), st.sampled_from([None, "cma-63", 'é"\\']))
def test_the_hash_of_the_stored_text_is_the_hash_db_verify_recomputes(payload, previous, by):
    text = chain.payload_text(payload)
    event = row(payload, by=by)
    # The encoders made once write what json.dumps writes with the same options (what was always hashed).
    options = {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False}
    assert (
        chain.canonical(payload)
        == json.dumps(payload, **options, default=str)
        == text
        == json.dumps(payload, **options)
    )
    assert chain.hash_with(previous, event, text) == chain.event_hash(previous, event)
    # What db verify reads back (the stored text parsed) serialises canonically to the same text.
    assert chain.canonical(json.loads(text)) == text
    assert chain.event_hash(previous, row(json.loads(text), by=by)) == chain.event_hash(previous, event)


def test_a_payload_that_is_not_json_is_refused_as_the_column_refused_it():
    try:
        chain.payload_text({"day": dt.date(2026, 1, 1)})
    except TypeError:
        return
    raise AssertionError("a date in a payload was serialised")


def test_bulk_appended_events_store_the_hashed_text_and_verify(store):
    """Enough events for the bulk path: the stored payload text is the canonical text, every hash recomputes."""
    count = bulk.THRESHOLD + 5
    payloads = [{"fiche": {"summary": "", "needs": ["é", None, 1.5, True], "n": i}, "z": "\u0000\"\\\n", "a": i}
                for i in range(count)]  # fmt: skip
    with store.transaction() as conn:
        fiche_row = {"id": "F-2026-9001", "year": 2026, "number": 9001, "received": dt.date(2026, 3, 2),
                     "summary": "", "consent_network": False, "commune": "63003", "kind": "creation", "needs": [],
                     "publics": [], "stage": "idea", "orphan": False, "version": 1, "created_at": NOW,
                     "updated_at": NOW}  # fmt: skip
        conn.execute(fiches.insert(), [fiche_row])
        rows = [
            {k: v for k, v in row(p).items() if k != "seq"} | {"fiche_id": "F-2026-9001", "version": i + 1}
            for i, p in enumerate(payloads)
        ]
        previous = conn.execute(select(event_chain.c.hash)).scalar_one()
        chain.append(conn, rows)
        stored = conn.execute(
            select(events.c.seq, events.c.hash, cast(events.c.payload, Text), events.c.payload)
            .where(events.c.fiche_id == "F-2026-9001")
            .order_by(events.c.seq)
        ).all()
    assert len(stored) == count
    for (seq, digest, text, parsed), appended, payload in zip(stored, rows, payloads, strict=True):
        assert text == chain.canonical(payload) == chain.payload_text(payload)
        assert parsed == payload
        # As db verify does: the hash recomputed from the stored text parsed, chained from the one before.
        assert (seq, digest) == (appended["seq"], chain.event_hash(previous, appended | {"payload": json.loads(text)}))
        previous = digest


def test_a_recording_time_formatted_once_hashes_alike():
    """``link`` formats a command's one recording time once for all its rows: the same hash as formatted per row."""
    now = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)
    row = {"seq": 5, "fiche_id": "F-2026-0001", "version": 1, "kind": "created", "at": dt.date(2026, 1, 1),
           "recorded_at": now, "by": "coordinator", "actor": "coordinator", "account": None}  # fmt: skip
    once = chain.hash_with("0" * 64, row, '{"a":1}', stamp=chain.timestamp(now))
    assert once == chain.hash_with("0" * 64, row, '{"a":1}') == chain.event_hash("0" * 64, {**row, "payload": {"a": 1}})
