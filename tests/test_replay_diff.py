"""capactif rules diff: a rules change replayed over fiches reports exactly the fiches it changes."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from cli import main
from engine import paths

RULES = paths.bundled("rules")

# Three fiches in Thiers (local network thiers), two in Ambert, one in Lavaudieu (brioude).
FICHES = """\
- {id: F-2026-0001, received: 2026-01-10, commune: "63430", kind: creation, naf: 47.11B, needs: [honour_loan]}
- {id: F-2026-0002, received: 2026-02-10, commune: "63430", kind: creation, naf: 10.71C, needs: [honour_loan]}
- {id: F-2026-0003, received: 2026-03-10, commune: "63430", kind: creation, naf: 10.71C, needs: [microcredit]}
- {id: F-2026-0004, received: 2026-04-10, commune: "63003", kind: creation, naf: 47.11B, needs: [honour_loan]}
- {id: F-2026-0005, received: 2026-05-10, commune: "63003", kind: creation, naf: 69.20Z}
- {id: F-2026-0006, received: 2026-06-10, commune: "43117", kind: creation, naf: 47.11B, needs: [honour_loan]}
"""


@pytest.fixture
def sides(tmp_path):
    """Two copies of the bundled rules (base, work) and a fiche file."""
    base, work = tmp_path / "base" / "rules", tmp_path / "work" / "rules"
    shutil.copytree(RULES, base)
    shutil.copytree(RULES, work)
    fiches = tmp_path / "fiches.yaml"
    fiches.write_text(FICHES, encoding="utf-8")
    return base, work, fiches


def move_thiers_to_ambert(rules):
    """Move the commune of Thiers (63430) to the arrondissement of Ambert, hence to local network ambert."""
    csv = rules / "territory" / "communes.csv"
    text = csv.read_text(encoding="utf-8")
    assert "\n63430,Thiers,63,635,Thiers," in text
    csv.write_text(text.replace("\n63430,Thiers,63,635,Thiers,", "\n63430,Thiers,63,631,Ambert,"), encoding="utf-8")


def diff(*args):
    return CliRunner().invoke(main, ["rules", "diff", *args])


def test_moving_a_commune_reports_exactly_the_fiches_of_that_commune_it_changes(sides, english):
    """Thiers moved to local network ambert: its fiches whose CCI or PFIL depends on the local network change."""
    base, work, fiches = sides
    move_thiers_to_ambert(work)
    result = diff("--base", str(base), "--rules", str(work), "--fiches", str(fiches), "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    # F-2026-0003 (a bakery needing microcredit) depends on neither the local network's CCI nor its PFIL
    assert [c["fiche"] for c in data["changes"]] == ["F-2026-0001", "F-2026-0002"]
    first, second = data["changes"]
    assert first["changed"] == ["lead", "supporting"]
    assert (first["before"]["lead"], first["after"]["lead"]) == ("cci-thiers", "cci-ambert")
    assert second["changed"] == ["supporting"]
    assert second["before"]["supporting"] == [{"structure": "pfil-thiers", "needs": ["honour_loan"]}]
    assert second["after"]["supporting"] == [{"structure": "pfil-ambert", "needs": ["honour_loan"]}]
    assert "commune 63430 Thiers moved from local network thiers to ambert" in first["causes"]
    assert data["rules_changes"][0] == "commune 63430 Thiers moved from local network thiers to ambert"
    assert data["by_structure"] == [
        {"structure": "cci-ambert", "gained_lead": 1, "lost_lead": 0, "gained_support": 0, "lost_support": 0},
        {"structure": "cci-thiers", "gained_lead": 0, "lost_lead": 1, "gained_support": 0, "lost_support": 0},
        {"structure": "pfil-ambert", "gained_lead": 0, "lost_lead": 0, "gained_support": 2, "lost_support": 0},
        {"structure": "pfil-thiers", "gained_lead": 0, "lost_lead": 0, "gained_support": 0, "lost_support": 2},
    ]
    assert data["by_local_network"] == [
        {"local_network": "ambert", "fiches": 5, "changed": 2, "orphans_before": 0, "orphans_after": 0},
        {"local_network": "brioude", "fiches": 1, "changed": 0, "orphans_before": 0, "orphans_after": 0},
    ]


def test_the_text_report_shows_before_after_and_why(sides, english):
    """Text: each changed fiche with before → after and its causes, then the summaries and a count."""
    base, work, fiches = sides
    move_thiers_to_ambert(work)
    result = diff("--base", str(base), "--rules", str(work), "--fiches", str(fiches))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    at = lines.index("F-2026-0001 (63430 Thiers, local network ambert)")
    assert lines[at + 1 : at + 5] == [
        "  lead: cci-thiers → cci-ambert",
        "  supporting: pfil-thiers (honour_loan) → pfil-ambert (honour_loan)",
        "  because:",
        "    commune 63430 Thiers moved from local network thiers to ambert",
    ]
    assert "Per structure" in result.output and "Per local network" in result.output
    assert lines[-1] == "2 of 6 fiches change."


def test_unchanged_rules_report_no_fiche_and_exit_0(sides):
    """The same rules on both sides: nothing changes, exit 0."""
    base, work, fiches = sides
    result = diff("--base", str(base), "--rules", str(work), "--fiches", str(fiches), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["fiches"], data["changed"], data["changes"], data["rules_changes"]) == (6, 0, [], [])


def test_a_structure_change_is_named_as_the_cause(sides, english):
    """Taking the Haute-Loire out of the CCI of Brioude orphans nothing but moves the lead, citing the file."""
    base, work, fiches = sides
    path = work / "structures" / "cci-brioude.yaml"
    path.write_text(path.read_text().replace("local_networks: [brioude]\n", "local_networks: []\n", 1))
    text = path.read_text()
    path.write_text(text.replace("  local_networks: [brioude]", '  communes: ["43048"]'))
    result = diff("--base", str(base), "--rules", str(work), "--fiches", str(fiches), "--format", "json")
    assert result.exit_code == 1, result.output
    [change] = json.loads(result.output)["changes"]
    assert (change["fiche"], change["before"]["lead"], change["after"]["lead"]) == (
        "F-2026-0006",
        "cci-brioude",
        "adret",
    )
    assert change["causes"] == ["structure cci-brioude changed (local_networks, territory)"]


def test_a_broken_side_is_an_error_naming_the_side(sides):
    """A broken rules directory on either side: exit 2, each problem prefixed with the side it is in."""
    base, work, fiches = sides
    bad = work / "structures" / "adie.yaml"
    bad.write_text(bad.read_text().replace("kind: microcredit", "kind: microcredt"))
    result = diff("--base", str(base), "--rules", str(work), "--fiches", str(fiches))
    assert result.exit_code == 2
    assert result.output.startswith(f"erreur : règles de travail ({work}): rules/structures/adie.yaml:"), result.output
    assert "kind 'microcredt' introuvable (vouliez-vous dire 'microcredit' ?)" in result.output
    result = diff("--base", str(work), "--rules", str(base), "--fiches", str(fiches))
    assert result.exit_code == 2
    assert result.output.startswith(f"erreur : règles de départ ({work}): rules/structures/adie.yaml:")


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path, sides):
    """A git repository whose first commit has the bundled rules and second moves Thiers to Ambert."""
    _, _, fiches = sides
    top = tmp_path / "repo"
    shutil.copytree(RULES, top / "network" / "rules")
    git(top, "init", "-q")
    git(top, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    git(top, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "rules")
    move_thiers_to_ambert(top / "network" / "rules")
    git(top, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-am", "move Thiers")
    return top / "network" / "rules", fiches


def test_a_git_revision_base_is_read_without_touching_the_working_tree(repo):
    """--base HEAD~1 reads the rules directory as it was one commit ago; the work tree is left as it is."""
    rules, fiches = repo
    (rules / "routing.yaml").write_text((rules / "routing.yaml").read_text() + "\n# uncommitted edit\n")
    result = diff("--base", "HEAD~1", "--rules", str(rules), "--fiches", str(fiches), "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert [c["fiche"] for c in data["changes"]] == ["F-2026-0001", "F-2026-0002"]
    assert data["base"]["rules"] == "git HEAD~1"
    status = subprocess.run(["git", "-C", str(rules), "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout == " M network/rules/routing.yaml\n"
    assert "# uncommitted edit" in (rules / "routing.yaml").read_text()


def test_an_unknown_git_revision_or_a_revision_without_the_rules_is_named(repo, tmp_path):
    """A revision git does not know, or one without the rules directory, is an error of the base side."""
    rules, fiches = repo
    result = diff("--base", "nosuch", "--rules", str(rules), "--fiches", str(fiches))
    assert result.exit_code == 2
    assert (
        result.output
        == "erreur : règles de départ (git nosuch): révision git 'nosuch' inconnue (et aucun répertoire de ce nom)\n"
    )
    outside = tmp_path / "outside"
    shutil.copytree(RULES, outside)
    result = diff("--base", "HEAD", "--rules", str(outside), "--fiches", str(fiches))
    assert result.exit_code == 2
    assert "n'est pas dans un dépôt git" in result.output


def test_as_of_keeps_only_the_fiches_received_by_that_date(sides):
    """--as-of 2026-01-31 replays only F-2026-0001 (received 2026-01-10)."""
    base, work, fiches = sides
    move_thiers_to_ambert(work)
    args = ["--base", str(base), "--rules", str(work), "--fiches", str(fiches), "--format", "json"]
    data = json.loads(diff(*args, "--as-of", "2026-01-31").output)
    assert (data["fiches"], data["as_of"], [c["fiche"] for c in data["changes"]]) == (1, "2026-01-31", ["F-2026-0001"])


def test_no_fiches_and_no_store_says_to_pass_files(sides, tmp_path, monkeypatch):
    """Without --fiches and without a store, the error says to pass fiche files."""
    base, work, _ = sides
    monkeypatch.setenv("CAPACTIF_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CAPACTIF_DB", raising=False)
    result = diff("--base", str(base), "--rules", str(work))
    assert result.exit_code == 2
    assert result.output == (
        "erreur : --fiches: aucune fiche indiquée et pas encore de base : "
        "passez des fichiers de fiches avec --fiches FICHIER\n"
    )
    assert not (tmp_path / "home").exists()
