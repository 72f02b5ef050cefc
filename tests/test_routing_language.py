"""The reasons of a suggestion speak the language in force when they are given, from one compiled rule set.

The rules are compiled once per workspace and serve every request (the desk's French and English
pages alike): the compiled structures keep the parts of their words, never a sentence in one language.
"""

from __future__ import annotations

import pytest

from engine import i18n, network
from engine.fiche import Fiche
from engine.routing import compile_rules, explain, suggest

AMBERT, LAVAUDIEU = "63003", "43117"


@pytest.fixture(scope="module")
def compiled():
    return compile_rules(network.load(None).rules)


def bakery(commune: str = AMBERT, **more) -> Fiche:
    data = {"received": "2026-03-02", "commune": commune, "kind": "creation", "naf": "10.71C"}
    return Fiche.model_validate({**data, **more})


def test_one_compiled_rule_set_speaks_both_languages(compiled):
    """French, then English, then French again from the same compiled rules: each time in that language."""
    fiche = bakery(needs=["honour_loan"])
    with i18n.using("fr"):
        fr = suggest(fiche, compiled, alternatives=1)
    with i18n.using("en"):
        en = suggest(fiche, compiled, alternatives=1)
    with i18n.using("fr"):
        again = suggest(fiche, compiled, alternatives=1)
    assert fr.lead.reasons[:2] == [
        "compétente comme référente pour la nature 'artisanal' (artisanale)",
        "couvre la commune 63003 Ambert ; son territoire : département 63 (Puy-de-Dôme)",
    ]
    assert en.lead.reasons[:2] == [
        "competent to lead for nature 'artisanal' (artisanale)",
        "covers commune 63003 Ambert: its territory is department 63 (Puy-de-Dôme)",
    ]
    assert again.to_dict() == fr.to_dict()
    assert fr.supporting[0].reasons[0].startswith("besoin 'honour_loan' (prêt d'honneur) : le sert à 63003 Ambert")
    assert en.supporting[0].reasons[0].startswith("need 'honour_loan' (prêt d'honneur): serves it in 63003 Ambert")
    assert fr.alternatives[0].reasons[1].startswith("l'étape fallback ne sert que si")
    assert en.alternatives[0].reasons[1].startswith("the fallback step is used only when")


def test_the_json_keys_and_the_decision_do_not_depend_on_the_language(compiled):
    """Only the reasons' words change: the keys, ids, roles and choices are the same in both languages."""
    fiche = bakery(LAVAUDIEU, needs=["honour_loan", "premises"])

    def shape(data):
        return {k: v for k, v in data.items() if k not in ("lead", "supporting", "alternatives")}, [
            (s["structure"], s["needs"]) for s in data["supporting"]
        ]

    with i18n.using("fr"):
        fr = suggest(fiche, compiled, alternatives=2).to_dict()
        fr_explained = explain(fiche, compiled, "cma-63").to_dict()
    with i18n.using("en"):
        en = suggest(fiche, compiled, alternatives=2).to_dict()
        en_explained = explain(fiche, compiled, "cma-63").to_dict()
    assert shape(fr) == shape(en)
    assert list(fr) == list(en)
    assert fr["lead"]["structure"] == en["lead"]["structure"] == "cma-43"
    assert fr_explained["role"] == en_explained["role"] == "not chosen"
    assert fr_explained["reasons"] == [
        "ne couvre pas la commune 43117 Lavaudieu ; son territoire : département 63 (Puy-de-Dôme)"
    ]
    assert en_explained["reasons"] == [
        "does not cover commune 43117 Lavaudieu: its territory is department 63 (Puy-de-Dôme)"
    ]


def test_territory_words_follow_the_language_in_force(compiled):
    """A structure's territory, compiled once, is said in the language asked for each time it is shown."""
    pfil = compiled.structures["pfil-ambert"]
    with i18n.using("en"):
        english = str(pfil.territory_words)
    with i18n.using("fr"):
        french = f"{pfil.territory_words}"
    assert english == "local network ambert except department 42 (Loire)"
    assert french == "réseau local ambert sauf département 42 (Loire)"


def test_a_rule_is_cited_with_its_id_in_backquotes_in_both_languages(compiled):
    """The replay finds the rules a reason cites by their id in backquotes: both languages keep them."""
    rule = compiled.rules[0]
    with i18n.using("fr"):
        assert f"`{rule.id}`" in rule.cite and rule.cite.startswith("la règle ")
    with i18n.using("en"):
        assert f"`{rule.id}`" in rule.cite and rule.cite.startswith("rule ")
