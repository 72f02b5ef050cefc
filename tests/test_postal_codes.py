"""Communes given by postal code, by postal code and name, and the form's suggestions.

Several communes of the territory often share a postal code (63600: Ambert and nine others): the
postal code alone resolves only when one commune has it; otherwise the error lists them, and
'63600 Ambert' picks one.  The postal codes are the territory file's (rules/territory/communes.csv,
COG 2026 via @etalab/decoupage-administratif: see the file's header).
"""

from __future__ import annotations

import pytest

from engine import fiche as fiche_module


@pytest.fixture(scope="module")
def territory(network):
    """The bundled territory (191 communes)."""
    return network.territory


def shared_postal_codes(territory) -> dict[str, list[str]]:
    """Postal code → INSEE codes, for the codes several communes share."""
    by_code: dict[str, list[str]] = {}
    for commune in territory.communes.values():
        for code in commune.postal_codes:
            by_code.setdefault(code, []).append(commune.insee)
    return {code: sorted(codes) for code, codes in by_code.items() if len(codes) > 1}


def test_a_postal_code_of_one_commune_resolves(territory):
    """63990 is Job's only: it resolves to Job's INSEE code."""
    assert "63179" == territory.resolve("63990").insee


def test_every_unshared_postal_code_resolves_to_its_commune(territory):
    """For each postal code only one commune has, the postal code alone gives that commune."""
    shared = shared_postal_codes(territory)
    for commune in territory.communes.values():
        for code in commune.postal_codes:
            if code not in shared and code not in territory.communes:
                assert commune == territory.resolve(code)


def test_a_shared_postal_code_lists_the_communes(territory):
    """63600 alone is refused, naming its ten communes with INSEE codes and how to write one."""
    with pytest.raises(ValueError) as caught:
        territory.resolve("63600")
    message = str(caught.value)
    assert message.startswith(
        "le code postal 63600 est partagé par 10 communes : écrivez-le avec le nom, par exemple '63600 Ambert'"
    )
    for insee in shared_postal_codes(territory)["63600"]:
        assert str(territory.communes[insee]) in message


@pytest.mark.parametrize(
    "written", ["63600 Ambert", "Ambert 63600", "Ambert (63600)", "63600 - AMBERT", "63003 Ambert"]
)
def test_code_and_name_disambiguate(territory, written):
    """A postal (or INSEE) code with the name, in either order, gives the commune."""
    assert "63003" == territory.resolve(written).insee


def test_every_shared_postal_code_is_disambiguated_by_each_name(territory):
    """For every shared postal code of the territory, 'code name' resolves to each of its communes."""
    for code, communes in shared_postal_codes(territory).items():
        for insee in communes:
            assert insee == territory.resolve(f"{code} {territory.communes[insee].name}").insee


def test_insee_code_wins_over_a_postal_code_with_the_same_digits(territory):
    """43100 is Frugières-le-Pin's INSEE code and the postal code of three other communes: INSEE wins
    (stored fiches hold INSEE codes); '43100 Chaniat' reaches the others."""
    assert "Frugières-le-Pin" == territory.resolve("43100").name
    assert "Chaniat" == territory.resolve("43100 Chaniat").name


def test_wrong_name_or_code_is_explained(territory):
    """A name not of that postal code, or a misspelt one, says what is wrong and what would be right."""
    with pytest.raises(ValueError, match="Ambert a le code postal 63600, pas 63300"):
        territory.resolve("Ambert 63300")
    with pytest.raises(ValueError, match=r"vouliez-vous dire 63003 Ambert \?"):
        territory.resolve("63600 Ambret")


def test_a_fiche_with_a_postal_code(network, tmp_path):
    """In a fiche file, '63600 Ambert' is stored as the INSEE code; '63600' alone is a located error."""
    ctx = fiche_module.context(network.territory, network.structure_ids)
    good = tmp_path / "good.yaml"
    good.write_text("received: 2026-03-02\ncommune: 63600 Ambert\nkind: creation\n", encoding="utf-8")
    assert "63003" == fiche_module.read_fiches([good], ctx)[0].commune
    bad = tmp_path / "bad.yaml"
    bad.write_text('received: 2026-03-02\ncommune: "63600"\nkind: creation\n', encoding="utf-8")
    with pytest.raises(Exception) as caught:
        fiche_module.read_fiches([bad], ctx)
    (line,) = caught.value.lines()
    assert line.startswith(f"{bad}:2:10: le code postal 63600 est partagé par 10 communes")


def test_suggestions_by_name_prefix(territory):
    """'amb' suggests Ambert; 'saint-j' the Saint-J… communes, most populated first; accents ignored."""
    assert ["Ambert"] == [c.name for c in territory.suggest("amb")]
    names = [c.name for c in territory.suggest("saint-j")]
    assert names and all(n.startswith("Saint-J") for n in names)
    populations = [territory.resolve(n).population for n in names]
    assert sorted(populations, reverse=True) == populations
    assert ["Échandelys"] == [c.name for c in territory.suggest("echand")]


def test_suggestions_by_word_and_postal_code(territory):
    """A word inside the name ('ferreol') and a postal code prefix ('6360') find communes too."""
    assert ["Saint-Ferréol-des-Côtes"] == [c.name for c in territory.suggest("ferreol")]
    by_code = territory.suggest("63600", limit=20)
    assert sorted(shared_postal_codes(territory)["63600"]) == sorted(c.insee for c in by_code)
    assert "Ambert" == by_code[0].name  # the most populated first
    assert 3 == len(territory.suggest("636", limit=3))
    assert [] == territory.suggest("  ")


def test_code_name_and_postal_code_as_suggestions_show_them(territory):
    """'63003 Ambert (63600)' (INSEE code, name, postal code) resolves; a code not the commune's is refused."""
    assert "63003" == territory.resolve("63003 Ambert (63600)").insee
    with pytest.raises(ValueError, match="Thiers a le code postal 63300"):
        territory.resolve("63430 Thiers (63600)")
