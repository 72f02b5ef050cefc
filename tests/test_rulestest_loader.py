"""Routing test files: every mistake reported at once, located as file:line:col, with a did-you-mean."""

from __future__ import annotations

import textwrap

import pytest

from engine import network, paths
from engine.errors import InputError
from engine.rulestest import load_cases, merge_fiche


@pytest.fixture(scope="module")
def ctx():
    return network.load(paths.bundled("rules")).fiche_context()


def problems(tmp_path, ctx, text: str) -> list[str]:
    path = tmp_path / "cases.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_cases([path], ctx)
    return [line.replace(f"{path}", "cases.yaml") for line in info.value.lines()]


BASE = """\
base:
  received: 2026-03-02
  kind: creation
  commune: "63003"
"""


def test_a_valid_file_gives_cases_with_their_line_and_merged_fiche(tmp_path, ctx):
    """Each case keeps its file and line; its fiche is the base with the case's fields over it."""
    path = tmp_path / "ok.yaml"
    path.write_text(BASE + "cases:\n  - name: bakery\n    fiche: {naf: 10.71C}\n    expect: {lead: cma-63}\n")
    [case] = load_cases([path], ctx)
    assert (str(path), 6, "bakery") == (case.source, case.line, case.name)
    assert (
        case.fiche.commune, case.fiche.kind, case.fiche.naf, case.fiche.nature
    ) == ("63003", "creation", "10.71C", "artisanal")  # fmt: skip
    assert case.expect.to_dict() == {"lead": "cma-63"}


def test_every_problem_of_every_case_is_located(tmp_path, ctx):
    """Unknown fields, NAF codes and structure ids are all reported, each where it was written."""
    found = problems(
        tmp_path,
        ctx,
        BASE
        + """\
cases:
  - name: bad fiche
    fiche:
      naf: 10.71X
      needz: [honour_loan]
    expect:
      lead: cma-6
      supporting_include: [pfil-thier]
  - name: bad expectation key
    fiche: {naf: 10.71C}
    expect: {leed: cma-63}
""",
    )
    assert found == [
        "cases.yaml:8:12: code NAF '10.71X' introuvable (vouliez-vous dire 10.71A, 10.71B, 10.71C ?)",
        "cases.yaml:9:7: champ 'needz' introuvable (vouliez-vous dire 'needs' ?)",
        "cases.yaml:11:13: structure 'cma-6' introuvable (vouliez-vous dire 'cma-63' ?)",
        "cases.yaml:12:28: structure 'pfil-thier' introuvable (vouliez-vous dire 'pfil-thiers' ?)",
        "cases.yaml:15:14: champ 'leed' introuvable (vouliez-vous dire 'lead' ?)",
    ]


def test_a_problem_in_the_base_is_reported_in_the_base(tmp_path, ctx):
    """A bad field of the base fiche is located in the base, once, not in every case."""
    found = problems(
        tmp_path,
        ctx,
        """\
base:
  received: 2026-03-02
  kind: creaton
  commune: "63003"
cases:
  - name: one
    expect: {lead: cma-63}
  - name: two
    expect: {lead: cma-63}
""",
    )
    assert found == ["cases.yaml:3:9: type de projet 'creaton' introuvable (vouliez-vous dire 'creation' ?)"]


def test_a_field_missing_from_case_and_base_says_where_to_write_it(tmp_path, ctx):
    """A required fiche field written nowhere is reported at the case's fiche, saying where it may go."""
    found = problems(
        tmp_path,
        ctx,
        """\
base:
  received: 2026-03-02
cases:
  - name: no kind
    fiche: {commune: "63003"}
    expect: {lead: cma-63}
""",
    )
    assert found == [
        "cases.yaml:5:12: champ obligatoire 'kind' manquant "
        "(écrivez-le dans la fiche du cas ou dans la base du fichier)"
    ]


def test_expectations_must_be_consistent_and_about_declared_needs(tmp_path, ctx):
    """An empty expect, a structure both included and excluded, a need the fiche lacks: each an error."""
    found = problems(
        tmp_path,
        ctx,
        BASE
        + """\
cases:
  - name: nothing
    expect: {}
  - name: both
    expect: {supporting_include: [adie], supporting_exclude: [adie]}
  - name: undeclared
    fiche: {needs: [microcredit]}
    expect: {uncovered_needs: [honour_loan], covered_by: {guarantee: garantie-63}}
  - name: undeclared
    expect: {orphan: true, lead: adret}
""",
    )
    assert found == [
        "cases.yaml:7:13: 'expect' ne dit rien à vérifier : écrivez lead, supporting_include, supporting_exclude, "
        "uncovered_needs, covered_by, orphan ou oriented_to",
        "cases.yaml:9:13: la structure 'adie' est à la fois dans supporting_include et dans supporting_exclude",
        "cases.yaml:12:32: la fiche du cas ne déclare pas le besoin 'honour_loan' : ajoutez-le à 'needs'",
        "cases.yaml:12:59: la fiche du cas ne déclare pas le besoin 'guarantee' : ajoutez-le à 'needs'",
        "cases.yaml:14:13: une fiche orpheline n'a pas de référent : retirez 'lead: adret' ou 'orphan: true'",
    ]


def test_duplicate_case_names_and_files_that_are_not_case_files(tmp_path, ctx):
    """Two cases with one name are refused; a file that is a list, or not YAML, is reported at its line."""
    found = problems(
        tmp_path,
        ctx,
        BASE
        + """\
cases:
  - name: same
    expect: {lead: cci-ambert}
  - name: same
    expect: {lead: cci-ambert}
""",
    )
    assert found == ["cases.yaml:8:11: nom de cas 'same' en double (aussi le cas 1)"]
    assert problems(tmp_path, ctx, "- name: x\n") == [
        "cases.yaml:1:1: un fichier de tests d'orientation contient 'base:' (facultatif) et 'cases:'"
    ]
    assert problems(tmp_path, ctx, "cases\nx: [") == [
        "cases.yaml:2:2: YAML invalide : mapping values are not allowed in this context"
    ]


def test_merge_fiche_merges_the_porteur_key_by_key():
    """A case may change one porteur field and keep the base's others; lists are replaced, not merged."""
    base = {"porteur": {"name": "A", "consent_network": True}, "needs": ["training"]}
    merged = merge_fiche(base, {"porteur": {"name": "B"}, "needs": ["grant"]})
    assert merged == {"porteur": {"name": "B", "consent_network": True}, "needs": ["grant"]}
    assert base["porteur"] == {"name": "A", "consent_network": True}
