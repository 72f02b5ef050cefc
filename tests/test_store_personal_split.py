"""``personal.split`` over any payload shape: nothing personal left, the input untouched, ``join`` undoes it.

``split`` copies the payload as it walks it (``fiche import`` splits one payload per row); these
properties hold for payloads hypothesis builds from the keys that matter (personal or not, nested,
lists, the ``$personal`` key itself), so the one-pass copy cannot share or lose anything.
"""

from __future__ import annotations

import copy
import json

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


def row_values(rows: list[dict]) -> list[str]:
    """Every value the ``personal_data`` rows hold (one row per payload: a JSON object of its values)."""
    assert len(rows) <= 1
    return [v for r in rows for v in json.loads(r["value"]).values()]


@PROPERTY
@given(PAYLOADS)
def test_split_takes_every_personal_value_out_and_join_puts_it_back(payload):
    before = copy.deepcopy(payload)
    stored, rows = personal.split(payload, "F-2026-0001")
    assert payload == before  # the caller's payload is not changed
    assert sorted(row_values(rows)) == sorted(personal_strings(payload))
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
    assert sorted(row_values(rows)) == sorted(personal_strings(payload))
    values = {r["key"]: personal.Value(r["fiche_id"], r["salt"], r["value"]) for r in rows}
    assert personal.join(stored, values) == payload
    assert personal.check(stored, values, "F-2026-0001") == []
    drawn = [r["key"] for r in rows] + [r["salt"] for r in rows]
    assert len(set(drawn)) == len(drawn)
    assert all(ref["key"] == rows[0]["key"] for ref in personal.refs_of(stored).values())
    assert all(len(t) == 32 and int(t, 16) >= 0 for t in drawn)


def test_a_token_source_hands_each_token_out_once():
    draw = personal.tokens(batch=3)
    seen = [draw() for _ in range(10)]
    assert len(set(seen)) == 10
    assert all(len(t) == 64 and set(t) <= set("0123456789abcdef") for t in seen)


CREATED = {
    "fiche": {
        "summary": "boulangerie à Ambert",
        "porteur": {"name": "Camille Martin", "email": "camille@example.org", "phone": "04 73 82 00 00",
                    "consent_network": True},
        "needs": ["premises"],
        "stage": "idea",
    },
    "local_network": "ambert",
}  # fmt: skip


def test_one_row_per_payload_and_each_value_its_digest():
    """A payload's personal values go to one row (one key, one salt), each reference keeping its own digest."""
    stored, rows = personal.split(CREATED, "F-2026-0001")
    assert len(rows) == 1
    (row,) = rows
    refs = personal.refs_of(stored)
    assert sorted(refs) == ["fiche.porteur.email", "fiche.porteur.name", "fiche.porteur.phone", "fiche.summary"]
    assert json.loads(row["value"]) == {
        "fiche.summary": "boulangerie à Ambert",
        "fiche.porteur.name": "Camille Martin",
        "fiche.porteur.email": "camille@example.org",
        "fiche.porteur.phone": "04 73 82 00 00",
    }
    for path, ref in refs.items():
        assert ref["key"] == row["key"] and ref["bundle"] is True
        assert ref["digest"] == personal.digest(row["salt"], json.loads(row["value"])[path])
    assert stored["fiche"]["porteur"] == {"name": None, "email": None, "phone": None, "consent_network": True}
    assert stored["fiche"]["summary"] == ""
    assert personal.split({"stage": "idea", "needs": ["x"]}, "F-2026-0001") == ({"stage": "idea", "needs": ["x"]}, [])


