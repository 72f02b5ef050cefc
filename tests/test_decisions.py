"""The committee's decisions through the CLI, on both backends: who writes, what is refused, what is listed."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli import main


def run(*args: str):
    """In English: messages are checked by their English text (French is the default language)."""
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": "", "CAPACTIF_LANG": "en"})


def add(store_url: str, *extra: str):
    return run("decision", "add", "--db", store_url, "--as", "coordinator", "--format", "json", *extra)


def test_actions_are_numbered_per_year_and_listed_latest_first(store_url):
    """Two actions in 2026 and one in 2027: D-2026-001, D-2026-002, D-2027-001; list shows the latest first."""
    for kind, title, day in (("training", "Formation accueil", "2026-03-02"),
                             ("promotion", "Stand foire d'Ambert", "2026-09-01"),
                             ("rules_change", "ADIE à Brioude", "2027-01-05")):  # fmt: skip
        assert add(store_url, "--kind", kind, "--title", title, "--date", day).exit_code == 0
    listed = json.loads(run("decision", "list", "--db", store_url, "--format", "json").output)["decisions"]
    assert [d["id"] for d in listed] == ["D-2027-001", "D-2026-002", "D-2026-001"]
    assert {d["outcome"] for d in listed} == {"pending"}
    assert listed[1]["kind_label"] == "opération de promotion"
    pending = json.loads(run("decision", "list", "--outcome", "pending", "--kind", "training", "--db", store_url,
                             "--format", "json").output)["decisions"]  # fmt: skip
    assert [d["id"] for d in pending] == ["D-2026-001"]
    table = run("decision", "list", "--db", store_url).output
    assert "Stand foire d'Ambert" in table and "en attente" in table


def test_only_the_coordinator_writes(store_url):
    """A structure and the committee may read but not add nor record."""
    assert add(store_url, "--kind", "training", "--title", "Formation", "--date", "2026-03-02").exit_code == 0
    for who in ("cma-63", "committee"):
        refused = run("decision", "add", "--kind", "training", "--title", "x", "--db", store_url, "--as", who)
        assert refused.exit_code == 2 and "the coordinator records" in refused.output
        refused = run("decision", "record", "D-2026-001", "--outcome", "adopted", "--db", store_url, "--as", who)
        assert refused.exit_code == 2
        assert run("decision", "list", "--db", store_url, "--as", who).exit_code == 0


def test_bad_input_is_reported_all_at_once(store_url):
    """Unknown kind (with the closest) and an empty title in one run, exit 2, nothing written."""
    result = run("decision", "add", "--kind", "trainig", "--title", " ", "--db", store_url, "--as", "coordinator")
    assert result.exit_code == 2
    assert "did you mean 'training'" in result.output and "--title" in result.output
    assert json.loads(run("decision", "list", "--db", store_url, "--format", "json").output)["decisions"] == []


def test_a_decision_is_final_once_adopted_or_rejected_and_never_before_it_was_put(store_url):
    """Postponed then adopted is fine; adopted again is refused; a date before the action is refused."""
    assert add(store_url, "--kind", "other", "--title", "Charte 2027", "--date", "2026-05-01").exit_code == 0
    early = run("decision", "record", "D-2026-001", "--outcome", "adopted", "--date", "2026-04-01",
                "--db", store_url, "--as", "coordinator")  # fmt: skip
    assert early.exit_code == 2 and "before the action was put" in early.output
    for outcome, code in (("postponed", 0), ("adopted", 0), ("rejected", 2)):
        result = run("decision", "record", "D-2026-001", "--outcome", outcome, "--date", "2026-06-01",
                     "--note", "vote à l'unanimité", "--db", store_url, "--as", "coordinator")  # fmt: skip
        assert result.exit_code == code, result.output
    shown = json.loads(run("decision", "list", "--db", store_url, "--format", "json").output)["decisions"][0]
    assert (shown["outcome"], shown["decision_note"]) == ("adopted", "vote à l'unanimité")
    unknown = run("decision", "record", "D-2026-009", "--outcome", "adopted", "--db", store_url, "--as", "coordinator")
    assert unknown.exit_code == 2 and "no decision D-2026-009" in unknown.output


def test_what_the_coordinator_reads_is_french_by_default(store_url):
    """Without --lang, adding, recording and listing decisions speak French (the list's headers were already)."""
    from tests.test_french_output import english_words

    def french(*args: str) -> str:
        result = CliRunner().invoke(main, [*args, "--db", store_url], env={"CAPACTIF_AS": ""})
        assert result.exit_code == 0, result.output
        assert english_words(result.output) == [], result.output
        return result.output

    assert "Aucune action présentée au comité" in french("decision", "list")
    added = french("decision", "add", "--kind", "training", "--title", "Formation", "--date", "2026-03-02",
                   "--as", "coordinator")  # fmt: skip
    assert added.strip() == "D-2026-001 présentée au comité le 2026-03-02 : Formation"
    recorded = french("decision", "record", "D-2026-001", "--outcome", "adopted", "--date", "2026-03-09",
                      "--as", "coordinator")  # fmt: skip
    assert recorded.strip() == "D-2026-001 : adoptée le 2026-03-09."
