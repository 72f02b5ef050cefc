"""``capactif rules coverage``: gaps, conditional coverage and lead ties on hand-made rules, and the bundled network."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from routing_factory import RULES_DIR, rule, ruleset, structure

from cli import main
from engine.coverage import analyse, commune_classes, coverage
from engine.coverage.analyse import CommuneClass
from engine.coverage.analyse import _lead as lead_findings
from engine.coverage.analyse import _need as need_findings
from engine.routing import compile_rules
from engine.vocabulary import KINDS, NATURES, NEEDS

AMBERT = "63003"  # local network ambert, department 63
BRIOUDE = "43016"  # Auzon: local network brioude, department 43


def small(**policy):
    """A CMA for the Puy-de-Dôme, a CCI everywhere, a PFIL for Ambert, a couveuse at early stages."""
    return ruleset(
        structure("cma", territory={"departments": ["63"]}, lead={"natures": ["artisanal"]},
                  competence={"natures": ["artisanal"]}, support={"needs": ["training"]}),
        structure("cci", lead={"natures": ["commercial", "liberal", "agricultural"]}, support={"needs": ["training"]}),
        structure("pfil", territory={"local_networks": ["ambert"]}, support={"needs": ["honour_loan"]}),
        structure("couveuse", competence={"stages": ["idea", "study"]}, support={"needs": ["activity_test"]}),
        **policy,
    )  # fmt: skip


def entries(cov, **match):
    return [e for e in cov.entries if all(getattr(e, k) == v for k, v in match.items())]


def test_known_lead_gap_outside_the_cma_territory():
    """Artisanal projects outside the Puy-de-Dôme have no lead: a territorial lead gap, every kind."""
    cov = coverage(compile_rules(small(fallback_lead=[])))
    gaps = entries(cov, role="lead", status="gap")
    assert gaps and {e.scope for e in gaps} == {"territory"}
    assert {(n, k) for e in gaps for n, k in e.combinations} == {("artisanal", k) for k in KINDS}
    concerned = set().union(*(e.communes for e in gaps))
    assert BRIOUDE in concerned and AMBERT not in concerned
    communes = small().territory.communes
    assert concerned == {c for c in communes if communes[c].department != "63"}
    assert cov.lead_gap


def test_fallback_lead_closes_the_gap():
    """With the CCI as fallback lead, every combination has a lead: no lead gap."""
    cov = coverage(compile_rules(small(fallback_lead=["cci"])))
    assert not cov.lead_gap and entries(cov, role="lead", status="gap") == []


def test_known_need_gap_and_what_the_network_never_offers():
    """Honour loans exist only around Ambert: a gap elsewhere; grants exist nowhere: 'network' scope."""
    cov = coverage(compile_rules(small(fallback_lead=["cci"])))
    honour = entries(cov, need="honour_loan", status="gap")
    assert {e.scope for e in honour} == {"territory"}
    concerned = set().union(*(e.communes for e in honour))
    assert BRIOUDE in concerned and AMBERT not in concerned
    assert {e.network for e in honour} == {"thiers", "brioude"}
    grant = entries(cov, need="grant", status="gap")
    assert {e.scope for e in grant} == {"network"}
    assert cov.counts()["need_gaps"] > 0


def test_conditional_coverage_names_the_conditions(english):
    """A couveuse only at stages idea and study covers activity tests conditionally, and says so."""
    cov = coverage(compile_rules(small(fallback_lead=["cci"])))
    (conditional,) = {(e.candidates, e.status) for e in entries(cov, need="activity_test")}
    candidates, status = conditional
    assert status == "conditional"
    assert candidates[0].words() == "couveuse (only at stages idea, study)"


def test_known_tie_between_two_identical_leads():
    """Two CCIs with the same territory and priority tie for lead; the caseload decides, or the id without it."""
    rules = ruleset(
        structure("cci-a", lead={"natures": ["commercial"]}),
        structure("cci-b", lead={"natures": ["commercial"]}),
        structure("bge", lead={"natures": ["liberal"]}),
        fallback_lead=["bge"],
    )
    cov = coverage(compile_rules(rules))
    ties = entries(cov, status="tie")
    assert {e.decided_by for e in ties} == {"caseload"}
    assert {tuple(c.structure for c in e.candidates) for e in ties} == {("cci-a", "cci-b")}
    assert {n for e in ties for n, _ in e.combinations} == {"commercial"}
    assert sum(len(e.communes) for e in ties) == len(rules.territory.communes)
    by_id = coverage(compile_rules(ruleset(*rules.structures.values(), tie_break=["priority", "specificity", "id"])))
    assert {e.decided_by for e in entries(by_id, status="tie")} == {"id"}


def test_priority_or_a_preference_rule_separates_a_tie():
    """A higher priority, or a coordinator's preference that always fires, leaves no tie."""
    a = structure("cci-a", lead={"natures": ["commercial"], "priority": 1})
    b = structure("cci-b", lead={"natures": ["commercial"]})
    assert entries(coverage(compile_rules(ruleset(a, b))), status="tie") == []
    plain_a = structure("cci-a", lead={"natures": ["commercial"]})
    preferred = ruleset(plain_a, b, rules=[rule("prefer-b", "prefer", "cci-b")])
    assert entries(coverage(compile_rules(preferred)), status="tie") == []
    conditional = ruleset(plain_a, b, rules=[rule("prefer-b", "prefer", "cci-b", when={"needs_any": ["grant"]})])
    assert entries(coverage(compile_rules(conditional)), status="tie") != []


