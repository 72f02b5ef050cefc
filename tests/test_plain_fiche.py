"""The plain fiche validator gives what the pydantic Fiche gives, or leaves the fiche to it.

``capactif suggest fiche.yaml`` reads each fiche with :func:`engine.plainfiche.plain_fiche` first and with
:class:`engine.fiche.Fiche` for whatever it does not accept (docs/performance.md, start-up).  So: whatever
the plain validator accepts, the model accepts too and gives the same values, the same private values and
the same answers to routing; fiches written in the plain forms are accepted by both or refused by both; and
``suggest`` gives the same suggestions and the same located problems with the plain validator and without it.
"""

from __future__ import annotations

import copy
import datetime as dt
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from engine import fiche as fiche_module
from engine import limits, network, plainfiche
from engine.app import suggest as suggest_module
from engine.app.suggest import suggest_fiches
from engine.app.workspace import Workspace
from engine.errors import InputError
from engine.fiche import Fiche, Porteur
from engine.i18n import using as using_language
from engine.plainfiche import PlainFiche, plain_fiche

NET = network.load(None)
CTX = {**NET.fiche_context(), "today": dt.date(2026, 6, 30)}
STRUCTURES = sorted(NET.structure_ids)
MISSING = object()


def literal_ids(tp: typing.Any) -> frozenset[str]:
    """The values of a ``Literal`` type, under its ``Annotated`` validators and ``| None``."""
    while typing.get_origin(tp) is not typing.Literal:
        tp = next(a for a in typing.get_args(tp) if a is not type(None))
    return frozenset(typing.get_args(tp))


def test_the_plain_fields_and_vocabularies_are_the_model_s():
    fields = Fiche.model_fields
    assert plainfiche.FIELDS == tuple(fields)
    assert set(plainfiche.PlainPorteur.__slots__) == set(Porteur.model_fields)
    assert plainfiche.KIND_IDS == literal_ids(fields["kind"].annotation)
    assert plainfiche.NATURE_IDS == literal_ids(fields["nature"].annotation)
    assert plainfiche.NEED_IDS == literal_ids(typing.get_args(fields["needs"].annotation)[0])
    assert plainfiche.PUBLIC_IDS == literal_ids(typing.get_args(fields["publics"].annotation)[0])
    assert plainfiche.FARM_LINK_IDS == literal_ids(fields["farm_link"].annotation)
    assert plainfiche.STAGE_IDS == literal_ids(fields["stage"].annotation)
    assert plainfiche.STAGE_IDS == literal_ids(fields["held_from"].annotation)
    assert fields["id"].metadata[0].pattern == plainfiche.FICHE_ID_PATTERN
    assert fields["offer"].metadata[0].pattern == plainfiche.OFFER_ID_PATTERN
    assert fiche_module.FICHE_ID_PATTERN is plainfiche.FICHE_ID_PATTERN


def values(record: typing.Any) -> dict[str, typing.Any]:
    """Every field of a fiche (the porteur's too), with its type: a date is not the text of a date."""
    out = {}
    for name in plainfiche.FIELDS:
        value = getattr(record, name)
        if name == "porteur":
            value = tuple((getattr(value, f), type(getattr(value, f))) for f in sorted(Porteur.model_fields))
        out[name] = (value, type(value))
    return out


def answers(record: typing.Any) -> list[typing.Any]:
    """What routing, notices and messages ask of a fiche, in both languages."""
    out: list[typing.Any] = [record.__pydantic_private__, record.effective_nature, record.label(), record.source]
    for language in ("fr", "en"):
        with using_language(language):
            out += [
                record.routing_facts(language),
                record.notices(),
                record.nature_reasons(),
                record.nature_to_confirm(),
            ]
    return out


def compare(data: dict[str, typing.Any], plain: typing.Any = plain_fiche) -> tuple[typing.Any, typing.Any]:
    """(plain result, model result or None when the model refuses); fails when they disagree."""
    fast = plain(copy.deepcopy(data), CTX)
    try:
        full = Fiche.model_validate(copy.deepcopy(data), context=CTX)
    except ValidationError:
        full = None
    if fast is not None:
        assert isinstance(fast, PlainFiche)
        assert full is not None, f"the plain validator accepted what the model refuses: {data!r}"
        assert values(fast) == values(full), data
        assert answers(fast) == answers(full), data
    return fast, full


