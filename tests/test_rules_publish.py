"""The rules in force: publish, history, export, drafts, decisions, and every store command routing with them.

The issue's scenario: the same stored fiche got a different référent depending on the directory a
technician ran ``suggest`` from; once the coordinator publishes the rules, both desks route it the
same way, with the published version.  Every store test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from cli import main
from engine import paths
from engine.app import Workspace
from engine.published import repository as repo
from engine.published.snapshot import read_directory
from engine.published.tables import rules_blobs
from engine.rules.loader import content_hash

LIBERAL_IN_AMBERT = """\
received: 2026-03-02
received_by: cma-63
porteur: {name: Léa Vidal}
commune: Ambert
kind: creation
naf: 69.20Z
"""


def run(*args: str, env: dict[str, str] | None = None):
    """The command in English (messages are checked by their English text; French is the default,
    checked in test_a_refusal_is_in_french_by_default)."""
    return CliRunner().invoke(
        main, list(args), env={"CAPACTIF_AS": "", "CAPACTIF_RULES": "", "CAPACTIF_LANG": "en", **(env or {})}
    )


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Materialised sets and the rules cache in the test's own directory; no ambient rules or store."""
    monkeypatch.setenv("CAPACTIF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CAPACTIF_HOME", str(tmp_path / "home"))
    for name in ("CAPACTIF_RULES", "CAPACTIF_DB", "CAPACTIF_AS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def desks(tmp_path) -> tuple[Path, Path]:
    """Two desks' working directories: A has the bundled rules in ./rules, B a changed copy in which
    the CCI of Ambert also leads liberal professions (so a liberal project in Ambert goes to it, not ADRET)."""
    a, b = tmp_path / "desk-a", tmp_path / "desk-b"
    shutil.copytree(paths.bundled("rules"), a / "rules")
    shutil.copytree(paths.bundled("rules"), b / "rules")
    cci = b / "rules" / "structures" / "cci-ambert.yaml"
    cci.write_text(cci.read_text().replace("natures: [commercial]", "natures: [commercial, liberal]"))
    return a, b


def changed_rules(tmp_path: Path) -> Path:
    """A changed copy of the bundled rules (the CCI of Ambert leads liberal professions): its tests pass."""
    target = tmp_path / "changed"
    shutil.copytree(paths.bundled("rules"), target)
    cci = target / "structures" / "cci-ambert.yaml"
    cci.write_text(cci.read_text().replace("natures: [commercial]", "natures: [commercial, liberal]"))
    return target


def add_fiche(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "fiche.yaml"
    path.write_text(LIBERAL_IN_AMBERT, encoding="utf-8")
    result = run("fiche", "add", str(path), "--as", "cma-63", "--db", store_url, "--rules", str(paths.bundled("rules")))
    assert result.exit_code == 0, result.output


def lead_from(directory: Path, store_url: str, monkeypatch, *, rules: Path | None = None) -> tuple[str, str, list]:
    """The lead suggested for the stored fiche by a command run in ``directory`` (and its rules version)."""
    from engine.app.suggest import suggest_fiches

    monkeypatch.chdir(directory)
    with Workspace.open(db=store_url, rules=rules) as ws:
        found = suggest_fiches(ws, ["F-2026-0001"], None)
        suggestion = found.suggestions[0]
        return suggestion.lead.structure, ws.network.rules.version, ws.warnings


def publish(store_url: str, directory: Path, *extra: str):
    return run("rules", "publish", str(directory), "--message", "règles du réseau", "--as", "coordinator",
               "--db", store_url, *extra)  # fmt: skip


def test_the_same_stored_fiche_gets_the_same_lead_from_every_desk_once_rules_are_published(
    store_url, tmp_path, desks, monkeypatch
):
    """Before: lead adret from desk A, cci-ambert from desk B (their ./rules differ). After publishing
    A's rules: adret from both, with the published version, and desk B is told its ./rules is not used."""
    a, b = desks
    add_fiche(store_url, tmp_path)
    assert lead_from(a, store_url, monkeypatch)[0] == "adret"
    assert lead_from(b, store_url, monkeypatch)[0] == "cci-ambert"

    result = publish(store_url, a / "rules")
    assert result.exit_code == 0, result.output
    version = content_hash(a / "rules")
    assert version in result.output

    lead_a, version_a, warnings_a = lead_from(a, store_url, monkeypatch)
    lead_b, version_b, warnings_b = lead_from(b, store_url, monkeypatch)
    assert (lead_a, version_a, warnings_a) == ("adret", version, [])
    assert (lead_b, version_b) == ("adret", version)
    assert len(warnings_b) == 1 and "n'est pas utilisé" in warnings_b[0] and version in warnings_b[0]


def test_a_named_directory_wins_with_a_warning_naming_both_versions(store_url, tmp_path, desks, monkeypatch):
    """--rules DIR that differs from the rules in force is used, and the warning names both versions."""
    a, b = desks
    add_fiche(store_url, tmp_path)
    assert publish(store_url, a / "rules").exit_code == 0
    lead, version, warnings = lead_from(a, store_url, monkeypatch, rules=b / "rules")
    assert lead == "cci-ambert"
    assert version == content_hash(b / "rules")
    assert len(warnings) == 1
    assert content_hash(a / "rules") in warnings[0] and content_hash(b / "rules") in warnings[0]
    assert "rules diff --base published" in warnings[0]
    # the same directory as the one in force: no warning, the published version
    assert lead_from(b, store_url, monkeypatch, rules=a / "rules") == ("adret", content_hash(a / "rules"), [])


def test_without_published_rules_commands_read_the_directory_as_before(store_url, tmp_path, desks, monkeypatch):
    """A store where nothing was published changes nothing: ./rules is read, no warning."""
    _, b = desks
    add_fiche(store_url, tmp_path)
    assert lead_from(b, store_url, monkeypatch)[0] == "cci-ambert"
    assert lead_from(b, store_url, monkeypatch)[2] == []


def test_publish_records_who_when_message_and_tests_then_history_lists_them(store_url, tmp_path):
    """Two publications: the latest is in force; each keeps its author, message and tests result."""
    bundled = paths.bundled("rules")
    changed = changed_rules(tmp_path)
    assert publish(store_url, bundled).exit_code == 0
    second = publish(store_url, changed, "--format", "json")
    assert second.exit_code == 0, second.output
    data = json.loads(second.output)
    assert data["version"] == content_hash(changed)
    assert data["previous"] == content_hash(bundled)
    assert data["tests"]["failed"] == 0 and data["tests"]["total"] > 90
    history = json.loads(run("rules", "history", "--db", store_url, "--format", "json").output)
    assert history["in_force"] == content_hash(changed)
    assert [p["version"] for p in history["publications"]] == [content_hash(changed), content_hash(bundled)]
    assert {p["published_by"] for p in history["publications"]} == {"coordinator"}
    assert history["publications"][0]["message"] == "règles du réseau"
    text = run("rules", "history", "--db", store_url).output
    assert "[in force]" in text and "[replaced]" in text


def test_publishing_the_rules_in_force_again_writes_nothing(store_url):
    """The same content is already in force: one publication only."""
    bundled = paths.bundled("rules")
    assert publish(store_url, bundled).exit_code == 0
    again = publish(store_url, bundled)
    assert again.exit_code == 0 and "already in force" in again.output
    assert len(json.loads(run("rules", "history", "--db", store_url, "--format", "json").output)["publications"]) == 1


def test_files_are_stored_once_per_content(store_url, tmp_path):
    """Two versions that differ in one file add one blob, not a second copy of every file."""
    from engine.store.db import open_store

    bundled = paths.bundled("rules")
    assert publish(store_url, bundled).exit_code == 0
    assert publish(store_url, changed_rules(tmp_path)).exit_code == 0
    store = open_store(store_url)
    try:
        with store.transaction() as conn:
            blobs = conn.execute(select(func.count()).select_from(rules_blobs)).scalar_one()
    finally:
        store.dispose()
    distinct = set(read_directory(bundled).files.values())
    assert blobs == len(distinct) + 1


def test_only_the_coordinator_publishes(store_url):
    """A structure, the committee and nobody are refused (exit 2) and nothing is stored."""
    for who in ("cma-63", "committee", ""):
        result = run("rules", "publish", str(paths.bundled("rules")), "-m", "x", "--db", store_url, "--as", who)
        assert result.exit_code == 2
        assert "only the coordinator publishes" in result.output
    assert json.loads(run("rules", "history", "--db", store_url, "--format", "json").output)["publications"] == []


def broken_tests_rules(tmp_path: Path) -> Path:
    """Rules whose fallback lead is the CCI of Ambert: valid, but the Loire/Allier cases expecting ADRET fail."""
    target = tmp_path / "fallback"
    shutil.copytree(paths.bundled("rules"), target)
    routing = target / "routing.yaml"
    routing.write_text(routing.read_text().replace("fallback_lead: [adret]", "fallback_lead: [cci-ambert]"))
    return target


def test_failing_routing_tests_refuse_the_publication_unless_forced_with_a_reason(store_url, tmp_path):
    """Exit 1 with each failing case located under the directory given; --force needs --reason (exit 2);
    forced, the publication records the reason and the failures count."""
    rules = broken_tests_rules(tmp_path)
    refused = publish(store_url, rules)
    assert refused.exit_code == 1
    assert f"{rules}/tests/lead-by-nature.yaml:" in refused.output
    assert "nothing was published" in refused.output
    no_reason = publish(store_url, rules, "--force")
    assert no_reason.exit_code == 2 and "--force needs a reason" in no_reason.output
    history = json.loads(run("rules", "history", "--db", store_url, "--format", "json").output)
    assert history == {"in_force": None, "publications": [], "drafts": []}
    forced = publish(store_url, rules, "--force", "--reason", "cas Loire à réécrire", "--format", "json")
    assert forced.exit_code == 0, forced.output
    publication = json.loads(forced.output)["publication"]
    assert publication["forced"] is True and publication["force_reason"] == "cas Loire à réécrire"
    assert publication["tests_failed"] > 0


def test_invalid_rules_are_refused_with_located_problems(store_url, tmp_path):
    """A rules problem is reported at the file of the directory given, exit 2, nothing stored."""
    rules = tmp_path / "bad"
    shutil.copytree(paths.bundled("rules"), rules)
    routing = rules / "routing.yaml"
    routing.write_text(routing.read_text().replace("fallback_lead: [adret]", "fallback_lead: [adie]"))
    result = publish(store_url, rules)
    assert result.exit_code == 2
    assert f"{rules}/routing.yaml:" in result.output and "cannot lead" in result.output


def test_a_message_is_required(store_url):
    result = run("rules", "publish", str(paths.bundled("rules")), "--as", "coordinator", "--db", store_url)
    assert result.exit_code == 2 and "--message" in result.output


def test_a_publication_points_at_the_committee_decision_that_adopted_it(store_url):
    """A pending decision is refused; once adopted, the publication names it and the decision lists the version."""
    added = run("decision", "add", "--kind", "rules_change", "--title", "Règles 2027", "--date", "2026-11-02",
                "--as", "coordinator", "--db", store_url, "--format", "json")  # fmt: skip
    decision = json.loads(added.output)["id"]
    assert decision == "D-2026-001"
    pending = publish(store_url, paths.bundled("rules"), "--decision", decision)
    assert pending.exit_code == 2 and "is pending, not adopted" in pending.output
    recorded = run("decision", "record", decision, "--outcome", "adopted", "--date", "2026-11-20",
                   "--as", "coordinator", "--db", store_url)  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    assert publish(store_url, paths.bundled("rules"), "--decision", decision).exit_code == 0
    listed = json.loads(run("decision", "list", "--db", store_url, "--format", "json").output)["decisions"]
    assert listed[0]["outcome"] == "adopted" and listed[0]["decided_on"] == "2026-11-20"
    assert listed[0]["rules_versions"] == [content_hash(paths.bundled("rules"))]


def test_export_writes_the_same_content_back(store_url, tmp_path):
    """rules export published DIR gives a directory with the published version; a non-empty target is refused."""
    changed = changed_rules(tmp_path)
    assert publish(store_url, changed).exit_code == 0
    target = tmp_path / "exported"
    result = run("rules", "export", "published", str(target), "--db", store_url)
    assert result.exit_code == 0, result.output
    assert content_hash(target) == content_hash(changed)
    again = run("rules", "export", content_hash(changed), str(target), "--db", store_url)
    assert again.exit_code == 2 and "not an empty directory" in again.output
    unknown = run("rules", "export", "sha256:000000000000", str(tmp_path / "x"), "--db", store_url)
    assert unknown.exit_code == 2 and "no rules sha256:000000000000" in unknown.output


def test_a_draft_is_stored_not_in_force_then_published_by_its_version(store_url, tmp_path):
    """--draft keeps the set (listed as a draft); publishing its version puts it in force."""
    changed = changed_rules(tmp_path)
    version = content_hash(changed)
    draft = publish(store_url, changed, "--draft")
    assert draft.exit_code == 0 and "draft" in draft.output
    history = json.loads(run("rules", "history", "--db", store_url, "--format", "json").output)
    assert history["in_force"] is None and [d["version"] for d in history["drafts"]] == [version]
    assert run("rules", "publish", version, "-m", "adopté", "--as", "coordinator", "--db", store_url).exit_code == 0
    history = json.loads(run("rules", "history", "--db", store_url, "--format", "json").output)
    assert history["in_force"] == version and history["drafts"] == []


def test_rules_diff_against_the_published_rules_and_a_stored_version(store_url, tmp_path):
    """--base published and --base sha256:… replay the stored fiches against the store's sets."""
    add_fiche(store_url, tmp_path)
    bundled = paths.bundled("rules")
    changed = changed_rules(tmp_path)
    assert publish(store_url, bundled).exit_code == 0
    for base in ("published", content_hash(bundled)):
        result = run("rules", "diff", "--base", base, "--rules", str(changed), "--fiches", "store", "--db", store_url,
                     "--format", "json")  # fmt: skip
        assert result.exit_code == 1, result.output
        data = json.loads(result.output)
        assert data["base"]["rules_version"] == content_hash(bundled)
        assert [(c["fiche"], c["before"]["lead"], c["after"]["lead"]) for c in data["changes"]] == [
            ("F-2026-0001", "adret", "cci-ambert")
        ]
    missing = run("rules", "diff", "--base", "sha256:000000000000", "--rules", str(changed), "--db", store_url)
    assert missing.exit_code == 2 and "no rules sha256:000000000000" in missing.output


def test_rules_diff_base_published_without_publication_says_so(store_url, tmp_path):
    result = run("rules", "diff", "--base", "published", "--fiches", "store", "--db", store_url)
    assert result.exit_code == 2 and "no rules have been published" in result.output


def test_a_stored_set_changed_outside_capactif_is_refused(store, tmp_path):
    """A blob altered in the database no longer matches the set's digest: refused, never routed with."""
    from engine.errors import ConflictError

    snap = read_directory(paths.bundled("rules"))
    with store.transaction() as conn:
        repo.store_set(conn, snap, by="coordinator")
        conn.execute(update(rules_blobs).where(rules_blobs.c.size > 0).values(content=b"changed"))
    with pytest.raises(ConflictError), store.transaction() as conn:
        repo.set_files(conn, snap.version)


def test_the_migration_creates_the_tables_the_code_describes(store):
    """Alembic's comparison of the migrated database and this issue's tables finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import engine.decisions.tables
    import engine.offers.tables
    import engine.published.tables  # noqa: F401
    from engine.store.schema import metadata

    mine = {"rules_blobs", "rules_sets", "rules_set_files", "rules_publications", "decisions", "offer_requests",
            "offers"}  # fmt: skip
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)

    def table_of(diff):
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:]:
            name = getattr(part, "name", None) if not isinstance(part, str) else part
            table = getattr(part, "table", None)
            if table is not None:
                return table.name
            if name in mine:
                return name
        return None

    assert [d for d in diffs if table_of(d) in mine] == []


def test_a_refusal_is_in_french_by_default(store_url):
    """Without --lang, a technician trying to publish reads why in French."""
    result = CliRunner().invoke(
        main,
        ["rules", "publish", str(paths.bundled("rules")), "-m", "x", "--db", store_url, "--as", "cma-63"],
        env={"CAPACTIF_AS": "", "CAPACTIF_RULES": ""},
    )
    assert result.exit_code == 2
    assert "cma-63 ne peut pas publier les règles : seule la coordination publie les règles du réseau" in result.output


def test_publish_history_and_export_speak_french_by_default(store_url, tmp_path):
    """Without --lang, what the coordinator reads after publishing, in the history and after an export is French."""
    from tests.test_french_output import english_words

    def french(*args: str) -> str:
        env = {"CAPACTIF_AS": "", "CAPACTIF_RULES": ""}
        result = CliRunner().invoke(main, [*args, "--db", store_url], env=env)
        assert result.exit_code == 0, result.output
        assert english_words(result.output) == [], result.output
        return result.output

    published = french("rules", "publish", str(paths.bundled("rules")), "-m", "règles", "--as", "coordinator")
    assert "sont maintenant en vigueur" in published and "tests d'orientation réussis" in published
    again = french("rules", "publish", str(paths.bundled("rules")), "-m", "règles", "--as", "coordinator")
    assert "déjà en vigueur : rien n'est publié" in again
    assert "[en vigueur]" in french("rules", "history")
    assert "écrites dans" in french("rules", "export", "published", str(tmp_path / "exported"))
