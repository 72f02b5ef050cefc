"""capactif rules show for every kind of territory, filter and setting a member's file may hold, in words and JSON."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from cli import main
from engine import paths
from engine.territory import load_territory

EVERY_UNIT = """\
id: essai
name: Boutique de gestion d'essai
kind: bge
local_networks: [ambert, thiers]
active: false
territory:
  departments: ["43"]
  local_networks: [ambert]
  intercommunals: ["246301063"]
  communes: ["63430", "42039"]
  except_departments: ["42"]
  except_local_networks: [brioude]
  except_intercommunals: ["246301105"]
  except_communes: ["63003"]
lead:
  natures: [artisanal]
  priority: 2
competence:
  kinds: [creation]
  stages: [idea, study]
  natures: [artisanal]
  naf_prefixes: ["10.7", "47"]
  requires_publics: [job_seeker]
  publics: [young]
  max_employees: 9
support:
  needs: [business_plan, premises]
  naf_prefixes:
    premises: ["10.71"]
capacity: 12
contact:
  email: essai@example.org
  phone: "04 73 00 00 00"
"""

ANY_NATURE = """\
id: essai-libre
name: Essai sans filtre
kind: bge
territory:
  whole_network: true
lead: {}
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    """The bundled rules plus two test members: one using every setting, one leading any project anywhere."""
    target = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(paths.bundled("rules"), target)
    (target / "structures" / "essai.yaml").write_text(EVERY_UNIT, encoding="utf-8")
    (target / "structures" / "essai-libre.yaml").write_text(ANY_NATURE, encoding="utf-8")
    return target


def show(rules, *args: str):
    result = CliRunner().invoke(main, ["rules", "show", *args, "--rules", str(rules)], env={"CAPACTIF_RULES": ""})
    assert result.exit_code == 0, result.output
    return result.output


def expected_communes(rules) -> set[str]:
    """The territory of EVERY_UNIT worked out from the territory file: the union listed, minus the exclusions."""
    t = load_territory(rules)
    union = {c for c, commune in t.communes.items() if commune.department == "43"}
    union |= set(t.local_networks["ambert"].communes) | set(t.intercommunals["246301063"].communes)
    union |= {"63430", "42039"}
    union -= {c for c, commune in t.communes.items() if commune.department == "42"}
    union -= set(t.local_networks["brioude"].communes) | set(t.intercommunals["246301105"].communes) | {"63003"}
    return union


def test_every_kind_of_territory_unit_is_named_with_its_size(rules, english):
    """Departments, local networks, intercommunal bodies, communes and each exclusion, by name, in file order."""
    lines = show(rules, "essai").splitlines()
    count = len(expected_communes(rules))
    assert lines[3] == (
        f"  territory: {count} communes: department 43 Haute-Loire (44 communes); "
        "local network ambert (Réseau local d'Ambert, 85 communes); "
        "intercommunal body 246301063 CC de Thiers communauté (3 communes); commune 63430 Thiers; "
        "commune 42039 Chalmazel-Jeansagnière; except department 42 Loire; except local network brioude; "
        "except intercommunal body 246301105 CC Pays d'Ambert; except commune 63003 Ambert"
    )
    data = json.loads(show(rules, "essai", "--format", "json"))
    assert set(data["communes"]) == expected_communes(rules) and data["communes"] == sorted(data["communes"])
    assert data["communes_count"] == count


def test_filters_capacity_and_contact_in_words(rules, english):
    """Status, lead natures and priority, supports with NAF limits, every filter, capacity and contact."""
    lines = show(rules, "essai").splitlines()
    assert lines[0] == "essai: Boutique de gestion d'essai (boutique de gestion)"
    assert lines[1].startswith("  file: ") and lines[1].endswith("structures/essai.yaml:1")
    assert lines[2] == "  status: not active (active: false): never suggested; local networks: ambert, thiers"
    assert lines[4:] == [
        "  leads: projects of nature artisanale (artisanal); priority 2",
        "  supports the needs:",
        "    - étude de marché et plan d'affaires (business_plan)",
        "    - local d'activité (premises), only for NAF 10.71",
        "  works only on: kinds: création (creation); stages: idée (premier accueil) (idea), "
        "montage (étude de marché, plan d'affaires) (study); natures: artisanale (artisanal); NAF prefixes: 10.7, 47; "
        "only for publics: demandeur d'emploi (job_seeker); at most 9 employees",
        "  serves in particular: jeune (moins de 26 ans) (young)",
        "  capacity: 12 active fiches as lead",
        "  contact: email essai@example.org; phone 04 73 00 00 00",
    ]


def test_json_gives_filters_capacity_and_contact(rules):
    """--format json: leads, supports with their NAF prefixes, filters, capacity and contact as written."""
    data = json.loads(show(rules, "essai", "--format", "json"))
    assert (data["active"], data["can_lead"], data["fallback_lead"]) == (False, True, False)
    assert data["leads"] == {"natures": ["artisanal"], "priority": 2}
    assert data["supports"] == [
        {
            "need": "business_plan",
            "label": "étude de marché et plan d'affaires",
            "naf_prefixes": [],
            "only_with_needs": [],
        },
        {"need": "premises", "label": "local d'activité", "naf_prefixes": ["10.71"], "only_with_needs": []},
    ]
    assert data["filters"] == {
        "kinds": ["creation"],
        "stages": ["idea", "study"],
        "natures": ["artisanal"],
        "naf_prefixes": ["10.7", "47"],
        "requires_publics": ["job_seeker"],
        "publics": ["young"],
        "max_employees": 9,
    }
    assert (data["capacity"], data["contact"]) == (12, {"email": "essai@example.org", "phone": "04 73 00 00 00"})
    assert data["rules"] == []


def test_a_lead_of_any_nature_on_the_whole_network(rules, english):
    """A lead without natures leads 'projects of any nature'; no needs, no filter, no capacity, no contact."""
    assert show(rules, "essai-libre").splitlines()[2:] == [
        "  status: active; local networks: none",
        "  territory: 191 communes: the whole network (191 communes)",
        "  leads: projects of any nature; priority 0",
        "  supports: no need",
        "  works only on: any project (no filter)",
        "  capacity: no limit set",
        "  contact: none recorded",
    ]
    rows = json.loads(show(rules, "--format", "json"))["structures"]
    libre = next(r for r in rows if r["id"] == "essai-libre")
    assert (libre["leads"], libre["supports"], libre["communes_count"]) == ("any", "", 191)
    essai = next(r for r in rows if r["id"] == "essai")
    assert (essai["active"], essai["leads"], essai["supports"]) == (False, "artisanal", "business_plan, premises")


def test_the_fallback_lead_says_where_it_also_leads(english):
    """ADRET leads liberal projects, and any project no structure of the commune can lead (fallback_lead)."""
    bundled = paths.bundled("rules")
    lines = show(bundled, "adret").splitlines()
    at = lines.index("  leads: projects of nature libérale (liberal); priority 0")
    fallback = "  also leads where no structure is competent for the nature (fallback_lead in routing.yaml)"
    assert lines[at + 1] == fallback
    assert json.loads(show(bundled, "adret", "--format", "json"))["fallback_lead"] is True