def test_commune_classes_give_the_per_commune_answers():
    """Analysing each commune on its own gives exactly the findings of its class."""
    compiled = compile_rules(small(fallback_lead=["cci"]))
    classes = analyse(compiled)
    assert len(classes) < len(compiled.territory.communes)
    assert sorted(c for cls in classes for c in cls.communes) == sorted(compiled.territory.communes)
    for cls in classes:
        for code in cls.communes[:3]:
            alone = CommuneClass([code], compiled.by_commune.get(code, ()), compiled.rules_at(code))
            found = []
            for nature in NATURES:
                for kind in KINDS:
                    found += lead_findings(compiled, alone, nature, kind)
                    found += [f for need in NEEDS if (f := need_findings(compiled, alone, nature, kind, need))]
            assert found == cls.findings


def test_bundled_network_has_no_lead_gap_and_its_real_need_gaps(network):
    """The bundled rules: a lead for every combination (ADRET is the fallback); territorial need gaps exist."""
    compiled = compile_rules(network.rules)
    cov = coverage(compiled)
    assert not cov.lead_gap
    territorial = entries(cov, status="gap", scope="territory")
    assert territorial and all(e.role == "support" for e in territorial)
    assert len(commune_classes(compiled)) < len(compiled.territory.communes)


# --- the command ---------------------------------------------------------------------------------


def rules_dir(tmp_path: Path, *, fallback: bool) -> Path:
    """A rules directory on disk: the bundled territory, a CMA for the Puy-de-Dôme and a CCI everywhere."""
    target = tmp_path / "rules"
    (target / "structures").mkdir(parents=True)
    shutil.copy(RULES_DIR / "territory.yaml", target / "territory.yaml")
    shutil.copytree(RULES_DIR / "territory", target / "territory")
    (target / "routing.yaml").write_text(f"fallback_lead: [{'cci' if fallback else ''}]\n", encoding="utf-8")
    (target / "structures" / "cma.yaml").write_text(
        "id: cma\nname: CMA\nkind: cma\nterritory:\n  departments: ['63']\nlead:\n  natures: [artisanal]\n"
        "competence:\n  natures: [artisanal]\n",
        encoding="utf-8",
    )
    (target / "structures" / "cci.yaml").write_text(
        "id: cci\nname: CCI\nkind: cci\nterritory:\n  whole_network: true\nlead:\n  natures: [commercial]\n",
        encoding="utf-8",
    )
    return target


def test_command_exit_1_on_a_lead_gap_and_json_keys(tmp_path, english):
    """Exit 1 with a lead gap (0 once a fallback lead closes it); the documented JSON keys."""
    gap = CliRunner().invoke(main, ["rules", "coverage", "--rules", str(rules_dir(tmp_path / "a", fallback=False)),
                                    "--format", "json"])  # fmt: skip
    assert gap.exit_code == 1, gap.output
    data = json.loads(gap.output)
    assert list(data) == ["rules_version", "communes", "classes", "counts", "networks"]
    assert list(data["counts"]) == ["lead_gaps", "need_gaps", "conditional", "ties"]
    entry = data["networks"][0]["entries"][0]
    assert list(entry) == [
        "role", "need", "status", "scope", "natures", "kinds", "combinations", "communes", "intercommunals",
        "count", "candidates", "decided_by",
    ]  # fmt: skip
    assert data["counts"]["lead_gaps"] > 0
    fixed = CliRunner().invoke(main, ["rules", "coverage", "--rules", str(rules_dir(tmp_path / "b", fallback=True))])
    assert fixed.exit_code == 0, fixed.output
    assert "lead gaps: 0" in fixed.output
    assert "Example:" in CliRunner().invoke(main, ["rules", "coverage", "-h"]).output
