"""``fiche import``'s row validator without a model per row accepts exactly what the model accepts.

:class:`engine.store.importing.RowValidator` validates each distinct cell of a column once with the
model, checks the texts and contacts with the model's own functions, builds the fiche and runs the
model's after-validator; whenever it is unsure it returns None and the row goes through
``Fiche.model_validate``, which reports every problem with its messages.  So for any row:

* the fast fiche, when there is one, is the model's fiche: same fields, same fields set, same private
  facts (nature found from the NAF code, derived or not);
* a row the model refuses never has a fast fiche (its problems are the model's);

and a whole file reads the same with and without it: same fiches, same rejected rows, same messages.
Hypothesis builds rows of valid, odd and invalid cells for every column (French labels, spreadsheet
dates and booleans, neutralised cells, texts too long or with a NUL, unknown structures, a lead also
supporting, an artisan registered at creation, a farm link against a nature…), through one validator
so that cells remembered from a row are reused in the next ones.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import limits
from engine.fiche import Fiche
from engine.output import to_csv
from engine.store import importing
from engine.store.exporting import COLUMNS

CHECKS = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=CHECKS)
TODAY = dt.date.today()
DATES = ["", "2026-03-02", "02/03/2026", " 2025-11-30 ", "2026-13-01", "31/02/2026", "1999-12-31", "2000-01-01",
         (TODAY + dt.timedelta(days=1)).isoformat(), TODAY.isoformat(), "hier", "2026-3-2", "20260302"]  # fmt: skip
STRUCTURES = ["", "cma-63", "cci-63", "adie", "agri-63", "inconnue", "CMA-63", " cma-63", "x" * 40, "cma\x00-63"]
TEXT = st.text(alphabet="aé'=+-@\t\n\x00 \"|;,", max_size=6)
LONG = st.sampled_from(["", "a" * limits.SHORT_TEXT_LENGTH, "a" * (limits.SHORT_TEXT_LENGTH + 1),
                        "b" * (limits.TEXT_LENGTH + 1), "'=SOMME(A1)", " Jeanne ", "Jeanne\x00"])  # fmt: skip


def joined(items: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(items), max_size=4).map("|".join) | st.sampled_from(["", " | ", "|"])


CELLS: dict[str, st.SearchStrategy[str]] = {
    "id": st.sampled_from(["", "F-2026-0001", "F-2026-123456789", "F-26-1", "F-2026-1234567890", "n°3"]),
    "received": st.sampled_from(DATES),
    "received_by": st.sampled_from(STRUCTURES),
    "summary": TEXT | LONG,
    "porteur.name": TEXT | LONG,
    "porteur.email": st.sampled_from(
        [
            "",
            "jeanne.martin@example.org",
            "Jeanne.Martin@Example.ORG",
            "info@ca.fr",
            "hélène@exemple.fr",
            "bad@",
            "a@b",
            " x.y@z.fr ",
            "x@test",
            "a..b@c.fr",
            "'=x@y.fr",
            "x" * 250 + "@y.fr",
        ]
    )
    | TEXT,
    "porteur.phone": st.sampled_from(
        [
            "",
            "04 73 82 00 00",
            "0473820000",
            "04.73.82.00.00",
            "+33 4 73 82 00 00",
            "08 00 00 00 00",
            "123",
            "+32 2 123 45 67",
            "04-73-82-00-00",
            "0" * 41,
        ]
    )
    | TEXT,
    "porteur.consent_network": st.sampled_from(["", "true", "false", "VRAI", "faux", "oui", "Non", "1", "peut-être"]),
    "commune": st.sampled_from(
        ["", "63003", "Ambert", "ambert", "63600 Ambert", "63600", "99999", "Paris", "63", "Thiers", "a" * 201]
    ),
    "kind": st.sampled_from(["", "creation", "Création", "reprise", "takeover", "development", "développement", "x"]),
    "naf": st.sampled_from(["", "10.71C", "1071c", "47.11", "47.11B", "99.99Z", "01.11Z", "01.62Z", "96.02A", "x"]),
    "nature": st.sampled_from(
        ["", "artisanal", "artisanale", "agricultural", "agricole", "commercial", "liberal", "x"]
    ),
    "employees": st.sampled_from(
        ["", "0", "2", "12", "-1", "1.5", "100001", "100000", "abc", " 3 ", "1_000", "true", "2.0", "+4"]
    ),
    "artisan_registered": st.sampled_from(["", "true", "false", "VRAI", "oui", "1", "maybe"]),
    "farm_link": st.sampled_from(["", "extension", "on_farm", "equestrian", "centre équestre", "x"]),
    "needs": joined(["business_plan", "prêt d'honneur", "local", "honour_loan", "premises", "x", "prêt", " grant "]),
    "publics": joined(["job_seeker", "farmer", "agriculteur", "jeune", "young", "x"]),
    "stage": st.sampled_from(["", "idea", "idée", "study", "installed", "follow_up", "on_hold", "developed", "x"]),
    "lead": st.sampled_from(STRUCTURES),
    "supporting": joined([s for s in STRUCTURES if s and "|" not in s]),
    "installed_on": st.sampled_from(DATES),
    "follow_up_by": st.sampled_from(STRUCTURES),
    "held_from": st.sampled_from(["", "idea", "study", "financing", "x"]),
    "offer": st.sampled_from(["", "O-2026-0001", "O-26-1", "bad"]),
    "errors": st.sampled_from(["", "ligne 3 : commune inconnue"]),
}
HEADER = [*COLUMNS, "errors"]
assert set(CELLS) == set(HEADER)
#: Cells each valid alone (the fast path's common case), so that whole rows are often valid.
VALID: dict[str, st.SearchStrategy[str]] = {
    "received": st.sampled_from(["2026-03-02", "02/03/2026", " 2025-11-30 ", TODAY.isoformat()]),
    "commune": st.sampled_from(["63003", "Ambert", "63600 Ambert", "Thiers"]),
    "kind": st.sampled_from(["creation", "Création", "reprise", "development"]),
    "summary": TEXT.filter(lambda t: "\x00" not in t),
    "porteur.name": TEXT.filter(lambda t: "\x00" not in t),
    "porteur.email": st.sampled_from(["", "jeanne.martin@example.org", "Jeanne.Martin@Example.ORG", "info@ca.fr"]),
    "porteur.phone": st.sampled_from(["", "04 73 82 00 00", "+33 4 73 82 00 00", "+32 2 123 45 67"]),
    "naf": st.sampled_from(["", "10.71C", "1071c", "47.11B", "01.11Z", "96.02A"]),
    "employees": st.sampled_from(["", "0", "12", " 3 "]),
    "needs": joined(["business_plan", "prêt d'honneur", "local", "honour_loan", " grant "]),
    "publics": joined(["job_seeker", "farmer", "agriculteur", "jeune"]),
    "stage": st.sampled_from(["", "idea", "idée"]),
    "lead": st.sampled_from(["", "cma-63", "adie"]),
    "supporting": joined(["cci-63", "agri-63", "adie"]),
}
#: A row of valid cells with up to four cells of any kind (valid, odd or invalid).
ROWS = st.builds(
    lambda valid, odd: dict.fromkeys(HEADER, "") | valid | odd,
    st.fixed_dictionaries(VALID),
    st.lists(st.sampled_from(HEADER), max_size=4).flatmap(lambda cs: st.fixed_dictionaries({c: CELLS[c] for c in cs})),
)


def same(fast: Fiche, slow: Fiche) -> None:
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_dump(mode="json") == slow.model_dump(mode="json")
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.porteur.model_fields_set == slow.porteur.model_fields_set
    assert fast.__pydantic_private__ == slow.__pydantic_private__
    assert fast.nature_to_confirm() == slow.nature_to_confirm()
    assert type(fast.needs) is list and fast.needs is not slow.needs


def check(rows: importing.RowValidator, header: list[str], cells: list[str], ctx: dict) -> bool:
    """The fast fiche (if any) is the model's; a refused row has none.  Whether the fast path took it."""
    fast = rows.fiche(cells)
    try:
        slow = Fiche.model_validate(importing._nest(dict(zip(header, cells, strict=True))), context=ctx)
    except Exception:
        assert fast is None, "the model refuses a row the fast path accepted"
        return False
    if fast is not None:
        same(fast, slow)
    return fast is not None


