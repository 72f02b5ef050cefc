"""`capactif suggest` on the bundled network: text, JSON, --explain, --alternatives, exit codes."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from cli import main
from engine import paths

RULES = str(paths.bundled("rules"))
BAKERY = "received: 2025-03-01\ncommune: Ambert\nkind: creation\nnaf: 10.71C\nneeds: [honour_loan, housing]\n"


def invoke(tmp_path, *args, files=None, stdin=None):
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["suggest", *args, "--rules", RULES], input=stdin, catch_exceptions=False)


def test_text_output_names_lead_supports_and_version(tmp_path, monkeypatch):
    """Text: the lead with its reasons, each supporting structure with its needs in French, the version."""
    monkeypatch.chdir(tmp_path)
    result = invoke(tmp_path, "fiche.yaml", files={"fiche.yaml": BAKERY})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "fiche.yaml — 63003 Ambert, activité artisanale"
    assert lines[1] == "  référent : cma-63 — Chambre de Métiers et de l'Artisanat du Puy-de-Dôme"
    assert lines[2] == "    - compétente comme référente pour la nature 'artisanal' (artisanale)"
    assert lines[3] == "    - couvre la commune 63003 Ambert ; son territoire : département 63 (Puy-de-Dôme)"
    assert "  appui : pfil-ambert — Pays d'Ambert Initiative — prêt d'honneur" in lines
    assert "  appui : parc — Parc naturel régional Livradois-Forez — logement" in lines
    assert lines[-1].startswith("  règles : ")


def test_text_output_in_english_on_request(tmp_path, monkeypatch):
    """--lang en: the same suggestion, its lines and reasons in English."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fiche.yaml").write_text(BAKERY, encoding="utf-8")
    result = CliRunner().invoke(main, ["--lang", "en", "suggest", "fiche.yaml", "--rules", RULES])
    lines = result.output.splitlines()
    assert lines[0] == "fiche.yaml — 63003 Ambert, activity artisanale"
    assert lines[1] == "  lead: cma-63 — Chambre de Métiers et de l'Artisanat du Puy-de-Dôme"
    assert lines[2] == "    - competent to lead for nature 'artisanal' (artisanale)"
    assert lines[3] == "    - covers commune 63003 Ambert: its territory is department 63 (Puy-de-Dôme)"
    assert "  supporting: pfil-ambert — Pays d'Ambert Initiative — prêt d'honneur" in lines
    assert lines[-1].startswith("  rules: ")


def test_json_keys_and_list_for_several_fiches(tmp_path, monkeypatch):
    """--format json: the documented keys; several fiches give a JSON list in argument order."""
    monkeypatch.chdir(tmp_path)
    liberal = BAKERY.replace("10.71C", "69.20Z")
    result = invoke(tmp_path, "a.yaml", "b.yaml", "--format", "json", files={"a.yaml": BAKERY, "b.yaml": liberal})
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [d["fiche"] for d in data] == ["a.yaml", "b.yaml"]
    assert [d["lead"]["structure"] for d in data] == ["cma-63", "adret"]
    assert list(data[0]) == ["fiche", "lead", "supporting", "uncovered_needs", "orientations", "alternatives",
                             "orphan", "rules_version", "notes", "nature_to_confirm"]  # fmt: skip


def test_stdin_and_alternatives(tmp_path):
    """'-' reads standard input; --alternatives 1 adds the next lead with why it lost."""
    result = invoke(tmp_path, "-", "--alternatives", "1", "--format", "json", stdin=BAKERY)
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["fiche"] == "stdin"
    assert data["alternatives"][0]["structure"] == "adret"
    assert data["alternatives"][0]["reasons"][1].startswith("l'étape fallback ne sert que si l'étape nature")


def test_explain_says_why_a_structure_was_not_chosen(tmp_path, monkeypatch):
    """--explain cma-63 for a fiche in Lavaudieu: it does not cover the commune."""
    monkeypatch.chdir(tmp_path)
    fiche = BAKERY.replace("Ambert", "Lavaudieu")
    result = invoke(tmp_path, "f.yaml", "--explain", "cma-63", files={"f.yaml": fiche})
    assert result.exit_code == 0
    assert result.output.splitlines()[:2] == [
        "f.yaml — cma-63 — Chambre de Métiers et de l'Artisanat du Puy-de-Dôme : non choisie",
        "  - ne couvre pas la commune 43117 Lavaudieu ; son territoire : département 63 (Puy-de-Dôme)",
    ]
    data = json.loads(invoke(tmp_path, "f.yaml", "--explain", "cma-43", "--format", "json").output)
    assert (data["structure"], data["role"]) == ("cma-43", "lead")


def test_bad_input_exit_2_with_every_problem_located(tmp_path, monkeypatch):
    """Bad fiches and an unknown --explain id: exit 2, every problem located, nothing else printed."""
    monkeypatch.chdir(tmp_path)
    bad = "received: 2025-03-01\ncommune: Lavodieu\nkind: create\n"
    result = invoke(tmp_path, "bad.yaml", "ok.yaml", "--explain", "cma63", files={"bad.yaml": bad, "ok.yaml": BAKERY})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "erreur : --explain: structure 'cma63' introuvable (vouliez-vous dire 'cma-63' ?)",
        "erreur : bad.yaml:2:10: commune inconnue 'Lavodieu' "
        "(les plus proches : 43117 Lavaudieu, 03141 Lavoine, 63161 La Forie)",
        "erreur : bad.yaml:3:7: type de projet 'create' introuvable (vouliez-vous dire 'creation' ?)",
        "3 problèmes ; rien n’a été modifié.",
    ]


def test_orphan_exits_1(tmp_path):
    """A fiche no structure can lead: orphan true in JSON and exit code 1."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "routing.yaml").write_text("fallback_lead: []\n", encoding="utf-8")
    fiche = BAKERY.replace("Ambert", "Noirétable")
    (tmp_path / "f.yaml").write_text(fiche, encoding="utf-8")
    result = CliRunner().invoke(main, ["suggest", str(tmp_path / "f.yaml"), "--rules", str(rules), "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["orphan"] is True and data["lead"] is None
    text = CliRunner().invoke(main, ["suggest", str(tmp_path / "f.yaml"), "--rules", str(rules)])
    assert "  ORPHELINE : aucune structure ne peut être référente de cette fiche" in text.output.splitlines()
