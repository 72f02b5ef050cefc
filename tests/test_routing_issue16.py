"""Issue 16: facts that change the nature, notes and orientation in suggest, orientation.yaml checked,
and the refusal of an incompetent lead."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from engine import activities
from engine.routing import compile_rules, suggest
from engine.rules.loader import check_rules

BUNDLED = Path(__file__).resolve().parent.parent / "rules"


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": "", "CAPACTIF_DB": "", "CAPACTIF_RULES": ""})


def write(tmp_path: Path, text: str, name: str = "f.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


FLORIST = "received: 2026-03-02\ncommune: Ambert\nkind: creation\nnaf: 47.76Z\n"


def test_suggest_shows_the_nature_note_as_fiche_check_does(tmp_path):
    """A partly artisanal code: suggest prints fiche check's note in text and JSON, and the question."""
    path = write(tmp_path, FLORIST)
    checked = json.loads(run("fiche", "check", path, "--format", "json").output)[0]["notices"]
    assert checked and "confirmez-la avec le porteur" in checked[0]
    text = run("suggest", path).output
    assert f"  remarque : {checked[0]}" in text
    data = json.loads(run("suggest", path, "--format", "json").output)
    assert data["notes"] == checked
    assert data["nature_to_confirm"]["naf"] == "47.76Z" and data["nature_to_confirm"]["nature"] == "artisanal"
    written = json.loads(run("suggest", write(tmp_path, FLORIST + "nature: commercial\n", "g.yaml"), "--format",
                             "json").output)  # fmt: skip
    assert written["nature_to_confirm"] is None and written["notes"] == []


@pytest.mark.parametrize("naf", ["81.30Z", "93.19Z", "85.51Z", "55.20Z"])
def test_landscaping_equestrian_and_lodging_codes_ask_for_the_nature(naf):
    """The codes whose nature depends on facts the NAF code does not hold are flagged."""
    assert activities.nature_of(naf).needs_confirmation


def test_farm_link_explains_the_agricultural_nature(network):
    """A farmer's cheese dairy is led by the chamber of agriculture, and the reasons cite L311-1."""
    from engine.fiche import Fiche

    fiche = Fiche.model_validate(
        {"received": "2026-03-02", "commune": "63179", "kind": "creation", "naf": "10.51C",
         "publics": ["farmer"], "farm_link": "extension"},
        context=network.fiche_context(),
    )  # fmt: skip
    assert fiche.nature == "agricultural"
    s = suggest(fiche, compile_rules(network.rules))
    assert s.lead.structure == "agri-63"
    assert any("Code rural L311-1" in r for r in s.lead.reasons)


def test_farm_link_contradicting_a_written_nature_is_refused(tmp_path):
    """nature: commercial with farm_link: equestrian is an error located in the file (exit 2)."""
    path = write(tmp_path, FLORIST.replace("47.76Z", "93.19Z") + "nature: commercial\nfarm_link: equestrian\n")
    result = run("fiche", "check", path)
    assert result.exit_code == 2
    assert "contredit farm_link 'equestrian'" in result.output


def test_droit_de_suite_reason_and_a_creation_cannot_be_registered(network, tmp_path):
    """A developing artisan above 10 employees keeps the CMA and says why; a creation cannot be registered."""
    from engine.fiche import Fiche

    fiche = Fiche.model_validate(
        {"received": "2026-03-02", "commune": "63430", "kind": "development", "naf": "43.21A", "employees": 14},
        context=network.fiche_context(),
    )
    s = suggest(fiche, compile_rules(network.rules))
    assert s.lead.structure == "cma-63"
    assert any("droit de suite" in r for r in s.lead.reasons)
    result = run("fiche", "check", write(tmp_path, FLORIST + "artisan_registered: true\n"))
    assert result.exit_code == 2 and "une création est une entreprise nouvelle" in result.output