@pytest.fixture(scope="module")
def ctx(network):
    return {**network.fiche_context(), "today": TODAY}


@pytest.fixture(scope="module")
def shared(ctx):
    """One validator for every example: what it remembers of a cell is reused in other rows."""
    return importing.RowValidator(HEADER, ctx)


@PROPERTY
@given(st.fixed_dictionaries(CELLS) | ROWS)
def test_any_row_is_the_models_fiche_or_goes_to_the_model(shared, ctx, row):
    check(shared, HEADER, [row[c] for c in HEADER], ctx)


@PROPERTY
@given(st.fixed_dictionaries(CELLS) | ROWS, st.permutations(HEADER), st.integers(min_value=3, max_value=len(HEADER)))
def test_any_columns_in_any_order(ctx, row, order, count):
    header = list(order[:count])
    for required in ("received", "commune", "kind"):
        if required not in header:
            header.append(required)
    check(importing.RowValidator(header, ctx), header, [row[c] for c in header], ctx)


def valid_rows() -> list[dict[str, str]]:
    base = dict.fromkeys(HEADER, "")
    return [
        base | {"received": "2026-03-02", "commune": "Ambert", "kind": "création", "naf": "10.71C"},
        base | {"received": "02/03/2026", "commune": "63003", "kind": "creation", "naf": "1071c", "employees": "12",
                "porteur.name": "Jeanne Martin", "porteur.email": "Jeanne.Martin@Example.ORG",
                "porteur.phone": "+33 4 73 82 00 00", "porteur.consent_network": "VRAI", "summary": "'=fournil",
                "needs": "prêt d'honneur|local|local", "stage": "study", "lead": "cma-63", "supporting": "adie|adie"},
        base | {"received": "2026-01-05", "commune": "63003", "kind": "reprise", "farm_link": "extension",
                "publics": "agriculteur", "naf": "47.11B"},
        base | {"received": "2026-01-05", "commune": "63003", "kind": "development", "artisan_registered": "true",
                "naf": "96.02A", "employees": "15", "stage": "installed", "installed_on": "2026-02-01",
                "lead": "cma-63"},
    ]  # fmt: skip