#: Values in the plain forms (each field's own type) that the model accepts (MISSING: the field is not written;
#: repeated where two fields may contradict each other, so that most fiches do not)...
GOOD = {
    "id": [MISSING, None, "F-2026-0012", "F-2026-00123"],
    "received": ["2026-03-02", "2025-12-31", dt.date(2026, 1, 5)],
    "received_by": [MISSING, None, *STRUCTURES[:4]],
    "summary": [MISSING, "", "Une boulangerie bio"],
    "porteur": [
        MISSING,
        {},
        {"name": "Camille Martin", "email": "camille.martin@example.org", "consent_network": True},
        {"email": "Info@Example.ORG"},
        {"email": " "},
        {"phone": "04 73 82 00 00"},
        {"phone": "+32 2 123 45 67"},
        {"phone": "0473820000", "consent_network": False},
        {"phone": 473820000},
        {"name": None, "email": None, "phone": None},
    ],
    "commune": ["63003", "Ambert", "ambert", "63600 Ambert", "Thiers", "Arlanc", "63220"],
    "kind": ["creation", "takeover", "development", "reprise", "Création"],
    "naf": [MISSING, None, "", "10.71C", "1071c", "47.11F", "01.11Z", "43.22A", "96.02A", "56.10A", "49.32Z"],
    "nature": [
        MISSING,
        MISSING,
        MISSING,
        MISSING,
        None,
        "artisanal",
        "commercial",
        "agricultural",
        "liberal",
        "artisanale",
        "agricole",
    ],
    "employees": [MISSING, None, 0, 2, 10, 11, 15, limits.MAX_EMPLOYEES],
    "artisan_registered": [MISSING, MISSING, MISSING, None, True, False],
    "farm_link": [MISSING, MISSING, MISSING, MISSING, None, "extension", "on_farm", "equestrian"],
    "needs": [
        MISSING,
        [],
        ["business_plan", "honour_loan"],
        ["prêt d'honneur", "local"],
        ["premises", "premises"],
        ["guarantee", "land", "farm_installation"],
    ],
    "publics": [MISSING, [], ["farmer"], ["job_seeker", "young"], ["agriculteur"]],
    "stage": [MISSING, "idea", "study", "idée", "installed"],
    "lead": [MISSING, MISSING, None, *STRUCTURES[:3]],
    "supporting": [MISSING, [], STRUCTURES[0:1], STRUCTURES[4:6], [STRUCTURES[4], STRUCTURES[4]]],
    "installed_on": [MISSING, None, "2026-04-01", dt.date(2026, 4, 1)],
    "follow_up_by": [MISSING, None, STRUCTURES[0]],
    "held_from": [MISSING, None, "study", "financement"],
    "offer": [MISSING, None, "O-2026-0003"],
}
#: ... and that it refuses (or that make the fiche refused).
BAD = {
    "id": ["F-26-12", "F-2026-12"],
    "received": [MISSING, None, "2026-02-30", "2027-01-01", "1901-01-01"],
    "received_by": ["nobody", ""],
    "summary": ["x" * (limits.TEXT_LENGTH + 1)],
    "porteur": [{"email": "pas une adresse"}, {"phone": "allo"}, {"name": "A\x00B"}],
    "commune": [MISSING, "Paris", "", "63003\x00", "63600"],
    "kind": [MISSING, "autre"],
    "naf": ["10.71X"],
    "nature": ["rien"],
    "employees": [-1, limits.MAX_EMPLOYEES + 1],
    "farm_link": ["usine"],
    "needs": [["prêt"], ["rien"]],
    "publics": [["personne"]],
    "stage": ["nulle part"],
    "lead": ["nobody"],
    "supporting": [["nobody"]],
    "installed_on": ["2026-13-01"],
    "held_from": ["jamais"],
    "offer": ["O-3"],
}


