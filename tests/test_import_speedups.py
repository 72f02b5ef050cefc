"""Shortcuts taken for ``fiche import`` give exactly what the general path gives (issue 19).

* ``porteur_keys.normal_name`` folds an ASCII name without decomposing it: the same words as the
  Unicode path (hypothesis over ASCII text, spaces, punctuation and case);
* ``bulk._processed`` serialises a JSON column's list of strings once per distinct list: the same text
  as the column's own processor for every value, and a list of ``True`` never taken for one of ``1``.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.store import bulk, porteur_keys


def general_normal_name(name: str) -> str:
    """The Unicode path of ``normal_name`` (decompose, drop combining marks, fold, sort the words)."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()
    return " ".join(sorted(porteur_keys.re.findall(r"[a-z0-9]+", folded)))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_an_ascii_name_folds_as_the_unicode_path_folds_it(name):
    assert porteur_keys.normal_name(name) == (general_normal_name(name) if name else "")


def test_names_with_accents_still_lose_them():
    assert porteur_keys.normal_name("  Hélène  DUPUY-Martin ") == "dupuy helene martin"
    assert porteur_keys.normal_name("Helene Dupuy-MARTIN") == "dupuy helene martin"


def test_json_lists_serialised_once_each_give_the_processor_s_text():
    calls: list[object] = []

    def process(value: object) -> str:
        calls.append(value)
        return repr(value)

    values = [["a"], ["a"], [1], [True], ["a", "b"], [], [], None, {"a": 1}, ["a", 1]]
    assert bulk._processed(process, values, remember=False) == [repr(v) for v in values]
    assert calls.count(["a"]) == 1 and calls.count([]) == 1  # distinct lists of strings: once each
    assert [1] in calls and [True] in calls and ["a", 1] in calls  # anything else: every time


def test_days_are_processed_once_each_and_datetimes_as_before():
    import datetime as dt

    calls: list[object] = []

    def process(value: object) -> str:
        calls.append(value)
        return value.isoformat() if isinstance(value, dt.date) else repr(value)

    day = dt.date(2026, 3, 2)
    again = dt.date.fromisoformat("2026-03-02")  # equal, another object
    moment = dt.datetime(2026, 3, 2, 0, 0)  # equal to nothing above (a datetime is never equal to a date)
    values = [day, again, moment, dt.date(2026, 3, 3), None, moment]
    assert bulk._processed(process, values, remember=True) == [process(v) for v in values]
    calls.clear()
    bulk._processed(process, values, remember=True)
    assert calls == [day, moment, dt.date(2026, 3, 3), None]


def test_a_column_of_one_object_is_processed_once_and_an_equal_other_object_breaks_it():
    import datetime as dt

    calls: list[object] = []

    def process(value: object) -> str:
        calls.append(value)
        return repr(value)

    now = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    same = [now] * 5
    assert bulk._processed(process, same, remember=True) == [repr(now)] * 5
    assert calls == [now]
    shared = ["a", 1]  # one mutable list in every row (JSON): its one text
    calls.clear()
    assert bulk._processed(process, [shared] * 3, remember=False) == [repr(shared)] * 3
    assert calls == [shared]
    # 1 == True and an equal list that is another object: not one object, each processed as before
    calls.clear()
    assert bulk._processed(process, [1, 1, True], remember=False) == ["1", "1", "True"]
    assert bulk._processed(process, [[1], [1], [True]], remember=False) == ["[1]", "[1]", "[True]"]