def test_the_usual_rows_take_the_fast_path(shared, ctx):
    """Not vacuous: rows of the usual shapes are validated without a model each."""
    for row in valid_rows() * 2:
        assert check(shared, HEADER, [row[c] for c in HEADER], ctx), row


def test_a_file_reads_the_same_with_and_without_it(tmp_path, ctx):
    """Same fiches, same rejected rows, same problems at the same places, in French."""
    bad = [
        {"received": "2026-03-02", "commune": "Ambert", "kind": "nothing"},
        {"received": "31/02/2026", "commune": "Paris", "kind": "creation", "porteur.email": "bad@"},
        {"received": "2026-03-02", "commune": "63003", "kind": "creation", "lead": "cma-63", "supporting": "cma-63"},
        {"received": "2026-03-02", "commune": "63003", "kind": "creation", "artisan_registered": "true"},
        {"received": "2026-03-02", "commune": "63003", "kind": "creation", "stage": "installed"},
        {"received": "", "commune": "63003", "kind": "creation", "summary": "x" * (limits.TEXT_LENGTH + 1)},
    ]
    rows = [*valid_rows(), *bad, *valid_rows()]
    path = tmp_path / "fiches.csv"
    path.write_text(to_csv([{c: r.get(c, "") for c in HEADER} for r in rows], HEADER), encoding="utf-8")
    from engine.i18n import using

    with using("fr"):
        fast = importing._read_csv(path, ctx)
        slow = importing._read_csv(path, ctx, fast=False)
    assert [f.model_dump() for f in fast.fiches] == [f.model_dump() for f in slow.fiches]
    assert [f.source for f in fast.fiches] == [f.source for f in slow.fiches]
    assert [(r.line, r.data, r.problems) for r in fast.rejected] == [
        (r.line, r.data, r.problems) for r in slow.rejected
    ]
    assert len(fast.fiches) == 2 * len(valid_rows()) and len(fast.rejected) == len(bad)