def test_uncovered_need_names_the_orientation_in_text_and_json(tmp_path):
    """Honour loan in Noirétable: uncovered, oriented to Initiative Loire, said 'à confirmer en partie'."""
    path = write(
        tmp_path, "received: 2026-03-02\ncommune: '42159'\nkind: creation\nnaf: 47.11B\nneeds: [honour_loan]\n"
    )
    data = json.loads(run("suggest", path, "--format", "json").output)
    assert data["uncovered_needs"] == ["honour_loan"]
    (orientation,) = data["orientations"]
    assert orientation["need"] == "honour_loan"
    first = orientation["structures"][0]
    assert first["id"] == "initiative-loire"
    assert first["confirmed"] == "partly" and first["confirmed_label"] == "à confirmer en partie"
    text = run("suggest", path).output
    assert "orienter vers Initiative Loire" in text and "(à confirmer en partie)" in text


def test_unconfirmed_orientation_is_never_shown_as_a_fact(tmp_path):
    """La Guillermie: the Vichy platform was not found: the text says 'à confirmer'."""
    path = write(
        tmp_path, "received: 2026-03-02\ncommune: '03125'\nkind: creation\nnaf: 47.11B\nneeds: [honour_loan]\n"
    )
    text = run("suggest", path).output
    line = next(x for x in text.splitlines() if "orienter vers" in x)
    assert "(à confirmer)" in line


def test_orientation_file_problems_are_located(tmp_path):
    """rules check reports an unknown department, a member's id and a bad 'confirmed', each located."""
    rules = tmp_path / "rules"
    shutil.copytree(BUNDLED, rules, ignore=shutil.ignore_patterns("tests"))
    entry = (
        "  - id: {id}\n    name: x\n    territory: {{departments: ['{dep}']}}\n    needs: [land]\n    confirmed: {c}\n"
    )
    cases = [
        (entry.format(id="far", dep="63", c="maybe"), "orientation.yaml:6:16", "confirmed 'maybe' introuvable"),
        (entry.format(id="adie", dep="63", c="'no'"), "orientation.yaml:2:9", "est membre du réseau"),
        (entry.format(id="far", dep="69", c="'yes'"), "orientation.yaml:4:31", "département '69' introuvable"),
    ]
    for body, where, what in cases:
        (rules / "orientation.yaml").write_text("orientations:\n" + body, encoding="utf-8")
        result = check_rules(rules)
        texts = [str(p) for p in result.problems]
        assert not result.ok
        assert any(where in t and what in t for t in texts), texts


def test_orientation_schema_is_generated():
    """The orientation file has its JSON Schema in schemas/ like the other rules files."""
    schema = json.loads((BUNDLED.parent / "schemas" / "orientation.schema.json").read_text(encoding="utf-8"))
    assert "orientations" in schema["properties"]


BAKERY = "received: 2026-03-02\ncommune: Ambert\nkind: creation\nnaf: 10.71C\n"


def test_assigning_an_incompetent_lead_is_refused_unless_forced(store_url, tmp_path):
    """cci-thiers does not cover Ambert nor lead artisans: refused (exit 2, nothing written); forced
    with a reason it is recorded in the event and shown in the history."""
    path = write(tmp_path, BAKERY)
    assert run("fiche", "add", path, "--as", "cma-63", "--db", store_url).exit_code == 0
    refused = run("fiche", "assign", "F-2026-0001", "--lead", "cci-thiers", "--as", "coordinator", "--db", store_url)
    assert refused.exit_code == 2
    assert "n'est pas compétent pour être le référent" in refused.output and "--force --reason" in refused.output
    shown = json.loads(run("fiche", "show", "F-2026-0001", "--as", "coordinator", "--db", store_url,
                           "--format", "json").output)  # fmt: skip
    assert shown["fiche"]["lead"] is None
    alone = run("fiche", "assign", "F-2026-0001", "--lead", "cci-thiers", "--force", "--as", "coordinator",
                "--db", store_url)  # fmt: skip
    assert alone.exit_code == 2 and "--force et --reason vont ensemble" in alone.output
    forced = run("fiche", "assign", "F-2026-0001", "--lead", "cci-thiers", "--force", "--reason",
                 "the porteur asked for it", "--as", "coordinator", "--db", store_url, "--format", "json")  # fmt: skip
    assert forced.exit_code == 0, forced.output
    (event,) = [e for e in json.loads(forced.output)["events"] if e["kind"] == "lead_assigned"]
    assert event["payload"]["forced"] == "the porteur asked for it"
    assert "ne couvre pas la commune 63003 Ambert" in event["payload"]["not_competent"]
    competent = run("fiche", "assign", "F-2026-0001", "--lead", "cma-63", "--as", "coordinator", "--db", store_url)
    assert competent.exit_code == 0, competent.output


