"""The rules files as files: JSON Schemas up to date, round-trip saving, 'rules show' and 'rules schema'."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import main
from engine import activities, paths
from engine.errors import RulesError
from engine.rules.loader import load_rules
from engine.rules.model import Condition
from engine.rules.references import condition_space
from engine.rules.save import save_structure
from engine.rules.schema import schema_texts

ROOT = Path(__file__).parent.parent


def test_schemas_folder_is_up_to_date_with_the_models():
    """schemas/ holds exactly what 'capactif rules schema' generates from the models today."""
    for name, text in schema_texts().items():
        assert (ROOT / "schemas" / name).read_text(encoding="utf-8") == text, f"run: capactif rules schema {name}"


def test_every_bundled_rules_file_points_at_its_schema():
    """Each bundled YAML file starts with the yaml-language-server line pointing at an existing schema."""
    rules = paths.bundled("rules")
    files = [rules / "territory.yaml", rules / "routing.yaml", *sorted((rules / "structures").glob("*.yaml"))]
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), path
        target = (path.parent / first.removeprefix(prefix)).resolve()
        assert target.is_file(), (path, target)
        expected = "structure" if path.parent.name == "structures" else path.stem
        assert target.name == f"{expected}.schema.json"


def test_cli_rules_schema_writes_the_four_schemas(tmp_path):
    """'rules schema OUT_DIR' writes structure, routing, territory and orientation schemas that are valid JSON."""
    result = CliRunner().invoke(main, ["rules", "schema", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [
        "orientation.schema.json",
        "routing.schema.json",
        "structure.schema.json",
        "territory.schema.json",
    ]
    structure = json.loads((tmp_path / "out" / "structure.schema.json").read_text(encoding="utf-8"))
    assert "honour_loan" in json.dumps(structure)
    assert structure["additionalProperties"] is False


# --- saving --------------------------------------------------------------------------------------


@pytest.fixture
def rules_copy(tmp_path):
    """A private copy of the bundled rules."""
    dest = tmp_path / "rules"
    shutil.copytree(paths.bundled("rules"), dest)
    return dest


def test_save_without_change_rewrites_every_file_identically(rules_copy):
    """Saving a structure file with no change gives back the same bytes (comments, order, quotes)."""
    for path in sorted((rules_copy / "structures").glob("*.yaml")):
        before = path.read_text(encoding="utf-8")
        save_structure(path, {})
        assert path.read_text(encoding="utf-8") == before, path.name


def test_save_keeps_comments_and_order_and_changes_only_the_values(rules_copy):
    """Setting capacity and a contact keeps every comment line and the order of the existing keys."""
    path = rules_copy / "structures" / "cci-thiers.yaml"
    before = path.read_text(encoding="utf-8")
    save_structure(path, {"capacity": 40, "contact.phone": "04 73 80 00 00", "support.needs": ["training"]})
    after = path.read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert comments == [line for line in after.splitlines() if line.lstrip().startswith("#")]
    keys = [line.split(":")[0] for line in after.splitlines() if line and line[0].isalpha()]
    assert keys == ["id", "name", "kind", "local_networks", "active", "territory", "lead", "competence", "support",
                    "capacity", "contact"]  # fmt: skip
    assert "  needs: [training]\n" in after
    assert 'phone: "04 73 80 00 00"' in after or "phone: 04 73 80 00 00" in after
    spec = load_rules(rules_copy).structures["cci-thiers"]
    assert (spec.capacity, spec.contact.phone, spec.support.needs) == (40, "04 73 80 00 00", ["training"])


def test_save_removes_a_field_given_none(rules_copy):
    """A change to None removes the field."""
    path = rules_copy / "structures" / "adie.yaml"
    save_structure(path, {"competence.publics": None})
    assert "  publics:" not in path.read_text(encoding="utf-8")
    assert load_rules(rules_copy).structures["adie"].competence.publics == []


def test_save_refuses_an_invalid_change_and_writes_nothing(rules_copy):
    """An invalid value is reported located, and the file is left as it was."""
    path = rules_copy / "structures" / "pfil-ambert.yaml"
    before = path.read_text(encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        save_structure(path, {"support.needs": ["honor_loan"]})
    assert caught.value.lines() == [
        f"{path}:31:11: besoin 'honor_loan' introuvable (vouliez-vous dire 'honour_loan' ?) "
        "(le fichier n'a pas été modifié)"
    ]
    assert path.read_text(encoding="utf-8") == before


# --- rules show ----------------------------------------------------------------------------------


def test_cli_rules_show_structure_in_words(english):
    """'rules show pfil-ambert' says where it works, what it supports and what it does not do."""
    result = CliRunner().invoke(main, ["rules", "show", "pfil-ambert", "--rules", str(paths.bundled("rules"))])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "pfil-ambert: Pays d'Ambert Initiative (plateforme d'initiative locale)"
    territory = "  territory: 75 communes: local network ambert (Réseau local d'Ambert, 85 communes); except "
    territory += "department 42 Loire"
    assert territory in lines
    assert "  leads: never (supporting structure only)" in lines
    assert "    - prêt d'honneur (honour_loan)" in lines
    assert "  works only on: kinds: création (creation), reprise / transmission (takeover)" in lines
    assert "  routing rule 'takeover-honour-loan-ambert': requires it as support for need honour_loan" in lines


def test_cli_rules_show_json_keys():
    """--format json gives the documented keys, the communes by INSEE code."""
    result = CliRunner().invoke(main, ["rules", "show", "cc-thiers", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["id", "name", "kind", "kind_label", "active", "file", "local_networks", "territory",
                          "communes_count", "communes", "can_lead", "leads", "fallback_lead", "supports", "filters",
                          "capacity", "contact", "rules"]  # fmt: skip
    assert data["communes_count"] == 3 and "63430" in data["communes"]
    assert [s["need"] for s in data["supports"]] == ["premises", "land", "grant"]


def test_cli_rules_show_all_is_a_table_of_every_structure():
    """Without a structure, one row per structure; the JSON lists them sorted by id."""
    result = CliRunner().invoke(main, ["rules", "show", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["structures"]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows) and len(rows) == 28
    adret = next(r for r in rows if r["id"] == "adret")
    assert adret["leads"] == "liberal + fallback" and adret["communes_count"] == 191
    table = CliRunner().invoke(main, ["rules", "show"])
    assert table.exit_code == 0 and "Chambre de" in table.output and "expansion-63" in table.output


def test_cli_rules_show_unknown_structure_suggests():
    """An unknown structure id exits 2 with the closest id."""
    result = CliRunner().invoke(main, ["rules", "show", "pfil-amber"])
    assert result.exit_code == 2
    assert "erreur : structure 'pfil-amber' introuvable (vouliez-vous dire 'pfil-ambert' ?)" in result.output


# --- 'never applies' is never said of a condition some fiche matches -------------------------------

RULES = load_rules(paths.bundled("rules"))
NAF_CODES = sorted(activities.nomenclature())
PREFIXES = ["01", "10.7", "10.71B", "10.71C", "43", "45.2", "47", "56.10A", "62", "69.10", "86", "96.02A"]


def _matches(cond: Condition, commune: str, naf: str, employees: int, kind: str) -> bool:
    """Whether a fiche with these facts matches the condition, written directly from its meaning."""
    c = RULES.territory.communes[commune]
    nature = activities.nature_of(naf).nature
    if nature == "artisanal" and employees > activities.ARTISAN_MAX_EMPLOYEES:
        nature = "commercial"
    return all(
        [
            not cond.departments or c.department in cond.departments,
            not cond.local_networks or c.local_network in cond.local_networks,
            not cond.natures or nature in cond.natures,
            not cond.kinds or kind in cond.kinds,
            not cond.naf_prefixes or any(naf.startswith(p) for p in cond.naf_prefixes),
            cond.employees_above is None or employees > cond.employees_above,
            cond.employees_at_most is None or employees <= cond.employees_at_most,
        ]
    )


conditions = st.builds(
    Condition,
    departments=st.lists(st.sampled_from(["63", "43", "42", "03"]), max_size=2, unique=True),
    local_networks=st.lists(st.sampled_from(["thiers", "ambert", "brioude"]), max_size=2, unique=True),
    natures=st.lists(st.sampled_from(["artisanal", "commercial", "agricultural", "liberal"]), max_size=2, unique=True),
    kinds=st.lists(st.sampled_from(["creation", "takeover", "development"]), max_size=2, unique=True),
    naf_prefixes=st.lists(st.sampled_from(PREFIXES), max_size=2, unique=True),
    employees_above=st.none() | st.integers(0, 15),
    employees_at_most=st.none() | st.integers(0, 15),
)


@settings(max_examples=150, deadline=None)
@given(
    cond=conditions,
    commune=st.sampled_from(sorted(RULES.territory.communes)),
    naf=st.sampled_from(NAF_CODES),
    employees=st.integers(0, 20),
    kind=st.sampled_from(["creation", "takeover", "development"]),
)
def test_a_condition_some_fiche_matches_is_never_called_empty(cond, commune, naf, employees, kind):
    """If a fiche matches a 'when', the check never reports that rule as one that can never apply."""
    if _matches(cond, commune, naf, employees, kind):
        assert condition_space(cond, RULES.territory).empty_dimension() is None
