"""The fiche lifecycle: every transition of the table, every refusal, guards, history replay.

Cases are generated from the machine's own table, so a change of the table changes the tests
with it; what stays hand-written is the network's promise (guards and their messages).
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import InputError, TransitionNotAllowed
from engine.lifecycle import (
    HOLD_STAGE,
    LIFECYCLE,
    TRANSITIONS,
    Lifecycle,
    LifecycleDefinitionError,
    StageChange,
    lifecycle,
)
from engine.vocabulary import STAGES

DAY = datetime.date(2025, 3, 14)
LC = lifecycle()
TABLE = LC.table()
TRIGGERS = list(dict.fromkeys(row["trigger"] for row in TABLE))
FORBIDDEN = [(s, t) for s, t in itertools.product(STAGES, TRIGGERS) if t not in LC.allowed_triggers(s)]
DOC = Path(__file__).resolve().parent.parent / "docs" / "lifecycle.md"


@dataclass
class Record:
    """The smallest record the lifecycle can move."""

    id: str | None = "F-2025-0001"
    stage: str = "idea"
    lead: str | None = None
    held_from: str | None = None
    installed_on: datetime.date | None = None
    follow_up_by: str | None = None


def ready(stage: str, dest: str | None = None) -> Record:
    """A record in ``stage`` that passes every guard (held_from set to ``dest`` for resume)."""
    return Record(
        stage=stage,
        lead="bgc",
        held_from=dest if stage == HOLD_STAGE else None,
        installed_on=DAY,
        follow_up_by="cci",
    )


def row_id(row: dict) -> str:
    """A readable test id for a table row."""
    return f"{row['trigger']}:{row['source']}->{row['dest']}"


# -- the table ------------------------------------------------------------------------------------


def test_lifecycle_is_built_once():
    """lifecycle() and LIFECYCLE are the same single instance."""
    assert lifecycle() is LC is LIFECYCLE


def test_table_covers_every_stage():
    """Every stage of the vocabulary is reachable, and developed (final) has no way out."""
    dests = {row["dest"] for row in TABLE} | {"idea"}
    assert dests == set(STAGES)
    assert LC.allowed_triggers("developed") == []


def test_allowed_triggers_order_is_table_order():
    """allowed_triggers follows the declaration order of the table."""
    assert LC.allowed_triggers("idea") == ["start_study", "hold", "abandon", "redirect"]
    assert LC.allowed_triggers("on_hold") == ["resume", "abandon"]


@pytest.mark.parametrize("row", TABLE, ids=row_id)
def test_every_allowed_transition_fires(row):
    """Each transition of the table moves a record that passes its guards, and returns the change."""
    record = ready(row["source"], row["dest"])
    change = LC.fire(record, row["trigger"], at=DAY, by="cci", comment="ok")
    assert record.stage == row["dest"]
    assert change == StageChange("F-2025-0001", row["trigger"], row["source"], row["dest"], DAY, "cci", "ok")
    assert LC.next_stage(row["source"], row["trigger"], row["dest"]) == row["dest"]


@pytest.mark.parametrize(("stage", "trigger"), FORBIDDEN)
def test_every_forbidden_pair_is_refused(stage, trigger):
    """A trigger not declared from a stage is refused, naming the stage and what is allowed."""
    record = ready(stage, "idea")
    before = replace(record)
    allowed = ", ".join(LC.allowed_triggers(stage)) or "aucune"
    expected = (
        f"impossible de faire '{trigger}' sur une fiche à l'étape '{stage}' ({STAGES[stage]}) ; possibles : {allowed}"
    )
    with pytest.raises(TransitionNotAllowed) as info:
        LC.fire(record, trigger, at=DAY)
    assert str(info.value) == expected
    assert record == before
    with pytest.raises(TransitionNotAllowed, match="impossible de faire"):
        LC.next_stage(stage, trigger, "idea")


def test_refusal_message_example():
    """The message shown for install from idea is the documented one."""
    with pytest.raises(TransitionNotAllowed) as info:
        LC.fire(Record(lead="bgc"), "install", at=DAY, installed_on=DAY)
    assert str(info.value) == (
        "impossible de faire 'install' sur une fiche à l'étape 'idea' (idée (premier accueil)) ; "
        "possibles : start_study, hold, abandon, redirect"
    )


def test_unknown_trigger_suggests_the_closest():
    """A misspelt trigger is refused with a suggestion and the allowed triggers."""
    with pytest.raises(TransitionNotAllowed) as info:
        LC.fire(Record(), "start_studdy", at=DAY)
    assert str(info.value) == (
        "déclencheur 'start_studdy' inconnu (vouliez-vous dire 'start_study' ?) ; la fiche est à l'étape 'idea' "
        "(idée (premier accueil)) ; possibles : start_study, hold, abandon, redirect"
    )


def test_unknown_stage_is_an_input_error():
    """A record whose stage is outside the vocabulary is bad input, not a refused transition."""
    with pytest.raises(InputError, match="étape 'studdy' introuvable \\(vouliez-vous dire 'study' \\?\\)"):
        LC.fire(Record(stage="studdy"), "hold", at=DAY)


# -- guards ---------------------------------------------------------------------------------------


def test_start_study_needs_a_lead():
    """Leaving idea forward without a référent is refused with the command to assign one."""
    record = Record()
    with pytest.raises(TransitionNotAllowed) as info:
        LC.fire(record, "start_study", at=DAY)
    assert str(info.value) == (
        "'start_study' demande un référent : attribuez d'abord un référent (capactif fiche assign F-2025-0001 --lead S)"
    )
    assert record.stage == "idea"
    record.lead = "bgc"
    assert LC.fire(record, "start_study", at=DAY).to_stage == "study"


def test_lead_message_without_an_id():
    """A fiche not yet stored gets the placeholder ID in the hint."""
    with pytest.raises(TransitionNotAllowed, match=r"capactif fiche assign ID --lead S\)$"):
        LC.fire(Record(id=None), "start_study", at=DAY)


@pytest.mark.parametrize("trigger", ["hold", "abandon", "redirect"])
def test_leaving_idea_sideways_needs_no_lead(trigger):
    """A porteur paused, giving up or oriented elsewhere may never get a référent."""
    record = Record()
    LC.fire(record, trigger, at=DAY)
    assert record.stage != "idea"


@pytest.mark.parametrize("source", ["study", "financing"])
def test_install_needs_a_date(source):
    """install without installed_on (given or recorded) is refused and the record left as it was."""
    record = Record(stage=source, lead="bgc")
    with pytest.raises(TransitionNotAllowed) as info:
        LC.fire(record, "install", at=DAY)
    assert str(info.value) == (
        "'install' demande une date d'installation : donnez installed_on (le jour où l'activité a commencé)"
    )
    assert record == Record(stage=source, lead="bgc")


def test_install_records_the_given_date():
    """The installed_on keyword passes the guard and is written to the record."""
    record = Record(stage="financing", lead="bgc")
    LC.fire(record, "install", at=DAY, installed_on=datetime.date(2025, 3, 1))
    assert (record.stage, record.installed_on) == ("installed", datetime.date(2025, 3, 1))


def test_install_accepts_a_recorded_date():
    """A date already on the record passes the guard and stays."""
    record = Record(stage="study", lead="bgc", installed_on=datetime.date(2025, 2, 1))
    LC.fire(record, "install", at=DAY)
    assert (record.stage, record.installed_on) == ("installed", datetime.date(2025, 2, 1))


def test_start_follow_up_needs_a_structure():
    """start_follow_up with no structure given, recorded or acting is refused."""
    record = Record(stage="installed", lead="bgc", installed_on=DAY)
    with pytest.raises(TransitionNotAllowed) as info:
        LC.fire(record, "start_follow_up", at=DAY)
    assert str(info.value) == (
        "'start_follow_up' demande une structure chargée du suivi : donnez follow_up_by (l'id d'une structure)"
    )
    assert record.stage == "installed"
    assert record.follow_up_by is None


@pytest.mark.parametrize(
    ("given", "recorded", "by", "expected"),
    [
        ("adie", "cci", "cma", "adie"),
        (None, "cci", "cma", "cci"),
        (None, None, "cma", "cma"),
    ],
)
def test_follow_up_structure_precedence(given, recorded, by, expected):
    """follow_up_by given, else already recorded, else the acting structure takes the follow-up."""
    record = Record(stage="installed", follow_up_by=recorded)
    LC.fire(record, "start_follow_up", at=DAY, by=by, follow_up_by=given)
    assert (record.stage, record.follow_up_by) == ("follow_up", expected)


@pytest.mark.parametrize(("keyword", "value"), [("installed_on", DAY), ("follow_up_by", "cci")])
def test_guard_keywords_only_apply_to_their_trigger(keyword, value):
    """installed_on or follow_up_by passed to another trigger is a caller mistake, not silently ignored."""
    record = Record(lead="bgc")
    with pytest.raises(InputError, match=f"{keyword} ne s'applique qu'à"):
        LC.fire(record, "start_study", at=DAY, **{keyword: value})
    assert record.stage == "idea"


# -- hold and resume ------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [row["source"] for row in TABLE if row["trigger"] == "hold"])
def test_hold_then_resume_returns_to_the_stage_left(stage):
    """hold remembers the stage in held_from; resume goes back there and clears it."""
    record = ready(stage)
    LC.fire(record, "hold", at=DAY)
    assert (record.stage, record.held_from) == (HOLD_STAGE, stage)
    change = LC.fire(record, "resume", at=DAY)
    assert (record.stage, record.held_from) == (stage, None)
    assert change.to_stage == stage


def test_resume_without_held_from_is_refused():
    """A paused fiche that lost its held_from cannot guess where to resume."""
    record = Record(stage=HOLD_STAGE, held_from=None)
    with pytest.raises(TransitionNotAllowed) as info:
        LC.fire(record, "resume", at=DAY)
    assert str(info.value) == (
        "'resume' demande l'étape où la fiche a été mise en pause, mais held_from vaut None ; attendu l'une de : "
        "idea, study, financing, installed, follow_up (mettez dans held_from l'étape d'avant la pause)"
    )
    assert record.stage == HOLD_STAGE


def test_resume_lookup_needs_held_from():
    """next_stage resolves resume only with a held_from the table knows."""
    assert LC.next_stage(HOLD_STAGE, "resume", "financing") == "financing"
    with pytest.raises(TransitionNotAllowed, match="held_from vaut 'developed'"):
        LC.next_stage(HOLD_STAGE, "resume", "developed")


def test_abandon_from_hold_clears_held_from():
    """A paused fiche that is abandoned is no longer paused anywhere."""
    record = Record(stage="study")
    LC.fire(record, "hold", at=DAY)
    LC.fire(record, "abandon", at=DAY)
    assert (record.stage, record.held_from) == ("abandoned", None)


# -- building the machine -------------------------------------------------------------------------


def test_unknown_destination_is_caught_at_build_time():
    """A transition to a stage that does not exist fails when the machine is built, not when used."""
    table = [*TRANSITIONS, {"trigger": "archive", "source": "developed", "dest": "archived"}]
    with pytest.raises(
        LifecycleDefinitionError, match=r"transition n° \d+ \('archive'\) : étape 'archived' introuvable"
    ):
        Lifecycle(table)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"trigger": "x", "source": "nowhere", "dest": "idea"}, "étape 'nowhere' introuvable"),
        (
            {"trigger": "x", "source": "idea", "dest": "study", "conditions": ["has_leed"]},
            "condition 'has_leed' introuvable",
        ),
        (
            {"trigger": "resume", "source": "on_hold", "dest": "idea", "conditions": ["held_from_study"]},
            "la condition 'held_from_study' doit mener à 'study'",
        ),
        ({"trigger": "hold", "source": "idea", "dest": "abandoned"}, "'hold' depuis 'idea' est déjà déclaré"),
        ({"trigger": "resume", "source": "on_hold", "dest": "idea"}, "est aussi déclaré sans condition held_from"),
        ({"trigger": "not a name", "source": "idea", "dest": "study"}, "le déclencheur doit être un identifiant"),
    ],
)
def test_invalid_tables_are_refused(row, message):
    """Unknown stages or guards and ambiguous transitions are refused when building."""
    with pytest.raises(LifecycleDefinitionError, match=message):
        Lifecycle([*TRANSITIONS, row])


def test_table_is_read_from_the_machine():
    """table() reflects what the machine was built with, one row per source."""
    small = Lifecycle([{"trigger": "go", "source": ["idea", "study"], "dest": "financing"}])
    assert small.table() == [
        {"trigger": "go", "source": "idea", "dest": "financing", "guards": []},
        {"trigger": "go", "source": "study", "dest": "financing", "guards": []},
    ]
    assert small.allowed_triggers("study") == ["go"]
    assert "go" in small.mermaid()


# -- descriptions ---------------------------------------------------------------------------------


def test_describe_lists_stages_triggers_and_guards():
    """describe() carries every stage with its label, the initial stage, triggers and guards."""
    data = LC.describe()
    assert data["initial"] == "idea"
    assert [(s["id"], s["label"]) for s in data["stages"]] == list(STAGES.items())
    assert [t["name"] for t in data["triggers"]] == TRIGGERS
    assert all(t["description"] for t in data["triggers"])
    guards = {g["name"] for g in data["guards"]}
    assert guards == {g for row in TABLE for g in row["guards"]}
    assert {"has_lead", "has_installation_date", "has_follow_up_structure", "held_from_study"} <= guards


def test_mermaid_comes_from_the_machine():
    """The diagram has one edge line per (source, dest) pair of the table, with its guards."""
    text = LC.mermaid()
    assert "stateDiagram-v2" in text
    assert 'state "idée (premier accueil)" as idea' in text
    assert "idea --> study: start_study [has_lead]" in text
    assert "on_hold --> financing: resume [held_from_financing]" in text
    assert "[*] --> idea" in text
    edges = {(row["source"], row["dest"]) for row in TABLE}
    assert sum(" --> " in line and "[*]" not in line for line in text.splitlines()) == len(edges)


def test_docs_lifecycle_holds_the_current_diagram():
    """docs/lifecycle.md contains exactly the diagram mermaid() generates, so the doc cannot drift."""
    doc = DOC.read_text(encoding="utf-8")
    assert f"```mermaid\n{LC.mermaid()}```" in doc


def test_docs_lifecycle_lists_every_transition():
    """The table of triggers and guards in docs/lifecycle.md names every trigger and guard."""
    doc = DOC.read_text(encoding="utf-8")
    for row in TABLE:
        assert f"| `{row['trigger']}` | `{row['source']}` | `{row['dest']}` |" in doc
        for guard in row["guards"]:
            assert f"| `{guard}` |" in doc


def test_stage_change_round_trips_through_a_dict():
    """to_dict() is JSON-ready and from_dict() reads it back."""
    change = StageChange("F-2025-0001", "hold", "study", HOLD_STAGE, DAY, "cci", None)
    assert change.to_dict()["at"] == "2025-03-14"
    assert StageChange.from_dict(change.to_dict()) == change


def test_fire_moves_a_pydantic_fiche():
    """The pydantic Fiche is moved by the same machine as any plain record."""
    from engine.fiche import Fiche

    fiche = Fiche(received=DAY, commune="63000", kind="creation", lead="bgc")
    LC.fire(fiche, "start_study", at=DAY)
    LC.fire(fiche, "hold", at=DAY)
    assert (fiche.stage, fiche.held_from) == (HOLD_STAGE, "study")
    change = LC.fire(fiche, "resume", at=DAY)
    assert (fiche.stage, fiche.held_from, change.fiche) == ("study", None, None)


# -- random histories -----------------------------------------------------------------------------

OPTIONS = st.fixed_dictionaries(
    {
        "lead": st.sampled_from([None, "bgc"]),
        "installed_on": st.sampled_from([None, DAY]),
        "follow_up_by": st.sampled_from([None, "cci"]),
        "by": st.sampled_from([None, "cma"]),
    }
)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(TRIGGERS), OPTIONS), max_size=40))
def test_random_histories_stay_consistent(steps):
    """Any trigger sequence keeps a valid stage and a chained history that replays to the record's stage."""
    record = Record()
    history: list[StageChange] = []
    for trigger, options in steps:
        if options["lead"]:
            record.lead = options["lead"]
        installed_on = options["installed_on"] if trigger == "install" else None
        follow_up_by = options["follow_up_by"] if trigger == "start_follow_up" else None
        before = replace(record)
        try:
            change = LC.fire(
                record, trigger, at=DAY, by=options["by"], installed_on=installed_on, follow_up_by=follow_up_by
            )
        except TransitionNotAllowed:
            assert record == before
            continue
        assert change.to_stage == LC.next_stage(before.stage, trigger, before.held_from)
        history.append(change)
        assert record.stage in STAGES
        assert (record.held_from is not None) == (record.stage == HOLD_STAGE)
    for previous, change in itertools.pairwise([StageChange(None, "", "", "idea", DAY, None, None), *history]):
        assert change.from_stage == previous.to_stage
    if history:
        assert history[-1].to_stage == record.stage
    assert LC.replay(history) == record.stage


def test_replay_rejects_a_broken_history():
    """A stored history whose events do not chain is refused by replay."""
    history = [
        StageChange(None, "hold", "idea", HOLD_STAGE, DAY, None, None),
        StageChange(None, "resume", HOLD_STAGE, "study", DAY, None, None),
    ]
    with pytest.raises(TransitionNotAllowed, match="mène à 'idea' et non à 'study'"):
        LC.replay(history)
    with pytest.raises(TransitionNotAllowed, match="part de 'study'"):
        LC.replay([StageChange(None, "hold", "study", HOLD_STAGE, DAY, None, None)])


def test_readme_embeds_the_current_diagram():
    """The README shows exactly the diagram the machine generates, so it cannot drift either."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "```mermaid\n" + lifecycle().mermaid() + "```" in readme