def test_fallback_lead_is_competent_only_where_no_chamber_leads(store_url, tmp_path):
    """adret may lead a bakery in Noirétable (no CMA there) but not in Ambert (the CMA leads there)."""
    run("fiche", "add", write(tmp_path, BAKERY), "--as", "coordinator", "--db", store_url)
    run("fiche", "add", write(tmp_path, BAKERY.replace("Ambert", "'42159'"), "n.yaml"), "--as", "coordinator",
        "--db", store_url)  # fmt: skip
    ambert = run("fiche", "assign", "F-2026-0001", "--lead", "adret", "--as", "coordinator", "--db", store_url)
    assert ambert.exit_code == 2 and "n'est référente qu'en repli" in ambert.output
    assert "ici cma-63 l'est" in ambert.output
    loire = run("fiche", "assign", "F-2026-0002", "--lead", "adret", "--as", "coordinator", "--db", store_url)
    assert loire.exit_code == 0, loire.output


PORTEUR = BAKERY + "summary: Boulangerie au centre-bourg\nporteur: {name: Jeanne Martin, email: jeanne@example.org}\n"


def test_fiche_edit_changes_any_field_and_records_old_new_and_a_suggestion(store_url, tmp_path):
    """Activity, needs, headcount, porteur: one event old → new, a fresh suggestion; the nature follows
    the new NAF code; personal fields are masked for a structure not on the fiche."""
    run("fiche", "add", write(tmp_path, PORTEUR), "--assign", "--as", "cma-63", "--db", store_url)
    result = run("fiche", "edit", "F-2026-0001", "--naf", "47.11B", "--needs", "honour_loan, premises",
                 "--employees", "3", "--name", "Jeanne Dupont", "--as", "cma-63", "--db", store_url,
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    events = json.loads(result.output)["events"]
    assert [e["kind"] for e in events] == ["fiche_edited", "suggested"]
    changes = events[0]["payload"]["changes"]
    assert changes["naf"] == {"old": "10.71C", "new": "47.11B"}
    assert changes["nature"] == {"old": "artisanal", "new": "commercial"}
    assert changes["needs"] == {"old": [], "new": ["honour_loan", "premises"]}
    assert changes["employees"] == {"old": None, "new": 3}
    assert changes["porteur.name"] == {"old": "Jeanne Martin", "new": "Jeanne Dupont"}
    assert events[1]["payload"]["lead"] == "cci-ambert"
    shown = json.loads(run("fiche", "show", "F-2026-0001", "--as", "cma-63", "--db", store_url, "--format",
                           "json").output)  # fmt: skip
    assert shown["fiche"]["naf"] == "47.11B" and shown["fiche"]["porteur"]["name"] == "Jeanne Dupont"
    other = run("fiche", "show", "F-2026-0001", "--as", "cci-thiers", "--db", store_url, "--format", "json")
    edited = next(e for e in json.loads(other.output)["history"] if e["kind"] == "fiche_edited")
    assert edited["payload"]["changes"]["porteur.name"] == {"old": None, "new": None}
    assert edited["payload"]["changes"]["naf"]["new"] == "47.11B"
    assert "Jeanne" not in other.output
    text = run("fiche", "show", "F-2026-0001", "--as", "cci-thiers", "--db", store_url).output
    assert "nom du porteur modifié (masqué)" in text and "code NAF : 10.71C → 47.11B" in text
    assert run("db", "verify", "--db", store_url).exit_code == 0


def test_fiche_edit_refuses_bad_values_all_at_once_and_writes_nothing(store_url, tmp_path):
    """An unknown NAF code and an unknown need: exit 2, each named by its option, the fiche unchanged."""
    run("fiche", "add", write(tmp_path, BAKERY), "--as", "cma-63", "--db", store_url)
    result = run("fiche", "edit", "F-2026-0001", "--naf", "99.99Z", "--needs", "honor_loan", "--as", "cma-63",
                 "--db", store_url)  # fmt: skip
    assert result.exit_code == 2
    assert "--naf" in result.output and "code NAF '99.99Z' introuvable" in result.output
    assert "--needs" in result.output
    shown = json.loads(run("fiche", "show", "F-2026-0001", "--as", "cma-63", "--db", store_url, "--format",
                           "json").output)  # fmt: skip
    assert shown["version"] == 1 and shown["fiche"]["naf"] == "10.71C"
    nothing = run("fiche", "edit", "F-2026-0001", "--naf", "10.71C", "--as", "cma-63", "--db", store_url)
    assert nothing.exit_code == 2 and "a déjà ces valeurs" in nothing.output


def test_fiche_edit_of_the_commune_keeps_the_commune_changed_event(store_url, tmp_path):
    """A new commune is still a commune_changed event, followed by a suggestion for the new place."""
    run("fiche", "add", write(tmp_path, BAKERY), "--as", "cma-63", "--db", store_url)
    result = run("fiche", "edit", "F-2026-0001", "--commune", "Lavaudieu", "--kind", "takeover", "--as", "cma-63",
                 "--db", store_url, "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    kinds = [e["kind"] for e in json.loads(result.output)["events"]]
    assert kinds == ["commune_changed", "fiche_edited", "suggested"]
    assert json.loads(result.output)["events"][2]["payload"]["lead"] == "cma-43"


LOIRE = "received: 2026-03-02\ncommune: '42159'\nkind: creation\nnaf: 47.11B\nneeds: [honour_loan]\n"


def test_alerts_and_agenda_name_the_orientation(store_url, tmp_path):
    """An uncovered honour loan in Noirétable: the need_uncovered alert and the ambert agenda name where
    to send the porteur outside the network, with its status."""
    assert run("fiche", "add", write(tmp_path, LOIRE), "--assign", "--as", "adret", "--db", store_url).exit_code == 0
    alerts = run("alerts", "--check", "need_uncovered", "--as", "coordinator",
                 "--db", store_url, "--format", "json")  # fmt: skip
    (alert,) = [a for net in json.loads(alerts.output)["networks"] for a in net["alerts"]]
    assert "prêt d'honneur : orienter vers Initiative Loire" in alert["action"]
    assert "(à confirmer en partie)" in alert["action"]
    agenda = run("agenda", "--network", "ambert", "--month", "2026-04", "--as", "coordinator", "--db", store_url)
    assert agenda.exit_code == 0, agenda.output
    assert "orientation hors réseau (prêt d'honneur) : Initiative Loire" in agenda.output


def test_first_reception_is_measured_in_the_charter_and_the_report(store_url, tmp_path):
    """A porteur received by the CC du Pays d'Ambert, taken in charge after 10 days: reception_junction
    kept; the report counts it and gives the median; a fiche received by the CMA is not counted."""
    first = BAKERY.replace("received: 2026-03-02", "received: 2025-03-03") + "received_by: cc-ambert\n"
    other = BAKERY.replace("received: 2026-03-02", "received: 2025-03-03") + "received_by: cma-63\n"
    run("fiche", "add", write(tmp_path, first), "--as", "coordinator", "--db", store_url)
    run("fiche", "add", write(tmp_path, other, "o.yaml"), "--as", "coordinator", "--db", store_url)
    for fid in ("F-2025-0001", "F-2025-0002"):
        assigned = run("fiche", "assign", fid, "--lead", "cma-63", "--date", "2025-03-13", "--as", "coordinator",
                       "--db", store_url)  # fmt: skip
        assert assigned.exit_code == 0, assigned.output
    check = run("charter", "check", "--year", "2025", "--as-of", "2025-12-31", "--as", "committee", "--db",
                store_url, "--format", "json")  # fmt: skip
    junction = next(c for c in json.loads(check.output)["commitments"] if c["id"] == "reception_junction")
    assert (junction["kept"], junction["broken"]) == (1, 0)
    report = json.loads(run("report", "--year", "2025", "--db", store_url, "--as", "committee", "--format",
                            "json").output)  # fmt: skip
    assert report["first_reception"] == {"received": 1, "taken_in_charge": 1, "median_days_to_referent": 10}


def test_coverage_says_the_urscop_takes_transmission_only_with_a_cooperative(english):
    """rules coverage: a liberal takeover's transmission is only conditionally covered, by the Urscop,
    'only with the need cooperative' (not every transmission is the Urscop's)."""
    data = json.loads(run("rules", "coverage", "--format", "json").output)
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("need") == "transmission" and node.get("status") == "conditional":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    assert found
    text = json.dumps(found, ensure_ascii=False)
    assert "urscop" in text and "only with the need cooperative" in text


def test_app_use_cases_edit_and_assign(store_url, tmp_path):
    """engine.app.fiches: the web's entry points do what the commands do (refusal, forced assignment, edit)."""
    from engine.app.fiches import assign_lead, edit_fiche
    from engine.app.workspace import Workspace
    from engine.errors import InputError

    run("fiche", "add", write(tmp_path, BAKERY), "--as", "cma-63", "--db", store_url)
    with Workspace.open(db=store_url) as ws:
        who = ws.identity("coordinator")
        with pytest.raises(InputError) as refused:
            assign_lead(ws, who, "F-2026-0001", "agri-63")
        assert refused.value.problems[0].source == "--lead"
        forced = assign_lead(ws, who, "F-2026-0001", "agri-63", force_reason="projet mixte", expected_version=1)
        assert forced.events[0]["payload"]["forced"] == "projet mixte"
        edited = edit_fiche(ws, who, "F-2026-0001", {"employees": 4, "needs": ["premises"]}, expected_version=2)
        assert [e["kind"] for e in edited.events] == ["fiche_edited", "suggested"]


def test_explain_says_the_urscop_needs_a_cooperative_project(tmp_path):
    """--explain urscop on a plain takeover: the transmission is served only with the cooperative need."""
    fiche = "received: 2026-03-02\ncommune: '63040'\nkind: takeover\nnaf: 69.20Z\nneeds: [transmission]\n"
    path = write(tmp_path, fiche)
    data = json.loads(run("suggest", path, "--explain", "urscop", "--format", "json").output)
    assert any("servi seulement quand la fiche a aussi besoin de 'cooperative'" in r for r in data["reasons"]), data


def test_nature_facts_survive_a_csv_export_and_import(store_url, tmp_path):
    """artisan_registered and farm_link are CSV columns: exported as written, imported back unchanged."""
    fiche = BAKERY.replace("kind: creation", "kind: development") + "employees: 14\nartisan_registered: false\n"
    run("fiche", "add", write(tmp_path, fiche), "--as", "coordinator", "--db", store_url)
    csv_path = tmp_path / "out.csv"
    exported = run("fiche", "export", "--format", "csv", "-o", str(csv_path), "--as", "coordinator", "--db", store_url)
    assert exported.exit_code == 0, exported.output
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "artisan_registered" in text.splitlines()[0] and "farm_link" in text.splitlines()[0]
    other = str(tmp_path / "other.sqlite")
    imported = run("fiche", "import", str(csv_path), "--as", "coordinator", "--db", other)
    assert imported.exit_code == 0, imported.output
    shown = json.loads(run("fiche", "show", "F-2026-0001", "--as", "coordinator", "--db", other, "--format",
                           "json").output)  # fmt: skip
    assert shown["fiche"]["artisan_registered"] is False and shown["fiche"]["farm_link"] is None