#: Values in other forms, some of which the model accepts (it converts them) and some not.
ODD = {
    "id": [12, "F-2026-0012\n", "F-２０２６-0012"],
    "received": ["2026-3-2", "2026-03-02T00:00:00", 20260302, "le 2 mars", "２０２６-03-02"],
    "received_by": [12, "x" * 200],
    "summary": [None, 5, "a\x00b"],
    "porteur": [
        None,
        "Camille",
        {"name": "A", "age": 3},
        {"consent_network": "yes"},
        {"consent_network": 1},
        {"phone": True},
        {"email": 5},
    ],
    "commune": [63003, None, 3.5, True],
    "kind": [None, 1, ["creation"]],
    "naf": [1071, 10.71, True],
    "nature": [3, True],
    "employees": ["3", 3.0, True, "beaucoup"],
    "artisan_registered": ["yes", 1, "oui"],
    "farm_link": [1],
    "needs": ["business_plan", None, [1], ("premises",), [None]],
    "publics": ["farmer", None, [True]],
    "stage": [None, 2],
    "supporting": ["cma-63", None, [12]],
    "installed_on": [20260401, "2026-04-01T10:00"],
    "held_from": [3],
    "offer": [3, "O-2026-0003\n"],
}


@st.composite
def fiches(draw: st.DrawFn, odd: bool) -> dict[typing.Any, typing.Any]:
    """A fiche with at most one field written wrong (``odd``: or in another form than its own type), so that
    each refusal is about that field, the rest valid (the values of the other fields may still disagree)."""
    data: dict[typing.Any, typing.Any] = {}
    wrong = draw(st.sampled_from([*[None] * len(GOOD), *GOOD]))  # half of the fiches have none
    for name, good in GOOD.items():
        choices = good
        if name == wrong:
            choices = [*BAD.get(name, []), *(ODD.get(name, []) if odd else [])] or good
        value = draw(st.sampled_from(choices))
        if value is not MISSING:
            data[name] = value
    if odd and draw(st.integers(0, 9)) == 0:
        data[draw(st.sampled_from(["age", "Kind", 3, None]))] = "x"
    return data


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fiches(odd=True))
def test_what_the_plain_validator_accepts_the_model_accepts_alike(data):
    compare(data)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fiches(odd=False))
def test_a_fiche_written_plainly_is_accepted_by_both_or_refused_by_both(data):
    fast, full = compare(data)
    assert (fast is None) == (full is None), data


BASE = {"received": "2026-03-02", "commune": "Ambert", "kind": "creation", "naf": "10.71C", "needs": ["premises"]}


@pytest.mark.parametrize(("name", "value"), [(name, value) for name, found in BAD.items() for value in found], ids=repr)
def test_each_wrong_value_is_refused_by_both(name, value):
    """Every wrong value, in a fiche valid otherwise (the draws above meet each of them only now and then)."""
    data = {k: v for k, v in {**BASE, name: value}.items() if v is not MISSING}
    assert compare(data) == (None, None)


@pytest.mark.parametrize(("name", "value"), [(name, value) for name, found in ODD.items() for value in found], ids=repr)
def test_each_odd_value_is_left_to_the_model(name, value):
    """A value in another form than its field's type: the plain validator refuses it, whatever the model says."""
    data = {**BASE, name: value}
    assert compare(data)[0] is None


@pytest.mark.parametrize(
    ("name", "value"), [(name, value) for name, found in GOOD.items() for value in found], ids=repr
)
def test_each_good_value_takes_the_plain_path(name, value):
    data = {k: v for k, v in {**BASE, name: value}.items() if v is not MISSING}
    fast, full = compare(data)
    if full is not None and name not in ("nature", "farm_link", "artisan_registered", "lead"):
        assert fast is not None, data


def test_the_comparison_sees_a_plain_validator_that_differs():
    """The checks above can fail: a plain validator that forgets to drop a repeated need, or derives no nature,
    or accepts a future date, is caught."""
    data = {"received": "2026-03-02", "commune": "Ambert", "kind": "creation", "naf": "10.71C",
            "needs": ["premises", "local"]}  # fmt: skip

    def repeats_a_need(data, ctx):
        found = plain_fiche(data, ctx)
        found.needs = [*found.needs, found.needs[0]]
        return found

    def derives_no_nature(data, ctx):
        found = plain_fiche(data, ctx)
        found.__pydantic_private__["_nature_derived"] = False
        return found

    def accepts_the_future(data, ctx):
        return plain_fiche({**data, "received": "2026-03-02"}, ctx)

    for wrong, given_data in ((repeats_a_need, data), (derives_no_nature, data),
                              (accepts_the_future, {**data, "received": "2027-03-02"})):  # fmt: skip
        with pytest.raises(AssertionError):
            compare(given_data, wrong)
    assert compare(data)[0] is not None


