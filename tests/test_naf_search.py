"""`capactif naf search`: the NAF code of an everyday activity comes first.

The dozen activities of issue 15, and the other words a first reception hears, each with the code
the network uses for it; plus plurals, accents and misspellings.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from engine import activities
from engine.naf_search import search, synonyms

EVERYDAY = [
    ("boulangerie", "10.71C"),
    ("boulanger", "10.71C"),
    ("boulangeries", "10.71C"),
    ("coiffure", "96.02A"),
    ("coiffeuse", "96.02A"),
    ("taxi", "49.32Z"),
    ("maraîchage", "01.13Z"),
    ("gîte", "55.20Z"),
    ("gite rural", "55.20Z"),
    ("chambres d'hôtes", "55.20Z"),
    ("menuiserie", "43.32A"),
    ("pharmacie", "47.73Z"),
    ("plombier", "43.22A"),
    ("coutellerie", "25.71Z"),
    ("restaurant", "56.10A"),
    ("garage", "45.20A"),
    ("scierie", "16.10A"),
    ("maçon", "43.99C"),
    ("électricien", "43.21A"),
    ("fromagerie", "10.51C"),
    ("élevage de chèvres", "01.45Z"),
    ("vente de vêtements", "47.71Z"),
    ("esthéticienne", "96.02B"),
    ("paysagiste", "81.30Z"),
]


@pytest.mark.parametrize(("words", "code"), EVERYDAY)
def test_everyday_activity_comes_first(words, code):
    """The expected code is the first answer."""
    assert code == search(words)[0].code


@pytest.mark.parametrize("words", ["BOULANGERIE", "boulangerie ", "Boulangéries", "boulengerie"])
def test_case_accents_plurals_and_a_typo(words):
    """Upper case, stray accents, plurals and one wrong letter still find the bakery first."""
    assert "10.71C" == search(words)[0].code


def test_a_code_is_found_as_itself():
    """A NAF code typed in the search box (with or without the dot) is that code."""
    assert ["10.71C"] == [m.code for m in search("1071c")]


def test_nothing_found():
    """Words of no activity give no answer (not a random code)."""
    assert [] == search("zzzz qqqq")
    assert [] == search("de la")


def test_answers_carry_the_nature_and_whether_to_confirm():
    """Each answer says its legal nature and whether the technician must confirm it."""
    bakery = search("boulangerie")[0]
    assert ("artisanal", False) == (bakery.nature, bakery.needs_confirmation)
    first = search("photographe")[0]
    assert (first.nature, first.needs_confirmation) == (
        activities.nature_of(first.code).nature,
        activities.nature_of(first.code).needs_confirmation,
    )


def test_every_synonym_row_names_a_real_code():
    """naf_synonyms.csv only names codes of the nomenclature, and each finds its code first."""
    codes = activities.nomenclature()
    for code, words in synonyms().items():
        assert code in codes
        assert code in [m.code for m in search(words[0], limit=3)], words[0]


def test_limit():
    """At most --limit answers."""
    assert 2 == len(search("commerce", limit=2))


def test_command_table_and_json():
    """`capactif naf search` prints code, label, nature, confirmation; --format json the documented keys."""
    runner = CliRunner()
    table = runner.invoke(main, ["naf", "search", "boulangerie", "--limit", "3"])
    assert 0 == table.exit_code, table.output
    first = table.output.splitlines()[1]
    assert "10.71C" in first and "Boulangerie et boulangerie-pâtisserie" in first and "artisanale" in first
    data = json.loads(runner.invoke(main, ["naf", "search", "plombier", "--format", "json"]).output)
    assert {"code", "label", "nature", "needs_confirmation", "score", "matched"} == set(data[0])
    assert ("43.22A", "artisanal") == (data[0]["code"], data[0]["nature"])


def test_command_without_answer():
    """No code found: a French sentence saying what to try, exit 1 (nothing to show)."""
    result = CliRunner().invoke(main, ["naf", "search", "zzzz"])
    assert 1 == result.exit_code
    assert "Aucun code NAF" in result.output


def test_threads_stemming_at_once_get_the_stems_one_thread_gets():
    """The web application searches from several threads at once (the activity field and the live
    suggestion as a technician types): every thread gets the stems a lone thread gets, no error."""
    from concurrent.futures import ThreadPoolExecutor

    from engine import naf_search

    words = sorted({w for row in naf_search._index()[0] for w in row.label.split()})[:3000]
    naf_search._stem.cache_clear()
    expected = [naf_search._stemmer().stemWord(naf_search.fold(w).strip() or "x") for w in words]
    for _ in range(3):
        naf_search._stem.cache_clear()
        with ThreadPoolExecutor(max_workers=8) as pool:
            got = list(pool.map(lambda w: naf_search._stem(naf_search.fold(w).strip() or "x"), words))
        assert got == expected
