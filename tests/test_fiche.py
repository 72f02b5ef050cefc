"""The fiche: what technicians write, and every way it can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import InputError
from engine.fiche import Fiche, context, read_fiches
from engine.territory import load_territory
from engine.vocabulary import NEEDS, PUBLICS, STAGES

DATA = Path(__file__).parent / "data" / "fiches"
RULES = Path(__file__).parent.parent / "rules"


@pytest.fixture(scope="module")
def ctx():
    """Validation context over the bundled territory, with a few structure ids."""
    return context(load_territory(RULES), ["cma-63", "cci-thiers", "adret"])


def problems(paths, ctx) -> list[str]:
    with pytest.raises(InputError) as info:
        read_fiches([str(p) for p in paths], ctx)
    return info.value.lines()


def test_valid_yaml_fiche_resolves_commune_name_and_derives_nature(ctx):
    """A commune name becomes its INSEE code and the nature comes from the NAF code."""
    (fiche,) = read_fiches([DATA / "bakery-ambert.yaml"], ctx)
    assert "63003" == fiche.commune
    assert "artisanal" == fiche.nature
    assert ["business_plan", "honour_loan", "premises"] == fiche.needs
    assert "idea" == fiche.stage
    assert fiche.porteur.consent_network is True


def test_every_problem_of_a_bad_yaml_fiche_is_located(ctx):
    """All problems of a file are reported at once, each with line, column and a fix."""
    assert [
        f"{DATA}/bad.yaml:1:11: 'received' doit être une date écrite AAAA-MM-JJ, pas '2026-13-02'",
        f"{DATA}/bad.yaml:2:10: le code de commune 63999 doit être écrit entre guillemets "
        '("63999") pour rester un code',
        f"{DATA}/bad.yaml:3:7: type de projet 'creaton' introuvable (vouliez-vous dire 'creation' ?)",
        f"{DATA}/bad.yaml:4:6: code NAF '10.71X' introuvable (vouliez-vous dire 10.71A, 10.71B, 10.71C ?)",
        f"{DATA}/bad.yaml:5:9: besoin 'honor_loan' introuvable (vouliez-vous dire 'honour_loan' ?)",
        f"{DATA}/bad.yaml:6:1: champ 'colour' introuvable",
        f"{DATA}/bad.yaml:8:3: champ 'nme' introuvable (vouliez-vous dire 'name' ?)",
    ] == problems([DATA / "bad.yaml"], ctx)


def test_json_fiches_are_located_too(ctx):
    """JSON input gets the same line and column locations as YAML."""
    assert [
        f"{DATA}/bad.json:3:14: commune inconnue 'Lyon' (les plus proches : 63196 Limons, 63058 Bulhon)",
        f"{DATA}/bad.json:5:12: étape 'idae' introuvable (vouliez-vous dire 'idea' ?)",
    ] == problems([DATA / "bad.json"], ctx)


def test_problems_of_several_files_are_reported_together(ctx, tmp_path):
    """A missing file and a bad file are both reported in one run."""
    lines = problems([tmp_path / "missing.yaml", DATA / "bad.json"], ctx)
    assert f"{tmp_path}/missing.yaml: fichier introuvable" == lines[0]
    assert 3 == len(lines)


def test_unknown_structure_suggests_the_closest(ctx, tmp_path):
    """A misspelt structure id names the closest known one."""
    path = tmp_path / "f.yaml"
    path.write_text("received: 2026-01-05\ncommune: '63003'\nkind: creation\nlead: cma63\n")
    assert [f"{path}:4:7: structure 'cma63' introuvable (vouliez-vous dire 'cma-63' ?)"] == problems([path], ctx)


def test_broken_yaml_is_one_located_line(ctx, tmp_path):
    """A syntax error is reported with its position, not a traceback."""
    path = tmp_path / "f.yaml"
    path.write_text("received: 2026-01-05\nneeds: [premises\nkind: creation\n")
    (line,) = problems([path], ctx)
    assert line.startswith(f"{path}:3:")
    assert "YAML invalide" in line


def test_former_name_of_a_merged_commune_resolves(ctx):
    """Chalmazel (merged into Chalmazel-Jeansagnière) still resolves, accents and case ignored."""
    fiche = Fiche.model_validate({"received": "2026-01-05", "commune": "CHALMAZEL", "kind": "creation"}, context=ctx)
    assert "42039" == fiche.commune


def test_explicit_nature_wins_over_the_naf_code(ctx):
    """A technician's explicit nature overrides the one derived from the NAF code."""
    data = {"received": "2026-01-05", "commune": "63003", "kind": "creation", "naf": "10.71C", "nature": "commercial"}
    assert "commercial" == Fiche.model_validate(data, context=ctx).nature


