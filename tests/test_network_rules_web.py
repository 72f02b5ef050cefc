"""The coordinator's rules pages over HTTP (both backends): a candidate set uploaded as an archive (or
stored as a draft from the command line) replayed over the stored fiches as a diff page — per fiche,
per structure, per local network —; archives refused with their reason and nothing stored; publishing
refused while the routing tests fail unless forced with a reason; a publication pointing at the
committee's decision that adopted it."""

from __future__ import annotations

import html
import io
import re
import shutil
import tarfile
import zipfile
from pathlib import Path

from click.testing import CliRunner

from cli import main
from engine import paths
from engine.app import published
from engine.identity import Identity
from engine.rules.loader import content_hash
from tests.web_app import web  # noqa: F401 (fixture)

FAILING_CASE = """base: {received: 2026-03-02, kind: creation, commune: "63003"}
cases:
  - name: a bakery in Ambert led by the ADIE (wrong on purpose)
    fiche: {naf: 10.71C}
    expect: {lead: adie}
"""


def changed_rules(tmp_path: Path, *, failing: bool = False) -> Path:
    """The bundled rules where the CCI of Ambert leads liberal professions too (and, if asked, a
    routing test that fails)."""
    changed = tmp_path / ("failing" if failing else "changed")
    shutil.copytree(paths.bundled("rules"), changed)
    cci = changed / "structures" / "cci-ambert.yaml"
    cci.write_text(cci.read_text().replace("natures: [commercial]", "natures: [commercial, liberal]"))
    if failing:
        (changed / "tests" / "wrong.yaml").write_text(FAILING_CASE)
    return changed


def tar_gz(directory: Path, top: str = "rules") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(directory, arcname=top)
    return buffer.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(client, name: str, data: bytes):
    token = client.csrf("/coordination/regles")
    return client.post("/coordination/regles/candidat", data={"csrf_token": token},
                       files={"archive": (name, data, "application/octet-stream")}, follow_redirects=False)  # fmt: skip


def add_liberal_fiche(web) -> str:  # noqa: F811
    """A liberal profession (69.20Z) in Ambert, suggested with the bundled rules (référent: ADRET)."""
    from engine.app import Workspace
    from engine.fiche import Fiche
    from engine.routing import suggest
    from engine.store import repository

    with Workspace.open(db=web.store_url) as ws:
        fiche = Fiche.model_validate({"received": "2026-11-02", "commune": "63003", "kind": "creation",
                                      "naf": "69.20Z"}, context=ws.network.fiche_context())  # fmt: skip
        compiled = ws.compiled_rules
        with ws.store.transaction() as conn:
            (added,) = repository.add_fiches(conn, [fiche], who=Identity.of_structure("cma-63"), network=ws.network,
                                             suggester=lambda f, load: suggest(f, compiled, load))  # fmt: skip
    return added.fiche


def test_an_uploaded_archive_is_replayed_per_fiche_structure_and_local_network(web, tmp_path):  # noqa: F811
    liberal = add_liberal_fiche(web)
    changed = changed_rules(tmp_path)
    coordinator = web.client("coordinator", fresh=True)
    sent = upload(coordinator, "regles.tar.gz", tar_gz(changed))
    assert sent.status_code == 303, sent.text[:2000]
    assert sent.headers["location"] == f"/coordination/regles/candidat/{content_hash(changed)}"
    page = html.unescape(coordinator.get(sent.headers["location"]).text)
    per_fiche = page.split("Par fiche")[1].split("Par structure")[0]
    rows = re.findall(r"<tr><td>(F-\d{4}-\d{4})</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", per_fiche)
    assert rows == [(liberal, "ambert", "adret", "cci-ambert")]
    per_structure = page.split("Par structure")[1].split("Par réseau local")[0]
    assert "<tr><td>cci-ambert</td><td>1</td><td>0</td>" in per_structure
    assert "<tr><td>adret</td><td>0</td><td>1</td>" in per_structure
    per_network = page.split("Par réseau local")[1]
    assert re.search(r"<tr><td>ambert</td><td>\d+</td><td>1</td>", per_network)
    assert "Publier" in page  # not in force yet: the form to publish it
    rules_page = coordinator.get("/coordination/regles").text
    assert f'href="/coordination/regles/candidat/{content_hash(changed)}"' in rules_page  # listed among the drafts
    assert web.ws.network.rules.version != content_hash(changed)  # a draft routes nothing


