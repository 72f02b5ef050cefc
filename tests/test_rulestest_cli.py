"""capactif rules test: failures as expected vs suggested, a summary, and the exit codes."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from cli import main
from engine import paths

RULES = paths.bundled("rules")

CASES = """\
base:
  received: 2026-03-02
  kind: creation
  commune: "63003"
cases:
  - name: bakery in Ambert
    fiche: {naf: 10.71C}
    expect: {lead: cma-63}
  - name: bake-off shop wrongly expected with the CMA
    fiche: {naf: 10.71B, needs: [honour_loan]}
    expect:
      lead: cma-63
      uncovered_needs: [honour_loan]
"""


@pytest.fixture
def cases(tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text(CASES, encoding="utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(main, ["rules", "test", *args, "--rules", str(RULES)])


def test_a_failing_case_shows_what_differs_and_why_then_exits_1(cases, english):
    """The failure names the case and its line, expected vs suggested, each difference and the reasons."""
    result = run(str(cases))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    at = lines.index(f"FAIL {cases}:9: bake-off shop wrongly expected with the CMA")
    assert lines[at + 1 : at + 7] == [
        "  expected:  lead cma-63; uncovered needs honour_loan",
        "  suggested: lead cci-ambert; supporting pfil-ambert (honour_loan)",
        "  - lead: expected cma-63, suggested cci-ambert",
        "  - uncovered needs: expected honour_loan to be uncovered, covered by pfil-ambert",
        "  reasons:",
        "    lead cci-ambert: competent to lead for nature 'commercial' (commerciale)",
    ]
    assert "  why not as expected:" in lines
    assert any(line.startswith("    cma-63: not competent for nature 'commercial'") for line in lines)
    assert lines[-1].startswith("2 cases: 1 passed, 1 failed (rules ")


def test_json_report_has_the_documented_keys(cases):
    """--format json: total, passed, and each failure with file, line, name, expected, suggested, reasons."""
    result = run(str(cases), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert list(data) == ["total", "passed", "failures", "rules_version"]
    assert (data["total"], data["passed"]) == (2, 1)
    [failure] = data["failures"]
    assert list(failure) == ["file", "line", "name", "expected", "suggested", "differences", "reasons", "why_not"]
    assert failure["expected"] == {"lead": "cma-63", "uncovered_needs": ["honour_loan"]}
    assert failure["suggested"] == {
        "lead": "cci-ambert",
        "supporting": [{"structure": "pfil-ambert", "needs": ["honour_loan"]}],
        "uncovered_needs": [],
        "orphan": False,
    }
    assert (str(cases), 9) == (failure["file"], failure["line"])


def test_all_passing_exits_0_with_a_summary(tmp_path):
    """When every case passes, only the summary is printed and the exit code is 0."""
    path = tmp_path / "ok.yaml"
    path.write_text(CASES.split("  - name: bake-off")[0], encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 cas : 1 réussi, 0 en échec (règles ")


def test_bad_case_file_exits_2_with_located_errors(tmp_path):
    """A bad case file is an input error: exit 2, one located line per problem."""
    path = tmp_path / "bad.yaml"
    path.write_text(CASES.replace("naf: 10.71C", "naf: 10.71C, comune: Ambert"), encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 2
    assert f"erreur : {path}:7:26: champ 'comune' introuvable (vouliez-vous dire 'commune' ?)\n" == result.output


def test_default_files_are_the_rules_directory_tests(tmp_path, cases):
    """Without FILES the rules directory's tests/*.yaml are run; none there is an error saying what to do."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    shutil.rmtree(rules / "tests")
    result = CliRunner().invoke(main, ["rules", "test", "--rules", str(rules)])
    assert result.exit_code == 2
    assert (
        f"erreur : {rules}/tests: aucun test d'orientation (*.yaml) ici : "
        "écrivez-en, ou indiquez des fichiers de tests\n" == result.output
    )
    (rules / "tests").mkdir()
    shutil.copy(cases, rules / "tests" / "cases.yaml")
    result = CliRunner().invoke(main, ["rules", "test", "--rules", str(rules), "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["total"] == 2
