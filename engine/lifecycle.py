"""The lifecycle of a fiche: which stage changes the network allows, and what each one needs.

A fiche moves through the stages of :data:`engine.vocabulary.STAGES` only by named triggers.
The table below is the network's promise to a porteur de projet, written as a state machine
(``transitions`` package) so that the rules, the error messages, ``capactif lifecycle`` and the
diagram in ``docs/lifecycle.md`` all come from one definition.

Triggers (source -> destination [guard]):

==================  =========================================  ==============  =========================
trigger             from                                       to              guard
==================  =========================================  ==============  =========================
start_study         idea                                       study           has_lead
seek_financing      study                                      financing
refuse_financing    financing                                  study
install             study, financing                           installed       has_installation_date
start_follow_up     installed                                  follow_up       has_follow_up_structure
mark_developed      follow_up                                  developed
hold                idea, study, financing, installed,         on_hold
                    follow_up
resume              on_hold                                    the stage left  held_from_<stage>
abandon             idea, study, financing, on_hold            abandoned
redirect            idea, study                                redirected
reopen              abandoned, redirected                      idea
==================  =========================================  ==============  =========================

Decisions worth knowing:

* Only *moving forward* out of ``idea`` (``start_study``) needs a référent (``lead``): the
  network promises that nobody starts building a project alone.  ``hold``, ``abandon`` and
  ``redirect`` from ``idea`` need no lead, because a porteur oriented outside the network (or who
  gives up after the first welcome) may never get a référent, and the fiche must still be closable.
* A refused financing sends the fiche back one step (``financing -> study``): the plan is reworked
  before asking again.  ``install`` is allowed straight from ``study`` because many projects need
  no external financing.
* ``hold`` remembers the stage left in ``record.held_from``; ``resume`` returns there.  It is one
  transition per possible destination, each guarded by ``held_from == destination``, so the
  machine itself (and the diagram) shows where a paused fiche can go back to.  Leaving ``on_hold``
  (by ``resume`` or ``abandon``) clears ``held_from``.
* ``install`` needs the installation date: the ``installed_on`` keyword of :meth:`Lifecycle.fire`,
  or ``record.installed_on`` already set.  ``start_follow_up`` needs the structure in charge of
  the follow-up, taken from the ``follow_up_by`` keyword, else ``record.follow_up_by`` already
  set (an explicit designation made earlier wins), else ``by`` (the structure making the change
  takes the follow-up).
* ``developed`` is final; ``abandoned`` and ``redirected`` can be reopened (back to ``idea``,
  which then needs a lead again to move forward).

Performance: one ``Machine`` moves every record.  It is built once with no model and one small
internal carrier; :meth:`Lifecycle.fire` loads the record's stage into the carrier, triggers with
the record in the event data and writes the new stage back.  A ``Machine`` per fiche, or
``add_model`` per fiche (quadratic, and it rejects pydantic models), does not scale to the
network's fiches: see ``bench/bench_lifecycle.py`` and ``docs/performance.md``.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from transitions import Machine, State

from engine.errors import InputError, TransitionNotAllowed
from engine.i18n import N_, _
from engine.vocabulary import ACTIVE_STAGES, CLOSED_STAGES, STAGES, did_you_mean, unknown

INITIAL_STAGE = "idea"

#: The stage a paused fiche sits in; entering it records ``held_from``, leaving it clears it.
HOLD_STAGE = "on_hold"

_HELD_FROM_PREFIX = "held_from_"
_PAUSABLE = ["idea", "study", "financing", "installed", "follow_up"]

#: The lifecycle table, in the ``transitions`` format.  Order matters: it is the order of
#: :meth:`Lifecycle.allowed_triggers`, of ``capactif lifecycle`` and of the diagram.
TRANSITIONS: tuple[dict[str, Any], ...] = (
    {"trigger": "start_study", "source": "idea", "dest": "study", "conditions": ["has_lead"]},
    {"trigger": "seek_financing", "source": "study", "dest": "financing"},
    {"trigger": "refuse_financing", "source": "financing", "dest": "study"},
    {
        "trigger": "install",
        "source": ["study", "financing"],
        "dest": "installed",
        "conditions": ["has_installation_date"],
    },
    {
        "trigger": "start_follow_up",
        "source": "installed",
        "dest": "follow_up",
        "conditions": ["has_follow_up_structure"],
    },
    {"trigger": "mark_developed", "source": "follow_up", "dest": "developed"},
    {"trigger": "hold", "source": _PAUSABLE, "dest": HOLD_STAGE},
    *(
        {
            "trigger": "resume",
            "source": HOLD_STAGE,
            "dest": stage,
            "conditions": [_HELD_FROM_PREFIX + stage],
        }
        for stage in _PAUSABLE
    ),
    {"trigger": "abandon", "source": ["idea", "study", "financing", HOLD_STAGE], "dest": "abandoned"},
    {"trigger": "redirect", "source": ["idea", "study"], "dest": "redirected"},
    {"trigger": "reopen", "source": ["abandoned", "redirected"], "dest": "idea"},
)

#: What each trigger means, shown by ``capactif lifecycle``.
TRIGGERS: dict[str, str] = {
    "start_study": N_("the référent starts building the project with the porteur"),
    "seek_financing": N_("the plan is ready; financing is being sought"),
    "refuse_financing": N_("financing refused: back to the study to rework the plan"),
    "install": N_("the activity has started"),
    "start_follow_up": N_("a structure takes charge of the post-creation follow-up"),
    "mark_developed": N_("the company is developed; the follow-up ends"),
    "hold": N_("the porteur pauses the project"),
    "resume": N_("the project resumes at the stage it was paused in"),
    "abandon": N_("the porteur gives up the project"),
    "redirect": N_("the project is oriented outside the network's scope"),
    "reopen": N_("a closed fiche is opened again, back to the first welcome"),
}

#: What each named guard checks (the ``held_from_<stage>`` guards are generated below).
GUARDS: dict[str, str] = {
    "has_lead": N_("a référent (lead) is assigned"),
    "has_installation_date": N_("an installation date is given (installed_on) or already recorded"),
    "has_follow_up_structure": N_(
        "a structure in charge of the follow-up is given (follow_up_by or by) or already recorded"
    ),
}
#: The ``held_from_<stage>`` guards' words (msgid; ``{stage}`` is the stage's id).
HELD_FROM = N_("the fiche was paused in '{stage}'")
GUARDS.update({_HELD_FROM_PREFIX + stage: HELD_FROM for stage in STAGES})


def guard_words(guard: str) -> str:
    """What a guard checks, in the language in force."""
    if guard.startswith(_HELD_FROM_PREFIX):
        return _(HELD_FROM).format(stage=guard.removeprefix(_HELD_FROM_PREFIX))
    return _(GUARDS[guard])


class LifecycleDefinitionError(ValueError):
    """A lifecycle table that cannot be right (unknown stage, guard or ambiguity).

    A programming error, not user input: it is raised when the machine is built, because
    ``transitions`` only notices an unknown destination when a fiche first takes that transition.
    """


@dataclass(frozen=True)
class StageChange:
    """One stage change of one fiche: the event stored in its history and replayed later."""

    fiche: str | None
    trigger: str
    from_stage: str
    to_stage: str
    at: datetime.date
    by: str | None
    comment: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the date as ISO 8601)."""
        return {
            "fiche": self.fiche,
            "trigger": self.trigger,
            "from_stage": self.from_stage,
            "to_stage": self.to_stage,
            "at": self.at.isoformat(),
            "by": self.by,
            "comment": self.comment,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StageChange:
        """The inverse of :meth:`to_dict`, for replaying a stored history."""
        at = data["at"]
        if isinstance(at, str):
            at = datetime.date.fromisoformat(at)
        return cls(
            fiche=data.get("fiche"),
            trigger=data["trigger"],
            from_stage=data["from_stage"],
            to_stage=data["to_stage"],
            at=at,
            by=data.get("by"),
            comment=data.get("comment"),
        )


class _Carrier:
    """The one model the machine knows: it holds the stage of the record being moved.

    Guards read the record from the event data (``send_event=True``) and never write to it;
    values they resolve go to ``resolved`` and :meth:`Lifecycle.fire` writes them once the
    transition has succeeded, so a refused trigger leaves the record untouched.
    """

    def __init__(self) -> None:
        self.state = INITIAL_STAGE
        self.refused: list[str] = []
        self.resolved: dict[str, Any] = {}

    def _refuse(self, guard: str) -> bool:
        self.refused.append(guard)
        return False

    def has_lead(self, event: Any) -> bool:
        """Moving forward out of the first welcome needs a référent."""
        return bool(event.kwargs["record"].lead) or self._refuse("has_lead")

    def has_installation_date(self, event: Any) -> bool:
        """An installed activity has a start date: it dates the post-creation follow-up."""
        value = event.kwargs.get("installed_on") or event.kwargs["record"].installed_on
        if not value:
            return self._refuse("has_installation_date")
        self.resolved["installed_on"] = value
        return True

    def has_follow_up_structure(self, event: Any) -> bool:
        """The follow-up is always somebody's job: a named structure answers for it."""
        kwargs = event.kwargs
        value = kwargs.get("follow_up_by") or kwargs["record"].follow_up_by or kwargs.get("by")
        if not value:
            return self._refuse("has_follow_up_structure")
        self.resolved["follow_up_by"] = value
        return True


def _held_from_guard(stage: str) -> Any:
    """A guard letting ``resume`` go back to ``stage`` only if the fiche was paused there."""

    def guard(self: _Carrier, event: Any) -> bool:
        return event.kwargs["record"].held_from == stage or self._refuse(guard.__name__)

    guard.__name__ = guard.__qualname__ = _HELD_FROM_PREFIX + stage
    guard.__doc__ = HELD_FROM.format(stage=stage)  # for developers; the lifecycle table translates it
    return guard


for _stage in STAGES:
    setattr(_Carrier, _HELD_FROM_PREFIX + _stage, _held_from_guard(_stage))


def _sources(row: Mapping[str, Any]) -> list[str]:
    source = row.get("source")
    return [source] if isinstance(source, str) else list(source or [])


def _validate(rows: Sequence[Mapping[str, Any]], stages: Iterable[str]) -> None:
    """Refuse a table the machine would accept but fail on later, with one message per problem."""
    stages = list(stages)
    problems: list[str] = []
    seen: dict[tuple[str, str, str | None], str] = {}
    for index, row in enumerate(rows, 1):
        trigger = row.get("trigger")
        where = _("transition #{index} ('{trigger}')").format(index=index, trigger=trigger)
        if not isinstance(trigger, str) or not trigger.isidentifier():
            problems.append(_("{where}: the trigger must be an identifier").format(where=where))
            continue
        sources = _sources(row)
        if not sources:
            problems.append(_("{where}: no source stage").format(where=where))
        for stage in [*sources, row.get("dest")]:
            if stage not in stages:
                problems.append(_("{where}: {problem}").format(where=where, problem=unknown("stage", stage, stages)))
        conditions = row.get("conditions") or []
        if isinstance(conditions, str):
            conditions = [conditions]
        held: str | None = None
        for guard in conditions:
            if not isinstance(guard, str) or not callable(getattr(_Carrier, guard, None)):
                problems.append(_("{where}: {problem}").format(where=where, problem=unknown("guard", guard, GUARDS)))
            elif guard.startswith(_HELD_FROM_PREFIX):
                held = guard[len(_HELD_FROM_PREFIX) :]
                if held != row.get("dest"):
                    problems.append(
                        _("{where}: guard '{guard}' must go to '{stage}'").format(where=where, guard=guard, stage=held)
                    )
        for source in sources:
            key = (source, trigger, held)
            if key in seen:
                problems.append(
                    _(
                        "{where}: '{trigger}' from '{source}' is already declared by {other}"
                        " (two transitions must differ by held_from)"
                    ).format(where=where, trigger=trigger, source=source, other=seen[key])
                )
            seen[key] = where
    for source, trigger, held in list(seen):
        if held is not None and (source, trigger, None) in seen:
            problems.append(
                _("{where}: '{trigger}' from '{source}' is also declared without a held_from guard by {other}").format(
                    where=seen[(source, trigger, held)],
                    trigger=trigger,
                    source=source,
                    other=seen[(source, trigger, None)],
                )
            )
    if problems:
        raise LifecycleDefinitionError(_("invalid lifecycle table:") + "\n" + "\n".join(problems))


class _LabelledState(State):
    """A state carrying its French label, for the diagram only."""

    def __init__(self, *args: Any, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label


class Lifecycle:
    """The fiche lifecycle: one ``transitions`` machine moving plain records.

    Records are any object with attributes ``id``, ``stage``, ``lead``, ``held_from``,
    ``installed_on`` and ``follow_up_by`` (the pydantic ``Fiche``, a dataclass in tests).
    :meth:`fire` is serialised by a lock, because the machine's single carrier is shared.
    """

    def __init__(self, transitions: Iterable[Mapping[str, Any]] | None = None) -> None:
        rows = [dict(row) for row in (TRANSITIONS if transitions is None else transitions)]
        _validate(rows, STAGES)
        self._carrier = _Carrier()
        self._machine = Machine(
            model=None,
            states=list(STAGES),
            initial=INITIAL_STAGE,
            transitions=rows,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            send_event=True,
        )
        self._machine.add_model(self._carrier)
        self._events = self._machine.events
        self._lock = threading.Lock()
        self._table = self._read_table()
        self._allowed: dict[str, list[str]] = {stage: [] for stage in STAGES}
        self._next: dict[tuple[str, str], str | dict[str, str]] = {}
        self._guard_kwargs: dict[str, set[str]] = {}
        for row in self._table:
            source, trigger, dest = row["source"], row["trigger"], row["dest"]
            if trigger not in self._allowed[source]:
                self._allowed[source].append(trigger)
            held = [g[len(_HELD_FROM_PREFIX) :] for g in row["guards"] if g.startswith(_HELD_FROM_PREFIX)]
            if held:
                by_held = self._next.setdefault((source, trigger), {})
                assert isinstance(by_held, dict)
                by_held[held[0]] = dest
            else:
                self._next[(source, trigger)] = dest
            if "has_installation_date" in row["guards"]:
                self._guard_kwargs.setdefault("installed_on", set()).add(trigger)
            if "has_follow_up_structure" in row["guards"]:
                self._guard_kwargs.setdefault("follow_up_by", set()).add(trigger)
        self._graph_source: str | None = None

    def _read_table(self) -> list[dict[str, Any]]:
        """The transitions as the machine holds them (not as declared): what really runs."""
        rows = []
        for trigger, event in self._machine.events.items():
            for source, transitions in event.transitions.items():
                for transition in transitions:
                    rows.append(
                        {
                            "trigger": trigger,
                            "source": source,
                            "dest": transition.dest,
                            "guards": [str(c.func) for c in transition.conditions if c.target],
                        }
                    )
        return rows

    # -- lookups -------------------------------------------------------------------------------

    def allowed_triggers(self, stage: str) -> list[str]:
        """The triggers that may fire from ``stage``, in table order (guards not evaluated)."""
        if stage not in STAGES:
            raise InputError(unknown("stage", stage, STAGES))
        return list(self._allowed[stage])

    def next_stage(self, stage: str, trigger: str, held_from: str | None = None) -> str:
        """Where ``trigger`` leads from ``stage``: a pure lookup, guards not evaluated.

        For bulk checks and for replaying stored events, where ``transitions`` would be too slow
        and the guards were checked when the event was recorded.  ``held_from`` is needed only
        to resolve ``resume``.
        """
        self._check_allowed(stage, trigger)
        dest = self._next[(stage, trigger)]
        if isinstance(dest, str):
            return dest
        if held_from in dest:
            return dest[held_from]
        raise TransitionNotAllowed(self._held_from_message(trigger, held_from, dest))

    def replay(self, changes: Iterable[StageChange], start: str = INITIAL_STAGE) -> str:
        """The stage reached by a stored history, checking each event against the table."""
        stage, held_from = start, None
        for change in changes:
            if change.from_stage != stage:
                raise TransitionNotAllowed(
                    _(
                        "history is broken: '{trigger}' on {date} starts from '{source}' but the fiche was in '{stage}'"
                    ).format(trigger=change.trigger, date=change.at, source=change.from_stage, stage=stage)
                )
            dest = self.next_stage(stage, change.trigger, held_from)
            if dest != change.to_stage:
                raise TransitionNotAllowed(
                    _("history is broken: '{trigger}' from '{source}' leads to '{dest}', not '{recorded}'").format(
                        trigger=change.trigger, source=stage, dest=dest, recorded=change.to_stage
                    )
                )
            if dest == HOLD_STAGE:
                held_from = stage
            elif stage == HOLD_STAGE:
                held_from = None
            stage = dest
        return stage

    # -- moving a record -----------------------------------------------------------------------

    def fire(
        self,
        record: Any,
        trigger: str,
        *,
        at: datetime.date,
        by: str | None = None,
        comment: str | None = None,
        installed_on: datetime.date | None = None,
        follow_up_by: str | None = None,
    ) -> StageChange:
        """Move ``record`` by ``trigger`` through the machine and return the change to store.

        On success the record's ``stage`` is updated, and ``installed_on``, ``follow_up_by`` and
        ``held_from`` as the transition implies.  On failure nothing is written and
        :class:`TransitionNotAllowed` says why and what to do.
        """
        stage = record.stage
        self._check_allowed(stage, trigger)
        for keyword, value in (("installed_on", installed_on), ("follow_up_by", follow_up_by)):
            if value is not None and trigger not in self._guard_kwargs.get(keyword, ()):
                users = ", ".join(sorted(self._guard_kwargs.get(keyword, ()))) or _("no trigger")
                message = _("{keyword} applies only to {users}, not to '{trigger}'")
                raise InputError(message.format(keyword=keyword, users=users, trigger=trigger))
        carrier = self._carrier
        with self._lock:
            carrier.state = stage
            carrier.refused.clear()
            carrier.resolved.clear()
            moved = self._events[trigger].trigger(
                carrier,
                record=record,
                by=by,
                installed_on=installed_on,
                follow_up_by=follow_up_by,
            )
            if not moved:
                raise TransitionNotAllowed(self._refusal(record, stage, trigger, carrier.refused))
            dest = carrier.state
            resolved = dict(carrier.resolved)
        for attribute, value in resolved.items():
            setattr(record, attribute, value)
        if dest == HOLD_STAGE:
            record.held_from = stage
        elif stage == HOLD_STAGE:
            record.held_from = None
        record.stage = dest
        fiche = record.id
        return StageChange(
            fiche=None if fiche is None else str(fiche),
            trigger=trigger,
            from_stage=stage,
            to_stage=dest,
            at=at,
            by=by,
            comment=comment,
        )

    # -- errors --------------------------------------------------------------------------------

    def _check_allowed(self, stage: str, trigger: str) -> None:
        if stage not in STAGES:
            raise InputError(unknown("stage", stage, STAGES))
        allowed = self._allowed[stage]
        if trigger in allowed:
            return
        where = _("stage '{stage}' ({label}); allowed: {allowed}").format(
            stage=stage, label=STAGES[stage], allowed=", ".join(allowed) or _("none")
        )
        if trigger not in self._events:
            hint = did_you_mean(trigger, self._events)
            message = _("unknown trigger '{trigger}'{hint}; the fiche is in {where}")
            raise TransitionNotAllowed(message.format(trigger=trigger, hint=hint, where=where))
        raise TransitionNotAllowed(_("cannot '{trigger}' a fiche in {where}").format(trigger=trigger, where=where))

    def _refusal(self, record: Any, stage: str, trigger: str, refused: list[str]) -> str:
        """The message of a failing guard: which promise is not kept, and how to keep it."""
        if "has_lead" in refused:
            fiche = record.id if record.id is not None else "ID"
            message = _("'{trigger}' needs a référent: assign a lead first (capactif fiche assign {fiche} --lead S)")
            return message.format(trigger=trigger, fiche=fiche)
        if "has_installation_date" in refused:
            message = _("'{trigger}' needs an installation date: give installed_on (the day the activity started)")
            return message.format(trigger=trigger)
        if "has_follow_up_structure" in refused:
            message = _("'{trigger}' needs a structure in charge of the follow-up: give follow_up_by (a structure id)")
            return message.format(trigger=trigger)
        dest = self._next.get((stage, trigger))
        if isinstance(dest, dict) and any(g.startswith(_HELD_FROM_PREFIX) for g in refused):
            return self._held_from_message(trigger, record.held_from, dest)
        return _("'{trigger}' refused by guard(s) {guards}").format(trigger=trigger, guards=", ".join(refused) or "—")

    @staticmethod
    def _held_from_message(trigger: str, held_from: Any, dests: Mapping[str, str]) -> str:
        message = _(
            "'{trigger}' needs the stage the fiche was paused in, but held_from is {held_from}; expected one of: "
            "{stages} (set held_from to the stage before the pause)"
        )
        return message.format(trigger=trigger, held_from=repr(held_from), stages=", ".join(dests))

    # -- descriptions --------------------------------------------------------------------------

    def table(self) -> list[dict[str, Any]]:
        """One row per transition (trigger, source, dest, guards), read from the machine."""
        return [{**row, "guards": list(row["guards"])} for row in self._table]

    def describe(self) -> dict[str, Any]:
        """Stages with labels, initial stage, triggers and guards: the JSON of ``capactif lifecycle``."""
        triggers: dict[str, list[dict[str, Any]]] = {}
        used_guards: list[str] = []
        for row in self._table:
            triggers.setdefault(row["trigger"], []).append(
                {"source": row["source"], "dest": row["dest"], "guards": list(row["guards"])}
            )
            used_guards += [g for g in row["guards"] if g not in used_guards]
        return {
            "initial": self._machine.initial,
            "stages": [
                {
                    "id": stage,
                    "label": label,
                    "active": stage in ACTIVE_STAGES,
                    "closed": stage in CLOSED_STAGES,
                    "triggers": list(self._allowed[stage]),
                }
                for stage, label in STAGES.items()
            ],
            "triggers": [
                {"name": name, "description": _(TRIGGERS[name]) if name in TRIGGERS else "", "transitions": rows}
                for name, rows in triggers.items()
            ],
            "guards": [{"name": g, "description": guard_words(g)} for g in used_guards],
        }

    def mermaid(self) -> str:
        """A Mermaid ``stateDiagram-v2`` drawn by ``transitions`` from this machine's table.

        Built once on first use with a ``GraphMachine`` (mermaid engine, no graphviz needed) fed
        with :meth:`table`, so the diagram cannot disagree with what :meth:`fire` runs.  The
        initial-state highlight is removed and trailing spaces stripped, so the text is stable
        enough to be pasted into ``docs/lifecycle.md`` and checked there by a test.
        """
        if self._graph_source is None:
            from transitions.extensions import GraphMachine

            class _DiagramMachine(GraphMachine):
                state_cls = _LabelledState

            class _Drawn:
                """The model the diagram machine needs; never moved."""

            drawn = _Drawn()
            diagram = _DiagramMachine(
                model=drawn,
                states=[{"name": stage, "label": label} for stage, label in STAGES.items()],
                initial=self._machine.initial,
                transitions=[
                    {
                        "trigger": row["trigger"],
                        "source": row["source"],
                        "dest": row["dest"],
                        "conditions": list(row["guards"]),
                    }
                    for row in self._table
                ],
                auto_transitions=False,
                graph_engine="mermaid",
                show_conditions=True,
                title="Cycle de vie d'une fiche Cap Actif",
            )
            diagram.model_graphs[id(drawn)].reset_styling()
            source = drawn.get_graph().source  # type: ignore[attr-defined]
            self._graph_source = _mermaid_syntax("\n".join(line.rstrip() for line in source.splitlines()) + "\n")
        return self._graph_source


#: What a fiche must hold to stand at a stage, as the moves that lead there require (see :func:`state_problems`).
_NEEDS_LEAD = ("study", "financing", "installed", "follow_up", "developed")
_NEEDS_INSTALLATION = ("installed", "follow_up", "developed")
_NEEDS_FOLLOW_UP = ("follow_up", "developed")


def state_problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a fiche recorded directly at its stage lacks, that the moves there would have required.

    ``fiche add`` and ``fiche import`` store a fiche at the stage it gives; the lifecycle's guards
    must hold for it as if it had moved there: past ``idea`` (forward) a référent, ``installed`` and
    after an installation date, ``follow_up`` and after a structure in charge of the follow-up,
    ``on_hold`` the stage it was paused in (``held_from``, whose own needs apply).  Returns
    ``(field, message)`` pairs, messages in French saying what to add.
    """
    stage = data.get("stage") or INITIAL_STAGE
    if stage not in STAGES:
        return []
    problems: list[tuple[str, str]] = []
    held = data.get("held_from")
    reached = stage
    stages = ", ".join(_PAUSABLE)
    if stage == HOLD_STAGE:
        if not held:
            message = _("a paused fiche (on_hold) says which stage it was paused in: add held_from ({stages})")
            problems.append(("held_from", message.format(stages=stages)))
        elif held not in _PAUSABLE:
            message = _("'{held}' is not a stage that can be paused ({stages})")
            problems.append(("held_from", message.format(held=held, stages=stages)))
        else:
            reached = held
    elif held:
        message = _("held_from goes only with the stage on_hold (the fiche is in '{stage}')")
        problems.append(("held_from", message.format(stage=stage)))
    if reached in _NEEDS_LEAD and not data.get("lead"):
        message = _("a fiche at stage '{stage}' has a référent: add lead (the structure's id)")
        problems.append(("lead", message.format(stage=reached)))
    if reached in _NEEDS_INSTALLATION and not data.get("installed_on"):
        message = _("a fiche at stage '{stage}' has an installation date: add installed_on (YYYY-MM-DD)")
        problems.append(("installed_on", message.format(stage=reached)))
    if reached in _NEEDS_FOLLOW_UP and not data.get("follow_up_by"):
        message = _("a fiche at stage '{stage}' has a structure in charge of the follow-up: add follow_up_by")
        problems.append(("follow_up_by", message.format(stage=reached)))
    return problems


_LIFECYCLE: Lifecycle | None = None
_BUILD_LOCK = threading.Lock()


def lifecycle() -> Lifecycle:
    """The network's lifecycle, built once on first use (importing this module stays cheap)."""
    global _LIFECYCLE
    if _LIFECYCLE is None:
        with _BUILD_LOCK:
            if _LIFECYCLE is None:
                _LIFECYCLE = Lifecycle()
    return _LIFECYCLE


def __getattr__(name: str) -> Any:
    """Build ``LIFECYCLE`` lazily: ``from engine.lifecycle import LIFECYCLE`` works as usual."""
    if name == "LIFECYCLE":
        return lifecycle()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render_text(description: Mapping[str, Any]) -> str:
    """The plain-text view of :meth:`Lifecycle.describe` printed by ``capactif lifecycle``.

    Transitions of a trigger that share destination and guards are grouped on one line, so the
    text reads like the table in the module docstring.
    """
    stages = description["stages"]
    width = max(len(s["id"]) for s in stages)
    label_width = max(len(s["label"]) for s in stages)
    lines = [_("Stages (initial: {stage})").format(stage=description["initial"])]
    for stage in stages:
        allowed = ", ".join(stage["triggers"]) or _("none (final)")
        lines.append(f"  {stage['id']:<{width}}  {stage['label']:<{label_width}}  -> {allowed}")
    lines += ["", _("Triggers")]
    for trigger in description["triggers"]:
        lines.append(f"  {trigger['name']}: {trigger['description']}".rstrip(": "))
        groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for row in trigger["transitions"]:
            groups.setdefault((row["dest"], tuple(row["guards"])), []).append(row["source"])
        for (dest, guards), sources in groups.items():
            needs = f"  [{', '.join(guards)}]" if guards else ""
            lines.append(f"      {', '.join(sources)} -> {dest}{needs}")
    if description["guards"]:
        lines += ["", _("Guards")]
        name_width = max(len(g["name"]) for g in description["guards"])
        lines += [f"  {g['name']:<{name_width}}  {g['description']}" for g in description["guards"]]
    return "\n".join(lines) + "\n"


def _mermaid_syntax(source: str) -> str:
    """Fix two slips of transitions' mermaid output so that Mermaid renders it.

    Its front matter holds the bare title (Mermaid expects ``title: …``) and it styles states with
    ``Class`` where Mermaid's keyword is ``class``.
    """
    lines = source.splitlines()
    if len(lines) > 2 and lines[0] == "---" and lines[2] == "---" and not lines[1].startswith("title:"):
        lines[1] = f"title: {lines[1]}"
    lines = ["  class " + line[len("  Class ") :] if line.startswith("  Class ") else line for line in lines]
    return "\n".join(lines) + "\n"