def test_bake_off_shop_is_commercial_and_bakery_artisanal(ctx):
    """10.71B (terminal de cuisson) is commercial although 10.7 is artisanal."""
    base = {"received": "2026-01-05", "commune": "63003", "kind": "creation"}
    assert "commercial" == Fiche.model_validate({**base, "naf": "1071b"}, context=ctx).nature
    assert "artisanal" == Fiche.model_validate({**base, "naf": "10.71C"}, context=ctx).nature


def test_partly_artisanal_code_is_flagged_for_confirmation(ctx):
    """A farrier's code 01.62Z is only partly agricultural: the technician is asked to confirm."""
    (fiche,) = read_fiches([DATA / "farrier.json"], ctx)
    assert "agricultural" == fiche.nature
    assert 1 == len(fiche.notices())
    assert "confirmez-la avec le porteur" in fiche.notices()[0]


def test_artisan_above_ten_employees_is_handled_as_commercial(ctx):
    """An artisanal activity planning 11 employees is routed as commercial; 10 stays artisanal."""
    base = {"received": "2026-01-05", "commune": "63003", "kind": "creation", "naf": "43.21A"}
    assert "artisanal" == Fiche.model_validate({**base, "employees": 10}, context=ctx).effective_nature
    big = Fiche.model_validate({**base, "employees": 11}, context=ctx)
    assert "commercial" == big.effective_nature
    assert "traitée comme commerciale" in big.notices()[0]


def test_lead_cannot_also_support(ctx):
    """One structure is never both the référent and a supporting structure."""
    data = {"received": "2026-01-05", "commune": "63003", "kind": "creation", "lead": "adret", "supporting": ["adret"]}
    with pytest.raises(ValueError, match="à la fois référente et d'appui"):
        Fiche.model_validate(data, context=ctx)


def test_insee_codes_stay_text(ctx):
    """A quoted code keeps its leading zero (Allier commune 03125)."""
    fiche = Fiche.model_validate({"received": "2026-01-05", "commune": "03125", "kind": "creation"}, context=ctx)
    assert "03125" == fiche.commune


@given(
    needs=st.lists(st.sampled_from(sorted(NEEDS)), max_size=6),
    publics=st.lists(st.sampled_from(sorted(PUBLICS)), max_size=3),
    stage=st.sampled_from(sorted(STAGES)),
    junk=st.text(min_size=1, max_size=12).filter(lambda s: s not in NEEDS),
)
def test_any_vocabulary_combination_validates_and_junk_is_refused(needs, publics, stage, junk):
    """Every need/public/stage from the vocabulary is accepted; anything else is refused."""
    base = {"received": "2026-01-05", "commune": "63003", "kind": "creation", "stage": stage}
    fiche = Fiche.model_validate({**base, "needs": needs, "publics": publics})
    assert list(dict.fromkeys(needs)) == fiche.needs
    with pytest.raises(ValueError):
        Fiche.model_validate({**base, "needs": [*needs, junk]})


def test_broken_json_is_called_json(ctx, tmp_path):
    """A JSON file with a syntax error is reported as not valid JSON, at its line and column."""
    path = tmp_path / "f.json"
    path.write_text('{"received": "2026-01-02",\n "commune": "63003" "kind": 1}\n')
    assert [f"{path}:2:21: JSON invalide : il manque une virgule ',' entre deux valeurs"] == problems([path], ctx)


#: NAF codes of every kind of finding: sure, partly of a nature (01.62Z), by section default, none.
_FACT_NAFS = [None, "10.71C", "10.71B", "01.62Z", "43.21A", "47.11B", "01.41Z", "93.19Z", "96.02A", "85.59A"]


@given(
    st.sampled_from(_FACT_NAFS),
    st.none() | st.sampled_from(["artisanal", "commercial", "agricultural", "liberal"]),
    st.none() | st.sampled_from(["extension", "on_farm", "equestrian"]),
    st.none() | st.integers(0, 300),
    st.sampled_from(["creation", "takeover", "development"]),
    st.none() | st.booleans(),
    st.lists(st.sampled_from(["farmer", "job_seeker"]), max_size=2, unique=True),
    st.sampled_from(["fr", "en"]),
)
def test_routing_facts_are_the_three_calls_in_one(naf, nature, farm_link, employees, kind, registered, publics, lang):
    """``routing_facts`` (routing's one-pass shortcut, given the language or not) says exactly what
    ``nature_reasons``, ``notices`` and ``nature_to_confirm`` say, for every shape of fiche."""
    from engine import i18n

    data = {"received": "2026-01-05", "commune": "63003", "kind": kind, "naf": naf, "nature": nature,
            "farm_link": farm_link, "employees": employees, "publics": publics}  # fmt: skip
    if registered is not None and kind != "creation":
        data["artisan_registered"] = registered
    try:
        fiche = Fiche.model_validate(data)
    except ValueError:
        return  # a contradiction the fiche refuses (e.g. a nature against the farm link)
    with i18n.using(lang):
        expected = (fiche.nature_reasons(), fiche.notices(), fiche.nature_to_confirm())
        assert fiche.routing_facts() == expected
        assert fiche.routing_facts(lang) == expected
