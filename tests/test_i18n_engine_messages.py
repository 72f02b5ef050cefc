"""The engine's less frequent messages speak French by default and English on request (issue 15).

The rules' cross-file check, a broken history, a bad ``--base``, the offers' reasons, the charter's
loader, a rules set too large and the JSON Schemas' descriptions were English-only; each is read here
in both languages (the rest of their tests read them word for word in one of the two).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from cli import main
from engine import i18n
from engine.lifecycle import StageChange, lifecycle
from engine.offers.match import FicheFacts, match_pair
from engine.offers.model import Offer
from engine.published.snapshot import read_directory
from engine.replay.sides import base_side
from engine.rules.schema import schema_texts

DAY = dt.date(2026, 3, 2)


def both(function):
    """What ``function()`` says (its message, or the message of what it raises) in French and in English."""
    said = {}
    for language in ("fr", "en"):
        with i18n.using(language):
            try:
                said[language] = function()
            except Exception as exc:  # the message is what is checked
                said[language] = str(exc)
    return said["fr"], said["en"]


def test_a_broken_history_in_both_languages():
    """Replaying a history whose events do not chain says so in French, and in English on request."""
    history = [StageChange(None, "hold", "study", "on_hold", DAY, None, None)]
    french, english = both(lambda: lifecycle().replay(history))
    assert "historique incohérent : 'hold' du 2026-03-02 part de 'study' alors que la fiche était en 'idea'" == french
    assert "history is broken: 'hold' on 2026-03-02 starts from 'study' but the fiche was in 'idea'" == english


def test_a_bad_base_in_both_languages(tmp_path):
    """`rules diff --base` naming neither a directory nor a git revision is refused in the user's language."""
    french, english = both(lambda: base_side("nosuch", tmp_path))
    assert "règles de départ (git nosuch)" in french and "n'est ni un répertoire ni une révision git" in french
    assert "base rules (git nosuch)" in english and "is neither a directory nor usable as a git revision" in english


def test_the_reasons_of_an_offer_match_in_both_languages(network):
    """Why an offer suits a fiche is said in French (labels stay French in English too)."""
    offer = Offer(
        id="O-2026-0001",
        kind="takeover",
        title="Boulangerie",
        description="",
        commune="63003",
        local_network="ambert",
        naf="10.71C",
        nature="artisanal",
        published_on=DAY,
        published_in="Villages Magazine",
        published_by="cma-63",
    )
    fiche = FicheFacts("F-2026-0001", "63003", "takeover", "10.71C", "artisanal", (), "idea", None, DAY)

    def reasons():
        return match_pair(offer, fiche, network.territory, contacted_on=DAY).reasons

    french, english = both(reasons)
    assert (
        french[0] == "entreprise à reprendre : le porteur veut reprendre une entreprise (type reprise / transmission)"
    )
    assert french[2].startswith("même commune : ") and french[3] == "déjà en contact depuis le 2026-03-02"
    assert (
        english[0] == "entreprise à reprendre: the porteur wants to take over a business (kind reprise / transmission)"
    )
    assert english[3] == "already in contact since 2026-03-02"


def test_a_rules_directory_that_does_not_exist(tmp_path):
    """Publishing or comparing a rules directory that is not there: French, then English."""
    french, english = both(lambda: read_directory(tmp_path / "nowhere"))
    assert "répertoire de règles introuvable : indiquez un répertoire existant" in french
    assert "rules directory not found: give an existing one" in english


def test_rules_check_of_a_structure_covering_nothing_in_english(tmp_path):
    """`rules check` of a structure whose territory is empty, read in English with --lang en."""
    from engine import paths

    rules = tmp_path / "rules"
    import shutil

    shutil.copytree(paths.bundled("rules"), rules)
    path = rules / "structures" / "adie.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("territory:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    path.write_text("\n".join([*lines[:start], "territory: {}", *lines[end:]]) + "\n", encoding="utf-8")
    runner = CliRunner()
    french = runner.invoke(main, ["rules", "check", "--rules", str(rules)])
    english = runner.invoke(main, ["--lang", "en", "rules", "check", "--rules", str(rules)])
    assert 2 == french.exit_code == english.exit_code, french.output
    assert "la structure 'adie' ne couvre aucune commune : son territoire est vide" in french.output
    assert "structure 'adie' covers no commune: its territory is empty" in english.output


def test_charter_loader_in_both_languages(tmp_path):
    """A charter directory that is not there: French by default, English on request."""
    from engine.charter import load_charter

    french, english = both(lambda: load_charter(tmp_path / "nowhere"))
    assert "répertoire de la charte introuvable : indiquez --charter RÉPERTOIRE" in french
    assert "charter directory not found: give --charter DIR" in english


def test_json_schemas_describe_in_the_users_language():
    """`rules schema`: the bundled schemas (schemas/) are French; with English, the descriptions are English."""
    with i18n.using("fr"):
        french = json.loads(schema_texts()["structure.schema.json"])
    with i18n.using("en"):
        english = json.loads(schema_texts()["structure.schema.json"])
    assert "Structure Cap Actif (rules/structures/<id>.yaml)" == french["title"]
    assert "Cap Actif structure (rules/structures/<id>.yaml)" == english["title"]
    assert "Une structure membre du réseau (rules/structures/<id>.yaml)." == french["description"]
    publics = french["$defs"]["CompetenceSpec"]["properties"]["publics"]["description"]
    assert "publics qu'elle accompagne en particulier (une préférence, pas un filtre)" == publics
    # a docstring written for developers (reStructuredText) never reaches an editor
    assert "``" not in json.dumps(french) and "``" not in json.dumps(english)
    assert french["properties"].keys() == english["properties"].keys()  # field names stay as they are


def test_nothing_written_when_bad(tmp_path):
    """A bad --base writes nothing: no temporary copy is left behind (both languages)."""
    before = set(Path(tmp_path).iterdir())
    both(lambda: base_side("nosuch", tmp_path))
    assert before == set(Path(tmp_path).iterdir())
