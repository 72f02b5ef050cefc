"""French input of vocabulary values: ids, French labels and usual words all mean the id.

Technicians write what capactif prints (`kind: reprise / transmission`, `needs: [prêt d'honneur]`,
`stage: idée`): every reader (fiche and offer files, CSV, command options, rules) accepts it and
stores the id; an ambiguous word is an error naming the candidates.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cli import main
from engine import fiche as fiche_module
from engine import vocabulary
from engine.offers import model as offer_model  # registers 'offer kind'
from engine.vocabulary import SYNONYMS, VOCABULARIES, canonical, normalize

FIVE = ("kind", "nature", "need", "public", "stage")
SPELLINGS = [
    (kind, value, word)
    for kind in (*FIVE, "offer kind")
    for value, label in VOCABULARIES[kind].items()
    for word in (value, label, *SYNONYMS.get(kind, {}).get(value, ()))
]


@pytest.mark.parametrize(("kind", "value", "word"), SPELLINGS, ids=lambda x: str(x))
def test_every_id_label_and_synonym_means_its_value(kind, value, word):
    """Round trip: the id, the French label and every listed synonym resolve to the value."""
    assert value == canonical(kind, word)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@given(
    data=st.sampled_from(SPELLINGS),
    upper=st.booleans(),
    accents=st.booleans(),
    quote=st.sampled_from(["'", "’", " "]),
    plural=st.booleans(),
)
def test_case_accents_apostrophes_and_plurals_do_not_matter(data, upper, accents, quote, plural):
    """'PRÊTS D’HONNEUR', 'prets d honneur' and 'prêt d'honneur' are the same need."""
    kind, value, word = data
    text = word.replace("'", quote)
    if accents:
        text = _strip_accents(text)
    if upper:
        text = text.upper()
    last = text.split()[-1] if text.split() else ""
    if plural and len(last) >= 4 and last.isalpha() and last[-1].lower() not in "sx":
        text += "s"
    assert value == canonical(kind, text)


def test_ambiguous_word_lists_the_candidates():
    """'prêt' is both a honour loan and a bank loan: refused, both named with their labels."""
    with pytest.raises(ValueError) as caught:
        canonical("need", "prêt")
    assert "honour_loan (prêt d'honneur)" in str(caught.value)
    assert "bank_loan (prêt bancaire)" in str(caught.value)
    assert str(caught.value).startswith("'prêt' est ambigu (besoin)")


def test_unknown_word_suggests_the_closest_french_word():
    """A misspelt French word is refused with the value it was probably meant to be."""
    with pytest.raises(ValueError, match=r"type de projet 'reprsie' introuvable .*takeover"):
        canonical("kind", "reprsie")


def test_normalize_examples():
    """Accents, case, apostrophes, small words and plural marks are ignored; other words stay."""
    assert "pret honneur" == normalize("Prêts d’Honneur")
    assert "demandeur emploi" == normalize("demandeurs d'emploi")
    assert "sans acce credit bancaire" == normalize("sans accès au crédit bancaire")


FICHE = """\
received: 2026-03-02
received_by: cma-63
commune: Ambert
kind: Reprise
naf: 10.71C
needs: [prêt d'honneur, étude de marché, Local d'activité]
publics: [demandeurs d’emploi, jeune]
stage: idée
"""


def test_a_fiche_written_in_french_is_stored_with_the_ids(network, tmp_path):
    """A YAML fiche in French words validates to the ids (what is stored and shown in JSON)."""
    path = tmp_path / "fiche.yaml"
    path.write_text(FICHE, encoding="utf-8")
    ctx = fiche_module.context(network.territory, network.structure_ids)
    (fiche,) = fiche_module.read_fiches([path], ctx)
    assert ("takeover", ["honour_loan", "business_plan", "premises"], ["job_seeker", "young"], "idea") == (
        fiche.kind,
        fiche.needs,
        fiche.publics,
        fiche.stage,
    )


def test_ambiguous_word_in_a_fiche_is_located(network, tmp_path):
    """In a file, the ambiguous word is reported at its line and column with the candidates."""
    path = tmp_path / "fiche.yaml"
    path.write_text(FICHE.replace("needs: [prêt d'honneur,", "needs: [prêt,"), encoding="utf-8")
    ctx = fiche_module.context(network.territory, network.structure_ids)
    with pytest.raises(Exception) as caught:
        fiche_module.read_fiches([path], ctx)
    (line,) = caught.value.lines()
    assert line.startswith(f"{path}:6:9: 'prêt' est ambigu (besoin) : écrivez l'une de ces valeurs")


def test_json_output_keeps_ids(tmp_path, monkeypatch):
    """`fiche add` of a French fiche, then `fiche list --stage idée --format json`: ids, not labels."""
    monkeypatch.setenv("CAPACTIF_HOME", str(tmp_path))
    path = tmp_path / "fiche.yaml"
    path.write_text(FICHE, encoding="utf-8")
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'c.sqlite'}"
    added = runner.invoke(main, ["fiche", "add", str(path), "--db", db, "--as", "cma-63"])
    assert 0 == added.exit_code, added.output
    listed = runner.invoke(main, ["fiche", "list", "--stage", "Idée", "--db", db, "--as", "cma-63", "--format", "json"])
    assert 0 == listed.exit_code, listed.output
    (row,) = json.loads(listed.output)
    assert ("takeover", "idea") == (row["kind"], row["stage"])


def test_an_offer_kind_in_french(network):
    """Offer kinds read French too ('à reprendre' is a takeover offer)."""
    assert offer_model.OFFER_KINDS
    assert "takeover" == canonical("offer kind", "à reprendre")
    assert "sought" == canonical("offer kind", "activité recherchée par une commune")


def test_rules_may_use_french_words(tmp_path):
    """The coordinator may write a structure's kinds in French too; the rules keep the ids."""
    from engine.rules.model import CompetenceSpec

    competence = CompetenceSpec.model_validate({"kinds": ["création", "reprise"], "natures": ["artisanale"]})
    assert (["creation", "takeover"], ["artisanal"]) == (competence.kinds, competence.natures)


def test_vocabularies_have_no_ambiguous_label():
    """No id or full label of a vocabulary names two of its values (the index would be ambiguous)."""
    for kind in FIVE:
        for value, label in VOCABULARIES[kind].items():
            assert (value,) == vocabulary.candidates(kind, label)


DATA = Path(__file__).parent / "data"
