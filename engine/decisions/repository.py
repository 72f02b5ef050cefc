"""Recording and reading the committee's decisions (functions over an open connection)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from engine.decisions import KINDS, OUTCOMES
from engine.decisions.tables import decisions
from engine.errors import AccessDenied, ConflictError, InputError, NotFound, Problem
from engine.i18n import _
from engine.vocabulary import unknown

DECISION_ID_RE = re.compile(r"^D-(\d{4})-(\d{3,})$")
TITLE_MAX = 200
TEXT_MAX = 4000


@dataclass(frozen=True)
class Decision:
    """An action put to the committee and, once taken, its decision."""

    id: str
    kind: str
    title: str
    description: str
    put_on: dt.date
    put_by: str
    outcome: str
    decided_on: dt.date | None
    decision_note: str | None

    @property
    def pending(self) -> bool:
        return self.outcome == "pending"

    def to_dict(self) -> dict[str, Any]:
        """``id``, ``kind``, ``kind_label``, ``title``, ``description``, ``put_on``, ``put_by``, ``outcome``,
        ``outcome_label``, ``decided_on``, ``decision_note`` (docs/decisions.md)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "kind_label": KINDS.get(self.kind, self.kind),
            "title": self.title,
            "description": self.description,
            "put_on": self.put_on.isoformat(),
            "put_by": self.put_by,
            "outcome": self.outcome,
            "outcome_label": OUTCOMES.get(self.outcome, self.outcome),
            "decided_on": self.decided_on.isoformat() if self.decided_on else None,
            "decision_note": self.decision_note,
        }


def _decision(row: Any) -> Decision:
    return Decision(row.id, row.kind, row.title, row.description or "", row.put_on, row.put_by, row.outcome,
                    row.decided_on, row.decision_note)  # fmt: skip


def check_coordinator(who: Any, action: str) -> None:
    """Only the coordinator records what is put to the committee and what it decided."""
    if getattr(who, "is_coordinator", False):
        return
    raise AccessDenied(
        _("{who} may not {action}: the coordinator records the actions put to the committee and its decisions").format(
            who=who.label(), action=action
        )
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _text_problems(title: str, description: str, kind: str) -> list[Problem]:
    problems = []
    if kind not in KINDS:
        problems.append(Problem("--kind", 0, 0, unknown("kind of action", kind, list(KINDS))))
    if not title.strip():
        problems.append(
            Problem("--title", 0, 0, _("say what is put to the committee, e.g. 'Training in welcoming porteurs'"))
        )
    elif len(title) > TITLE_MAX:
        problems.append(
            Problem(
                "--title",
                0,
                0,
                _("the title is {n} characters long: at most {max}").format(n=len(title), max=TITLE_MAX),
            )
        )
    if len(description) > TEXT_MAX:
        problems.append(
            Problem("--description", 0, 0, _("{n} characters: at most {max}").format(n=len(description), max=TEXT_MAX))
        )
    return problems


def add_decision(
    conn: Connection, who: Any, *, kind: str, title: str, put_on: dt.date, description: str = ""
) -> Decision:
    """Record an action put to the committee (pending until its decision is recorded)."""
    check_coordinator(who, _("record an action put to the committee"))
    problems = _text_problems(title, description, kind)
    if problems:
        raise InputError(problems=problems)
    year = put_on.year
    last: int | None = conn.execute(select(func.max(decisions.c.number)).where(decisions.c.year == year)).scalar_one()
    number = (last or 0) + 1
    decision_id = f"D-{year:04d}-{number:03d}"
    try:
        with conn.begin_nested():
            conn.execute(
                decisions.insert().values(
                    id=decision_id, year=year, number=number, kind=kind, title=title.strip(),
                    description=description.strip(), put_on=put_on, put_by=who.name, outcome="pending",
                    recorded_at=_now(), recorded_by=who.name,
                )
            )  # fmt: skip
    except IntegrityError:
        raise ConflictError(
            _("decision {id} was added by someone else at the same time; run again").format(id=decision_id)
        ) from None
    return get_decision(conn, decision_id)


def record_outcome(
    conn: Connection, who: Any, decision_id: str, *, outcome: str, decided_on: dt.date, note: str = ""
) -> Decision:
    """Record the committee's decision on an action (a postponed one may be decided later)."""
    check_coordinator(who, _("record the committee's decision"))
    current = get_decision(conn, decision_id)
    problems = []
    if outcome not in OUTCOMES or outcome == "pending":
        choices = [o for o in OUTCOMES if o != "pending"]
        problems.append(Problem("--outcome", 0, 0, unknown("decision", outcome, choices)))
    if current.outcome in ("adopted", "rejected"):
        problems.append(
            Problem(decision_id, 0, 0, _("the committee already decided on {day}: {outcome}; put a new action to it "
                                         "instead").format(day=current.decided_on, outcome=OUTCOMES[current.outcome]))
        )  # fmt: skip
    if decided_on < current.put_on:
        before = _("{day} is before the action was put to the committee ({put_on})")
        problems.append(Problem("--date", 0, 0, before.format(day=decided_on, put_on=current.put_on)))
    if len(note) > TEXT_MAX:
        problems.append(Problem("--note", 0, 0, _("{n} characters: at most {max}").format(n=len(note), max=TEXT_MAX)))
    if problems:
        raise InputError(problems=problems)
    conn.execute(
        decisions.update()
        .where(decisions.c.id == decision_id)
        .values(outcome=outcome, decided_on=decided_on, decision_note=note.strip() or None, recorded_at=_now(),
                recorded_by=who.name)
    )  # fmt: skip
    return get_decision(conn, decision_id)


def get_decision(conn: Connection, decision_id: str, *, where: str = "DECISION") -> Decision:
    """One decision by id; unknown ids say how to list them."""
    if not DECISION_ID_RE.match(decision_id or ""):
        message = _("'{id}' is not a decision id: expected D-YYYY-NNN, e.g. D-2026-001").format(id=decision_id)
        raise InputError(problems=[Problem(where, 0, 0, message)])
    row = conn.execute(select(decisions).where(decisions.c.id == decision_id)).first()
    if row is None:
        raise NotFound(
            _("{where}: no decision {id} in the store: 'capactif decision list' shows them").format(
                where=where, id=decision_id
            )
        )
    return _decision(row)


def list_decisions(conn: Connection, *, outcome: str | None = None, kind: str | None = None) -> list[Decision]:
    """Decisions, the latest put first, filtered by outcome and kind (unknown values refused)."""
    problems = []
    if outcome and outcome not in OUTCOMES:
        problems.append(Problem("--outcome", 0, 0, unknown("decision", outcome, list(OUTCOMES))))
    if kind and kind not in KINDS:
        problems.append(Problem("--kind", 0, 0, unknown("kind of action", kind, list(KINDS))))
    if problems:
        raise InputError(problems=problems)
    query = select(decisions)
    if outcome:
        query = query.where(decisions.c.outcome == outcome)
    if kind:
        query = query.where(decisions.c.kind == kind)
    rows = conn.execute(query.order_by(decisions.c.put_on.desc(), decisions.c.year.desc(), decisions.c.number.desc()))
    return [_decision(r) for r in rows]