def test_unsafe_or_unreadable_archives_are_refused_and_nothing_is_stored(web, tmp_path):  # noqa: F811
    coordinator = web.client("coordinator", fresh=True)
    broken = changed_rules(tmp_path)
    (broken / "structures" / "cci-ambert.yaml").write_text("id: cci-ambert\nnatures: [commercial\n")
    for name, data, reason in (
        ("evil.zip", zip_of({"../territory.yaml": b"x"}), "chemin dangereux"),
        ("notes.zip", b"not an archive at all", "archive illisible"),
        ("other.zip", zip_of({"docs/readme.txt": b"x"}), "pas de territory.yaml"),
        ("broken.tar.gz", tar_gz(broken), "cci-ambert.yaml"),
    ):
        refused = upload(coordinator, name, data)
        assert refused.status_code == 400, name
        assert reason in html.unescape(refused.text), (name, html.unescape(refused.text)[:3000])
    assert published.rules_history(web.ws, Identity.coordinator()).drafts == []


def test_failing_tests_refuse_the_publication_unless_forced_with_a_reason(web, tmp_path):  # noqa: F811
    failing = changed_rules(tmp_path, failing=True)
    version = content_hash(failing)
    coordinator = web.client("coordinator", fresh=True)
    assert upload(coordinator, "regles.tar.gz", tar_gz(failing)).status_code == 303
    page = html.unescape(coordinator.get(f"/coordination/regles/candidat/{version}").text)
    assert "a bakery in Ambert led by the ADIE (wrong on purpose)" in page
    refused = coordinator.submit("/coordination/regles/publier", {"version": version, "message": "essai"})
    assert refused.status_code == 400
    assert web.ws.network.rules.version != version
    form = {"version": version, "message": "essai", "force": "oui", "reason": "cas à corriger après la réunion"}
    forced = coordinator.submit("/coordination/regles/publier", form)
    assert forced.status_code == 303, html.unescape(forced.text)[:2000]
    history = html.unescape(coordinator.get("/coordination/regles").text)
    assert f"règles <strong>{version}</strong>" in history and "cas à corriger après la réunion" in history


def test_a_draft_from_the_command_line_published_under_the_committee_decision(web, tmp_path):  # noqa: F811
    """``rules publish --draft`` stores a candidate; the coordinator replays it on the web, publishes it
    naming the adopted decision; the decisions page shows the version it adopted."""
    changed = changed_rules(tmp_path)
    version = content_hash(changed)
    stored = CliRunner().invoke(main, ["rules", "publish", str(changed), "--draft", "-m", "CCI et libéraux", "--db",
                                       web.store_url, "--as", "coordinator"])  # fmt: skip
    assert stored.exit_code == 0, stored.output
    coordinator = web.client("coordinator", fresh=True)
    assert f'href="/coordination/regles/candidat/{version}"' in coordinator.get("/coordination/regles").text
    assert coordinator.submit("/decisions", {"kind": "rules_change", "title": "La CCI d'Ambert et les libéraux",
                                             "put_on": "2026-11-02"}).status_code == 303  # fmt: skip
    candidate = coordinator.get(f"/coordination/regles/candidat/{version}").text
    assert "D-2026-001" not in candidate  # not adopted yet: not offered
    assert (
        coordinator.submit("/decisions/D-2026-001", {"outcome": "adopted", "decided_on": "2026-11-20"}).status_code
        == 303
    )
    candidate = html.unescape(coordinator.get(f"/coordination/regles/candidat/{version}").text)
    assert '<option value="D-2026-001">' in candidate
    done = coordinator.submit("/coordination/regles/publier", {"version": version, "message": "CCI et libéraux",
                                                               "decision": "D-2026-001"})  # fmt: skip
    assert done.status_code == 303
    assert web.ws.network.rules.version == version
    decisions = web.client("committee").get("/decisions").text
    row = next(r for r in decisions.split("<tr>") if "D-2026-001" in r)
    assert version in row


def test_the_rules_page_shows_the_routing_tests_and_the_coverage_gaps_of_the_rules_in_force(web, tmp_path):  # noqa: F811
    """Its figures are those of ``rules test`` and ``rules coverage`` for the rules in force: all the
    bundled cases pass; then a published set with a failing case names it; the gaps are counted."""
    from engine.coverage import coverage

    coordinator = web.client("coordinator", fresh=True)
    total = published.run_tests(paths.bundled("rules"), web.ws.network.rules.version).total
    page = html.unescape(coordinator.get("/coordination/regles").text)
    assert total > 0 and f"Les {total} cas passent." in page
    counts = coverage(web.ws.compiled_rules).counts()
    assert f"{counts['lead_gaps']} combinaisons (commune × nature × type) sans structure référente possible" in page
    assert f"{counts['need_gaps']} besoins que personne ne couvre, {counts['ties']} égalités" in page
    failing = changed_rules(tmp_path, failing=True)
    result = CliRunner().invoke(main, ["rules", "publish", str(failing), "--force", "--reason", "essai", "-m", "essai",
                                       "--db", web.store_url, "--as", "coordinator"])  # fmt: skip
    assert result.exit_code == 0, result.output
    page = html.unescape(coordinator.get("/coordination/regles").text)
    assert f"1 cas sur {total + 1} échouent" in page
    assert "a bakery in Ambert led by the ADIE (wrong on purpose)" in page
