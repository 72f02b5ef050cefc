"""``personal.split`` over any payload shape: nothing personal left, the input untouched, ``join`` undoes it.

``split`` copies the payload as it walks it (``fiche import`` splits one payload per row); these
properties hold for payloads hypothesis builds from the keys that matter (personal or not, nested,
lists, the ``$personal`` key itself), so the one-pass copy cannot share or lose anything.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.store import personal

KEYS = st.sampled_from(["name", "email", "phone", "summary", "text", "porteur", "porteur.name", "fiche", "needs",
                        "stage", "lead", "changes", "comment", "at"])  # fmt: skip
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
VALUES = st.recursive(
    st.one_of(SCALARS, st.lists(SCALARS, max_size=3)),
    lambda inner: st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)
PAYLOADS = st.dictionaries(KEYS, VALUES, max_size=5)
#: No deadline and no speed check: a shared CI machine is slow at times; the examples are what matter.
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def personal_strings(node: object, inside: bool = False) -> list[str]:
    """Every non-empty string a payload holds under a personal key (what split must take out)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            personal_key = inside or str(key).rsplit(".", 1)[-1] in personal.PERSONAL_KEYS
            if personal_key and isinstance(value, str) and value:
                found.append(value)
            elif key != personal.REFS:
                found += personal_strings(value, personal_key)
    return found


@PROPERTY
@given(PAYLOADS)
def test_split_takes_every_personal_value_out_and_join_puts_it_back(payload):
    before = copy.deepcopy(payload)
    stored, rows = personal.split(payload, "F-2026-0001")
    assert payload == before  # the caller's payload is not changed
    assert sorted(r["value"] for r in rows) == sorted(personal_strings(payload))
    assert personal_strings({k: v for k, v in stored.items() if k != personal.REFS}) == []
    values = {r["key"]: personal.Value(r["fiche_id"], r["salt"], r["value"]) for r in rows}
    assert personal.join(stored, values) == payload
    assert personal.check(stored, values, "F-2026-0001") == []


@PROPERTY
@given(PAYLOADS)
def test_the_stored_payload_shares_nothing_with_the_input(payload):
    stored, _rows = personal.split(payload, "F-2026-0001")
    snapshot = copy.deepcopy(stored)
    for node in [payload]:
        for value in node.values():
            if isinstance(value, dict):
                value.clear()
            elif isinstance(value, list):
                value.append("changed")
    assert stored == snapshot


@PROPERTY
@given(PAYLOADS)
def test_a_pooled_token_source_splits_alike(payload):
    """``tokens()`` (a bulk writer's source of salts and keys) gives what ``os.urandom`` each time gives: every
    value taken out and put back, every key and salt fresh (a small batch makes it read the kernel again)."""
    draw = personal.tokens(batch=2)
    stored, rows = personal.split(payload, "F-2026-0001", token=draw)
    assert sorted(r["value"] for r in rows) == sorted(personal_strings(payload))
    values = {r["key"]: personal.Value(r["fiche_id"], r["salt"], r["value"]) for r in rows}
    assert personal.join(stored, values) == payload
    assert personal.check(stored, values, "F-2026-0001") == []
    drawn = [r["key"] for r in rows] + [r["salt"] for r in rows]
    assert len(set(drawn)) == len(drawn)
    assert all(len(t) == 32 and int(t, 16) >= 0 for t in drawn)


def test_a_token_source_hands_each_token_out_once():
    draw = personal.tokens(batch=3)
    seen = [draw() for _ in range(10)]
    assert len(set(seen)) == 10
    assert all(len(t) == 64 and set(t) <= set("0123456789abcdef") for t in seen)
