"""Loading and checking rules: the bundled network passes, every class of bad input is located.

Each folder of ``tests/data/rules/invalid/<case>/`` holds files laid over a copy of the bundled rules
(same relative paths) and ``expected.txt``, the exact problems ``rules check`` must report.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from engine import network, paths
from engine.errors import RulesError
from engine.rules.loader import check_rules, content_hash, load_rules, rules_version

INVALID = Path(__file__).parent / "data" / "rules" / "invalid"
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())


def bundled_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled rules in ``tmp_path/rules`` (messages then name 'rules/…')."""
    dest = tmp_path / "rules"
    shutil.copytree(paths.bundled("rules"), dest)
    return dest


def overlay(case: str, tmp_path: Path) -> Path:
    """The bundled rules with a case's files laid over them."""
    dest = bundled_copy(tmp_path)
    source = INVALID / case
    for path in source.rglob("*"):
        if path.is_file() and path.name != "expected.txt":
            target = dest / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    return dest


def test_bundled_network_passes_the_check():
    """The bundled configuration is valid: 28 structures, 191 communes, 3 local networks, 8 rules."""
    result = check_rules(paths.bundled("rules"))
    assert result.problems == []
    assert result.ok
    summary = result.summary
    assert (summary["structures"], summary["communes"], summary["local_networks"], summary["rules"]) == (28, 191, 3, 10)
    assert summary["lead_structures"] == 8


