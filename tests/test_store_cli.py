"""The store commands through the CLI: add, show, list, move, import, export, db verify, demo."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main

FICHE = """\
received: 2026-03-02
commune: Ambert
kind: creation
naf: 10.71C
needs: [honour_loan]
porteur:
  name: Jeanne Martin
  email: jeanne@example.org
"""


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": "", **(env or {})})


@pytest.fixture
def added(store_url, tmp_path):
    """One fiche added by cma-63 with the suggestion accepted."""
    path = tmp_path / "fiche.yaml"
    path.write_text(FICHE, encoding="utf-8")
    result = run("fiche", "add", str(path), "--assign", "--as", "cma-63", "--db", store_url)
    assert result.exit_code == 0, result.output
    return store_url


def test_add_prints_the_id_and_suggestion(added):
    """fiche add --format json gives each id, version and the events recorded."""
    result = run("fiche", "show", "F-2026-0001", "--as", "cma-63", "--db", added, "--format", "json")
    data = json.loads(result.output)
    assert data["fiche"]["lead"] == "cma-63"
    assert data["fiche"]["porteur"]["name"] == "Jeanne Martin"
    assert [e["kind"] for e in data["history"]] == ["created", "suggested", "lead_assigned", "support_assigned"]


def test_personal_data_is_hidden_from_the_committee_and_others(added):
    """The committee and a structure not on the fiche see it without the porteur's name, email, phone."""
    for who in ("committee", "cci-thiers"):
        data = json.loads(run("fiche", "show", "F-2026-0001", "--as", who, "--db", added, "--format", "json").output)
        assert data["fiche"]["porteur"] == {"name": None, "email": None, "phone": None, "consent_network": False}
        assert data["personal_data_shown"] is False
    exported = run("fiche", "export", "--as", "committee", "--db", added).output
    assert "Jeanne" not in exported and "jeanne@" not in exported
    assert "Jeanne Martin" in run("fiche", "export", "--as", "coordinator", "--db", added).output


def test_consent_shares_with_the_network(added):
    """Once the porteur consents, every structure sees the name; the committee still does not."""
    assert run("fiche", "consent", "F-2026-0001", "yes", "--as", "cma-63", "--db", added).exit_code == 0
    other = json.loads(
        run("fiche", "show", "F-2026-0001", "--as", "cci-thiers", "--db", added, "--format", "json").output
    )
    committee = json.loads(
        run("fiche", "show", "F-2026-0001", "--as", "committee", "--db", added, "--format", "json").output
    )
    assert other["fiche"]["porteur"]["name"] == "Jeanne Martin"
    assert committee["fiche"]["porteur"]["name"] is None


def test_move_with_an_invalid_trigger(added):
    """An invalid trigger exits 2 and names the allowed ones."""
    result = run("fiche", "move", "F-2026-0001", "instal", "--as", "cma-63", "--db", added)
    assert result.exit_code == 2
    assert result.output.startswith("erreur : déclencheur 'instal' inconnu (vouliez-vous dire 'install' ?)")


def test_forbidden_write_exits_2(added, english):
    """A structure that is not on the fiche may not assign it: AccessDenied, exit 2, nothing written."""
    result = run("fiche", "assign", "F-2026-0001", "--lead", "cci-thiers", "--as", "cci-thiers", "--db", added)
    assert result.exit_code == 2
    assert "cci-thiers may not assign fiche F-2026-0001" in result.output
    assert run("db", "verify", "--db", added).exit_code == 0


def test_unknown_fiche_id_exits_2(added, english):
    """Showing an id that is not stored exits 2 with one clear line."""
    result = run("fiche", "show", "F-2026-0042", "--db", added)
    assert (result.exit_code, result.output) == (
        2,
        "error: no fiche F-2026-0042 in the store: 'capactif fiche list' shows the stored fiches\n",
    )