def test_a_value_changed_in_its_row_is_named_alone():
    stored, (row,) = personal.split(CREATED, "F-2026-0001")
    entries = json.loads(row["value"])
    entries["fiche.porteur.name"] = "Jeanne Dupont"
    changed = {row["key"]: personal.Value("F-2026-0001", row["salt"], personal.bundle_text(entries))}
    assert personal.check(stored, changed, "F-2026-0001") == [
        "la donnée personnelle 'fiche.porteur.name' a été modifiée hors de capactif"
    ]
    assert personal.join(stored, changed)["fiche"]["porteur"]["name"] == "Jeanne Dupont"
    broken = {row["key"]: personal.Value("F-2026-0001", row["salt"], "not JSON")}
    assert len(personal.check(stored, broken, "F-2026-0001")) == 4
    assert personal.join(stored, broken)["fiche"]["porteur"]["name"] is None  # nothing made up
    other = {row["key"]: personal.Value("F-2026-0002", row["salt"], row["value"])}
    problems = personal.check(stored, other, "F-2026-0001")
    assert len(problems) == 4 and all("'fiche." in p and "F-2026-0002" in p for p in problems)


def test_rows_of_one_value_written_before_bundles_read_as_before():
    """A store written before 2026-12-01: one row per value, references without ``bundle``."""
    salt, key = "a" * 32, "b" * 32
    stored = {
        "text": None,
        "$personal": {"text": {"key": key, "digest": personal.digest(salt, '{"x":"y"}'), "at": ["text"]}},
    }
    values = {key: personal.Value("F-2026-0001", salt, '{"x":"y"}')}
    assert personal.join(stored, values) == {"text": '{"x":"y"}'}
    assert personal.check(stored, values, "F-2026-0001") == []
    assert personal.missing(stored, {}) == ["text"]


@PROPERTY
@given(st.dictionaries(st.text(), st.text()))
def test_a_row_of_strings_is_written_as_the_json_encoder_writes_it(values):
    """``split``'s row text, quoted string by string, is the encoder's text: quotes, backslashes, control
    characters and non-ASCII alike; ``json.loads`` gives the values back."""
    text = personal._strings_object(values)
    assert text == personal.bundle_text(values) == json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(text) == values


def test_count_values_of_a_row():
    assert personal.count_values(personal.bundle_text({"a": "x", "b": "y"})) == 2
    assert personal.count_values("Camille Martin") == 1
    assert personal.count_values("{not json") == 1
    assert personal.count_values('{"a": 1}') == 1


FICHE_KEYS = st.sampled_from(
    ["id", "received", "summary", "porteur", "commune", "needs", "supporting", "lead", "stage", "offer", "name",
     "text", "$personal", "fiche", 3]
)  # fmt: skip
PORTEUR_KEYS = st.sampled_from(["name", "email", "phone", "consent_network", "summary", "lead", "note"])
ODD = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.lists(st.dictionaries(KEYS, SCALARS), max_size=2),
                st.dictionaries(KEYS, SCALARS, max_size=2))  # fmt: skip
FICHES = st.dictionaries(
    FICHE_KEYS,
    st.one_of(ODD, st.dictionaries(PORTEUR_KEYS, st.one_of(SCALARS, ODD), max_size=5)),
    max_size=8,
)
PLAIN = st.one_of(SCALARS, st.lists(st.text(max_size=4), max_size=3))
PORTEURS = st.fixed_dictionaries(
    {k: st.text(max_size=8) for k in ("name", "email")},
    optional={k: st.one_of(st.text(max_size=8), SCALARS) for k in ("phone", "consent_network")},
)
LIKE_A_FICHE = st.fixed_dictionaries(
    {"summary": st.one_of(st.text(max_size=8), SCALARS), "porteur": st.one_of(PORTEURS, PORTEURS, st.none())},
    optional={
        **dict.fromkeys(("id", "received", "commune", "needs", "supporting", "lead", "stage", "employees"), PLAIN),
        "offer": st.one_of(PLAIN, PLAIN, PLAIN, ODD),
    },
)
CREATED_PAYLOADS = st.one_of(
    st.fixed_dictionaries({"fiche": LIKE_A_FICHE, "local_network": st.one_of(st.none(), st.text(max_size=5))}),
    st.fixed_dictionaries({"fiche": FICHES, "local_network": st.one_of(st.none(), st.text(max_size=5), ODD)}),
    st.fixed_dictionaries({"local_network": st.none(), "fiche": FICHES}),
    st.fixed_dictionaries({"fiche": FICHES, "other": SCALARS}),
)