@pytest.mark.parametrize("case", CASES)
def test_invalid_rules_report_every_problem_located(case, tmp_path):
    """Every problem of every file is reported at once, with its file:line:col and plain message."""
    rules_dir = overlay(case, tmp_path)
    expected = (INVALID / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert expected, "a case must expect at least one problem"
    result = check_rules(rules_dir)
    assert not result.ok
    assert [str(p) for p in result.problems] == expected


def test_load_rules_raises_with_all_problems(tmp_path):
    """load_rules raises one RulesError carrying every problem, the one shown in the issue among them."""
    rules_dir = overlay("unknown-need", tmp_path)
    with pytest.raises(RulesError) as caught:
        load_rules(rules_dir)
    lines = caught.value.lines()
    assert (
        "rules/structures/cci-thiers.yaml:13:7: besoin 'honor_loan' introuvable (vouliez-vous dire 'honour_loan' ?)"
        in lines
    )
    assert len(lines) == 3


def test_problems_of_several_files_come_in_one_run(tmp_path):
    """A broken territory does not hide the problems of a structure file."""
    result = check_rules(overlay("territory-and-structures", tmp_path))
    assert {p.source for p in result.problems} == {"rules/territory.yaml", "rules/structures/adie.yaml"}


def test_missing_rules_directory_is_one_problem(tmp_path):
    """A directory that does not exist is reported as such, not as a traceback."""
    result = check_rules(tmp_path / "nowhere")
    assert [p.message for p in result.problems] == [
        "répertoire de règles introuvable (indiquez un répertoire existant avec --rules)"
    ]


def test_missing_structures_folder_and_routing_file(tmp_path):
    """Without structures/ and routing.yaml both are named in the problems."""
    rules_dir = bundled_copy(tmp_path)
    shutil.rmtree(rules_dir / "structures")
    (rules_dir / "routing.yaml").unlink()
    assert [str(p) for p in check_rules(rules_dir).problems] == [
        "rules/routing.yaml: fichier introuvable",
        "rules/structures: dossier introuvable : mettez-y un fichier par structure (<id>.yaml)",
    ]


def test_reference_to_a_broken_structure_file_is_not_reported_twice(tmp_path):
    """A rule naming a structure whose file is broken is not also reported as 'unknown structure'."""
    result = check_rules(overlay("empty-and-not-mapping", tmp_path))
    assert not any("unknown structure" in p.message for p in result.problems)


# --- the command --------------------------------------------------------------------------------


def test_cli_rules_check_bundled_prints_a_summary():
    """'rules check' on the bundled network exits 0 with the counts and the version."""
    result = CliRunner().invoke(main, ["rules", "check", str(paths.bundled("rules"))])
    assert result.exit_code == 0, result.output
    assert "règles valides (version " in result.output
    assert "28 structures (28 actives, 8 peuvent être référentes)" in result.output
    assert "191 communes dans 3 réseaux locaux" in result.output
    assert "10 règles d'orientation" in result.output


def test_cli_rules_check_invalid_exits_2_with_each_problem(tmp_path):
    """'rules check DIR' prints one 'erreur : file:line:col: message' line per problem and exits 2."""
    rules_dir = overlay("routing-never-fires", tmp_path)
    result = CliRunner().invoke(main, ["rules", "check", str(rules_dir)])
    assert result.exit_code == 2
    expected = (INVALID / "routing-never-fires" / "expected.txt").read_text(encoding="utf-8").splitlines()
    for line in expected:
        assert f"erreur : {line}" in result.output
    assert "4 problème(s) dans 1 fichier(s)" in result.output


def test_cli_rules_check_json(tmp_path):
    """--format json gives ok, summary and problems with file, line, column, message, text."""
    rules_dir = overlay("unknown-field", tmp_path)
    result = CliRunner().invoke(main, ["rules", "check", "--rules", str(rules_dir), "--format", "json"])
    assert result.exit_code == 2
    data = json.loads(result.output)
    assert data["ok"] is False
    assert data["summary"]["problems"] == 2
    assert data["problems"][0] == {
        "file": "rules/structures/adie.yaml",
        "line": 6,
        "column": 1,
        "message": "champ 'suport' introuvable (vouliez-vous dire 'support' ?)",
        "text": "rules/structures/adie.yaml:6:1: champ 'suport' introuvable (vouliez-vous dire 'support' ?)",
    }


def test_network_load_exposes_the_ruleset():
    """network.load gives the RuleSet as .rules, and the territory and structure ids from it."""
    net = network.load(paths.bundled("rules"))
    assert net.territory is net.rules.territory
    assert "cci-thiers" in net.structure_ids
    assert net.fiche_context()["structures"] == net.structure_ids


def test_network_load_refuses_invalid_rules(tmp_path):
    """Commands never run on invalid rules: network.load raises the located problems."""
    with pytest.raises(RulesError):
        network.load(overlay("covers-no-commune", tmp_path))


# --- version -------------------------------------------------------------------------------------


def test_version_outside_git_is_a_content_hash(tmp_path):
    """Outside a git work tree the version is sha256: and 12 hex digits, changing with any file."""
    rules_dir = bundled_copy(tmp_path)
    first = rules_version(rules_dir)
    assert first.startswith("sha256:") and len(first) == len("sha256:") + 12
    assert rules_version(rules_dir) == first
    path = rules_dir / "structures" / "parc.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    assert rules_version(rules_dir) != first


def test_outside_git_no_git_process_is_started(tmp_path, monkeypatch):
    """An installed capactif's rules (no .git in or above them): the version costs no git process."""
    import subprocess

    rules_dir = bundled_copy(tmp_path)
    assert not any((p / ".git").exists() for p in (rules_dir, *rules_dir.parents))
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    def popen(command, *args, **kwargs):
        started.append(command)
        return real_popen(command, *args, **kwargs)

    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    monkeypatch.setattr(subprocess, "Popen", popen)
    assert rules_version(rules_dir) == content_hash(rules_dir)
    assert started == []
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere.git"))  # git would look there: it is asked
    assert rules_version(rules_dir) == content_hash(rules_dir)
    assert started and started[0][:2] == ["git", "-C"]


def test_version_in_a_clean_git_tree_is_the_commit(tmp_path):
    """In a clean git work tree the version is the last commit of the rules; a change makes it a hash."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    rules_dir = bundled_copy(tmp_path)

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(tmp_path), *args], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    git("init", "-q")
    git("add", "rules")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "rules")
    assert rules_version(rules_dir) == "git:" + git("rev-parse", "HEAD")[:12]
    (rules_dir / "routing.yaml").write_text("rules: []\n", encoding="utf-8")
    assert rules_version(rules_dir) == content_hash(rules_dir)


def test_the_last_change_of_the_rules_is_asked_of_git_once_per_commit(tmp_path, monkeypatch):
    """``git status`` (porcelain v2) says whether the rules are clean and which commit is checked out; the last
    commit that changed them is asked of ``git log`` once for that commit, then read from the signed cache: the
    same version, an unrelated commit keeps it, a change committed to the rules gives the new one."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.setenv("CAPACTIF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("CAPACTIF_NO_CACHE", raising=False)
    rules_dir = bundled_copy(tmp_path)

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org",
                               *args], capture_output=True, text=True, check=True)  # fmt: skip
        return done.stdout.strip()

    git("init", "-q")
    assert rules_version(rules_dir) == content_hash(rules_dir)  # no commit yet: untracked rules
    git("add", "rules")
    git("commit", "-q", "-m", "rules")
    first = git("rev-parse", "HEAD")
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    def popen(command, *args, **kwargs):
        if command[:3] == ["git", "-C", str(rules_dir)]:  # capactif's, not this test's own git commands
            started.append(command[3:5])
        return real_popen(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    assert rules_version(rules_dir) == "git:" + first[:12]
    assert [c[0] for c in started] == ["status", "log"]
    started.clear()
    assert rules_version(rules_dir) == "git:" + first[:12]  # the same commit checked out: from the cache
    assert [c[0] for c in started] == ["status"]
    (tmp_path / "README").write_text("elsewhere\n", encoding="utf-8")
    git("add", "README")
    git("commit", "-q", "-m", "not the rules")
    assert rules_version(rules_dir) == "git:" + first[:12]  # an unrelated commit keeps the version
    (rules_dir / "routing.yaml").write_text((rules_dir / "routing.yaml").read_text() + "# n\n", encoding="utf-8")
    assert rules_version(rules_dir) == content_hash(rules_dir)  # not committed
    git("commit", "-q", "-am", "rules changed")
    assert rules_version(rules_dir) == "git:" + git("rev-parse", "HEAD")[:12]
    monkeypatch.setenv("CAPACTIF_NO_CACHE", "1")
    started.clear()
    assert rules_version(rules_dir) == "git:" + git("rev-parse", "HEAD")[:12]  # without the cache: git log again
    assert [c[0] for c in started] == ["status", "log"]