def test_the_bundled_example_fiches_take_the_plain_path():
    from engine.yamlsource import read_document

    folder = Path(__file__).parent / "data" / "fiches"
    for name in ("bakery-ambert.yaml", "farrier.json"):
        fast, full = compare(read_document(folder / name).data)
        assert fast is not None and full is not None, name


# --- suggest, with the plain validator and without it --------------------------------------------------------


FILES = {
    "plain.yaml": "received: 2026-03-02\ncommune: Ambert\nkind: creation\nnaf: 10.71C\n"
    "needs: [premises, prêt d'honneur]\n",
    "odd-but-valid.yaml": "received: 2026-03-02\ncommune: '63003'\nkind: reprise\nemployees: '3'\nnaf: 47.11F\n"
    "porteur: {consent_network: yes}\n",
    "several.yaml": "- received: 2026-03-02\n  commune: Thiers\n  kind: creation\n  naf: 25.62B\n"
    "- received: 2026-02-30\n  commune: Paris\n  kind: autre\n  naf: 10.71X\n  employees: -1\n  bogus: 1\n"
    "- received: 2026-04-01\n  commune: Arlanc\n  kind: development\n  needs: [local]\n",
    "farm.yaml": "received: 2026-03-02\ncommune: Ambert\nkind: creation\nnaf: 47.11F\nfarm_link: on_farm\n"
    "publics: [farmer]\nnature: commercial\n",
    "farm-ok.json": '{"received": "2026-03-02", "commune": "63003", "kind": "creation", "naf": "47.11F",'
    ' "farm_link": "extension", "needs": ["land"]}',
    "registered.yaml": "received: 2026-03-02\ncommune: Ambert\nkind: creation\nartisan_registered: true\n",
    "lead.yaml": "received: 2026-03-02\ncommune: Ambert\nkind: creation\nlead: cma-63\nsupporting: [cma-63]\n",
    "notices.yaml": "received: 2026-03-02\ncommune: Ambert\nkind: development\nnaf: 43.22A\nemployees: 14\n"
    "farm_link: extension\n",
}


def outcome(ws: Workspace, files: list[str]) -> typing.Any:
    try:
        return suggest_fiches(ws, files).to_dict()
    except InputError as exc:
        return [str(p) for p in exc.problems]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_suggest_says_the_same_with_the_plain_validator_and_without_it(tmp_path, monkeypatch, language):
    monkeypatch.setenv("CAPACTIF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CAPACTIF_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CAPACTIF_DB", raising=False)
    monkeypatch.delenv("CAPACTIF_RULES", raising=False)
    folder = Path(__file__).parent / "data" / "fiches"
    paths = [str(folder / "bakery-ambert.yaml"), str(folder / "farrier.json"), str(folder / "bad.yaml"),
             str(folder / "bad.json")]  # fmt: skip
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    groups = [[p] for p in paths] + [paths]
    taken = []
    real = suggest_module.plain_fiche
    with using_language(language):
        monkeypatch.setattr(suggest_module, "plain_fiche", lambda d, c: taken.append(real(d, c)) or taken[-1])
        with Workspace.open() as ws:
            fast = [outcome(ws, group) for group in groups]
        monkeypatch.setattr(suggest_module, "plain_fiche", lambda d, c: None)
        with Workspace.open() as ws:
            full = [outcome(ws, group) for group in groups]
    assert fast == full
    assert sum(1 for t in taken if t is not None) >= 8  # the plain path was taken, and not only by one fiche
    assert any(t is None for t in taken)  # and the model's path too
    assert any(isinstance(o, list) and any(":" in str(p) for p in o) for o in full)  # located problems among them


def test_the_sample_fiches_take_the_plain_path_alike():
    """The demo's fiches (every commune, kind, NAF code and need the sample draws), as their JSON says them."""
    from engine import sample

    for fiche in sample.generate(NET, 400, seed=11, end=dt.date(2026, 6, 30)):
        data = {k: v for k, v in fiche.model_dump(mode="json").items() if v is not None}
        fast, full = compare(data)
        assert fast is not None and full is not None, data