def test_list_formats_and_filters(added):
    """fiche list filters and renders JSON with the fiche's own field names, and CSV."""
    rows = json.loads(run("fiche", "list", "--support", "pfil-ambert", "--format", "json", "--db", added).output)
    assert [r["id"] for r in rows] == ["F-2026-0001"]
    assert list(rows[0])[:4] == ["id", "received", "received_by", "summary"]
    assert run("fiche", "list", "--no-lead", "--format", "json", "--db", added).output.strip() == "[]"
    bad = run("fiche", "list", "--stage", "studdy", "--db", added)
    assert (bad.exit_code, bad.output) == (
        2,
        "erreur : --stage: étape 'studdy' introuvable (vouliez-vous dire 'study' ?)\n",
    )


def test_import_reports_every_bad_row_and_writes_nothing(store_url, tmp_path):
    """A CSV with bad rows: every bad cell is reported with line and column, and nothing is stored."""
    path = tmp_path / "fiches.csv"
    path.write_text(
        "received,commune,kind,needs,porteur.name\n"
        "2026-01-05,63003,creation,honour_loan|bank_loan,Ana\n"
        "2026-13-01,63003,creation,,Bob\n"
        "2026-01-07,Ambrt,creaton,granr,=HYPERLINK(1)\n",
        encoding="utf-8",
    )
    result = run("fiche", "import", str(path), "--as", "coordinator", "--db", store_url)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"erreur : {path}:3:1: received: 'received' doit être une date écrite AAAA-MM-JJ, pas '2026-13-01'",
        f"erreur : {path}:4:2: commune: commune inconnue 'Ambrt' (les plus proches : 63003 Ambert, 63207 Marat)",
        f"erreur : {path}:4:3: kind: type de projet 'creaton' introuvable (vouliez-vous dire 'creation' ?)",
        f"erreur : {path}:4:4: needs: besoin 'granr' introuvable (vouliez-vous dire 'grant' ?)",
        "4 problèmes ; rien n’a été modifié.",
    ]
    assert json.loads(run("fiche", "list", "--format", "json", "--db", store_url).output) == []


def test_import_skip_invalid_and_export_neutralises_formulas(store_url, tmp_path):
    """--skip-invalid stores the good rows and writes the bad ones with their errors; CSV export is safe."""
    path = tmp_path / "fiches.csv"
    path.write_text(
        "received,commune,kind,porteur.name,summary\n"
        "2026-01-05,63003,creation,Ana,=1+2\n"
        "2026-01-06,63003,creaton,Bob,\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    result = run("fiche", "import", str(path), "--skip-invalid", "--rejects", str(rejects), "--as", "coordinator",
                 "--db", store_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        rejects.read_text(encoding="utf-8")
        .splitlines()[1]
        .startswith("ligne 3 : kind: type de projet 'creaton' introuvable")
    )
    exported = run("fiche", "export", "--format", "csv", "--as", "coordinator", "--db", store_url).output
    assert ",'=1+2," in exported


def test_db_verify_and_upgrade(added):
    """db verify exits 0 on a consistent store; db upgrade on an up-to-date store says so."""
    assert run("db", "verify", "--db", added).output.startswith("ok : 1 fiche correspond à ses 4 événements")
    assert "déjà à la révision de schéma" in run("db", "upgrade", "--db", added).output


def test_demo_builds_a_fresh_store(tmp_path):
    """capactif demo replays a small synthetic year, verified, with suggestions for the newest fiches."""
    result = run("demo", "--fiches", "40", "--seed", "3", "--format", "json", env={"CAPACTIF_HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["fiches"] == 40 and data["verified"] is True
    assert len(data["newest_suggestions"]) == 5
    assert data["store"].endswith("demo.sqlite")
    again = json.loads(run("demo", "--fiches", "40", "--seed", "3", "--format", "json",
                           env={"CAPACTIF_HOME": str(tmp_path)}).output)  # fmt: skip
    assert again["stages"] == data["stages"] and again["fiches"] == 40