def fixed_tokens():
    """The same tokens for two splits to compare (what the source of randomness gives does not matter here)."""
    counter = iter(range(10**6))
    return lambda: f"{next(counter):064x}"


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CREATED_PAYLOADS)
def test_a_created_payload_splits_as_the_generic_walk_splits_it(payload):
    """``split``'s path for a ``created`` payload's known shape gives what the generic walk gives, for any
    content (odd keys, types and nesting fall back to the walk)."""
    before = copy.deepcopy(payload)
    found: list = []
    walked = personal._bundled(personal._walked(payload, found), found, "F-2026-0001", fixed_tokens())
    assert personal.split(payload, "F-2026-0001", token=fixed_tokens()) == walked
    assert payload == before


def test_a_created_fiche_dict_takes_the_known_shape():
    from engine.fiche import Fiche
    from engine.store import records

    fiche = Fiche.model_validate(
        {
            "received": "2026-03-02",
            "commune": "63003",
            "kind": "creation",
            "summary": "boulangerie",
            "porteur": {"name": "Camille Martin", "email": "camille@example.org", "consent_network": True},
            "needs": ["premises"],
            "naf": "10.71C",
        }
    )
    payload = {"fiche": records.to_dict(fiche), "local_network": "ambert"}
    found: list = []
    assert personal._created(payload, found) is not None
    assert [path for _at, path, _value in found] == ["fiche.summary", "fiche.porteur.name", "fiche.porteur.email"]
    walked: list = []
    assert personal._walked(payload, walked) == personal._created(payload, [])
    assert walked == found


def test_the_references_are_one_key_and_a_digest_per_path():
    """A payload stores ``{"key", "digests"}`` (about 380 bytes of a created payload's JSON, against 600 for a
    reference per path): the same references through ``refs_of``."""
    stored, (row,) = personal.split(CREATED, "F-2026-0001")
    assert set(stored["$personal"]) == {"key", "digests"}
    assert stored["$personal"]["key"] == row["key"]
    assert stored["$personal"]["digests"] == {p: r["digest"] for p, r in personal.refs_of(stored).items()}
    assert personal.refs_of(stored)["fiche.porteur.name"]["at"] == ["fiche", "porteur", "name"]


def test_a_dotted_key_keeps_where_its_value_was():
    """An edit's ``porteur.name`` change: its path alone does not say where the value goes back."""
    edit = {"changes": {"porteur.name": {"old": "Camille Martin", "new": "Camille Durand"}, "stage": {"old": "idea"}}}
    stored, (row,) = personal.split(edit, "F-2026-0001")
    assert stored["$personal"]["at"] == {
        "changes.porteur.name.old": ["changes", "porteur.name", "old"],
        "changes.porteur.name.new": ["changes", "porteur.name", "new"],
    }
    values = {row["key"]: personal.Value("F-2026-0001", row["salt"], row["value"])}
    assert personal.join(stored, values) == edit
    assert personal.check(stored, values, "F-2026-0001") == []
    assert sorted(personal.missing(stored, {})) == ["changes.porteur.name.new", "changes.porteur.name.old"]


def test_a_reference_per_path_to_a_bundle_reads_as_well():
    """The first form of one row per payload (a reference per path with ``bundle``, written for an hour on
    2026-12-01) reads, checks and erases as the compact one."""
    stored, (row,) = personal.split(CREATED, "F-2026-0001")
    per_path = {**stored, "$personal": {p: dict(r) for p, r in personal.refs_of(stored).items()}}
    values = {row["key"]: personal.Value("F-2026-0001", row["salt"], row["value"])}
    assert personal.refs_of(per_path) == personal.refs_of(stored)
    assert personal.join(per_path, values) == CREATED
    assert personal.check(per_path, values, "F-2026-0001") == []
    assert len(personal.missing(per_path, {})) == 4
