"""The current suggestion of each fiche, as the store keeps it for the technicians' lists.

``fiche_suggestions`` (see :mod:`engine.store.schema`) holds, for every fiche, the structures its
last ``suggested`` event asks to lead or support it, with the needs, the reasons and the day each
was first asked (:func:`engine.store.events.next_suggested`).  It is written only next to a
``suggested`` event (:func:`engine.store.repository.record_suggestion`) and checked by ``db verify``.

A suggestion is **open** for a structure — in its "À traiter" list — while the fiche is active
(not developed, abandoned or redirected) and the structure has not answered: as lead, the fiche has
no lead yet; as support, the structure is neither the lead nor supporting.  Taking the fiche in
charge closes it (the structure is then on the fiche); declining re-routes the fiche without it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, exists, func, insert, or_, select

from engine.store import events as ev
from engine.store.schema import fiche_suggestions, fiche_supports, fiches
from engine.vocabulary import ACTIVE_STAGES


def rows_of(fiche_id: str, asked: Mapping[tuple[str, str], str], payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``fiche_suggestions`` rows of a suggestion: needs and reasons from its full suggestion."""
    suggestion = payload.get("suggestion") or {}
    lead = suggestion.get("lead") or {}
    supports = {s["structure"]: s for s in suggestion.get("supporting") or ()}
    rows = []
    for (structure, role), since in asked.items():
        if role == ev.LEAD:
            needs: list[str] = []
            reasons = list(lead.get("reasons") or []) if lead.get("structure") == structure else []
        else:
            entry = supports.get(structure, {})
            needs, reasons = list(entry.get("needs") or []), list(entry.get("reasons") or [])
        rows.append(
            {
                "fiche_id": fiche_id,
                "structure": structure,
                "role": role,
                "since": dt.date.fromisoformat(since[:10]),
                "needs": needs,
                "reasons": reasons,
            }
        )
    return rows


def current(conn: Connection, fiche_id: str) -> dict[tuple[str, str], str]:
    """The fiche's current suggestion: ``(structure, role)`` → the day first asked (ISO)."""
    rows = conn.execute(_current(), {"fiche_id": fiche_id})
    return {(row.structure, row.role): _iso(row.since) for row in rows}


@cache
def _current() -> Any:
    """A fiche's current suggestion, built once (every fiche page reads it)."""
    c = fiche_suggestions.c
    return select(c.structure, c.role, c.since).where(c.fiche_id == bindparam("fiche_id"))


def replace(conn: Connection, fiche_id: str, asked: Mapping[tuple[str, str], str], payload: Mapping[str, Any]) -> None:
    """Make ``asked`` the fiche's current suggestion (after its ``suggested`` event was appended)."""
    conn.execute(delete(fiche_suggestions).where(fiche_suggestions.c.fiche_id == fiche_id))
    rows = rows_of(fiche_id, asked, payload)
    if rows:
        state = conn.execute(select(fiches.c.lead, fiches.c.stage).where(fiches.c.id == fiche_id)).first()
        supporting: set[str] = set(
            conn.execute(select(fiche_supports.c.structure).where(fiche_supports.c.fiche_id == fiche_id)).scalars()
        )
        lead, stage = (state.lead, state.stage) if state is not None else (None, "")
        for row in rows:
            row["open"] = is_open(row["role"], row["structure"], lead, supporting, stage)
        conn.execute(insert(fiche_suggestions), rows)


def refresh_open(conn: Connection, fiche_id: str, lead: str | None, supporting: Any, stage: str) -> None:
    """Keep each suggestion's ``open`` flag true to the fiche's new lead, supports and stage (every write
    of the fiche calls it, so "À traiter" reads the flag instead of joining every request it ever got)."""
    s = fiche_suggestions.c
    for row in conn.execute(select(s.structure, s.role, s.open).where(s.fiche_id == fiche_id)):
        structure, role, was = str(row.structure), str(row.role), bool(row.open)
        now = is_open(role, structure, lead, supporting, stage)
        if was != now:
            conn.execute(
                fiche_suggestions.update()
                .where(s.fiche_id == fiche_id, s.structure == structure, s.role == role)
                .values(open=now)
            )


def needs_asked(conn: Connection, fiche_id: str, structure: str, role: str) -> list[str]:
    """The needs a structure is asked to support on a fiche (empty for the lead)."""
    s = fiche_suggestions.c
    value = conn.execute(
        select(s.needs).where(s.fiche_id == fiche_id, s.structure == structure, s.role == role)
    ).scalar_one_or_none()
    return list(value or [])


def all_current(conn: Connection, ids: Sequence[str] | None = None) -> dict[str, dict[tuple[str, str], str]]:
    """Every fiche's current suggestion (of the fiches ``ids`` when given), in one query."""
    out: dict[str, dict[tuple[str, str], str]] = {}
    query = select(
        fiche_suggestions.c.fiche_id, fiche_suggestions.c.structure, fiche_suggestions.c.role, fiche_suggestions.c.since
    )
    if ids is not None:
        query = query.where(fiche_suggestions.c.fiche_id.in_(list(ids)))
    for row in conn.execute(query):
        out.setdefault(row.fiche_id, {})[(row.structure, row.role)] = _iso(row.since)
    return out


def all_open(conn: Connection) -> dict[str, dict[tuple[str, str], bool]]:
    """Every stored ``open`` flag: fiche id → ``(structure, role)`` → the flag (``db verify`` checks them)."""
    s = fiche_suggestions.c
    out: dict[str, dict[tuple[str, str], bool]] = {}
    for row in conn.execute(select(s.fiche_id, s.structure, s.role, s.open)):
        out.setdefault(str(row.fiche_id), {})[(str(row.structure), str(row.role))] = bool(row.open)
    return out


@dataclass(frozen=True)
class Decline:
    """One "Pas pour nous": who, for which role, when, and the reason they gave (free text)."""

    structure: str
    role: str
    at: dt.date
    reason: str
    by: str | None


def declines(conn: Connection, fiche_id: str) -> list[Decline]:
    """The fiche's declines, oldest first."""
    from engine.store import history

    return declines_in(e.to_dict() for e in history.of_fiche(conn, fiche_id))


def declines_in(events: Iterable[Mapping[str, Any]]) -> list[Decline]:
    """The declines among a fiche's events already read (``queries.history``'s dicts), oldest first."""
    return [
        Decline(p["structure"], p["role"], _date(e["at"]), p.get("reason") or "", e["by"])
        for e in events
        for p in (e["payload"],)
        if e["kind"] == ev.SUGGESTION_DECLINED
    ]


def is_open(role: str, structure: str, lead: str | None, supporting: Any, stage: str) -> bool:
    """Whether a suggestion to ``structure`` in ``role`` still waits for its answer (module docstring)."""
    if stage not in ACTIVE_STAGES:
        return False
    if role == ev.LEAD:
        return lead is None
    return structure != lead and structure not in supporting


def open_condition(structure: str) -> Any:
    """The SQL condition of the rows of ``fiche_suggestions`` joined with ``fiches`` open for ``structure``."""
    s, f = fiche_suggestions.c, fiches.c
    supporting = exists().where(and_(fiche_supports.c.fiche_id == s.fiche_id, fiche_supports.c.structure == structure))
    return and_(
        s.structure == structure,
        f.stage.in_(ACTIVE_STAGES),
        or_(
            and_(s.role == ev.LEAD, f.lead.is_(None)),
            and_(s.role == ev.SUPPORT, or_(f.lead.is_(None), f.lead != structure), ~supporting),
        ),
    )


def open_count(conn: Connection, structure: str) -> int:
    """How many suggestions wait for ``structure``'s answer (an index-only count of the open flags)."""
    s = fiche_suggestions.c
    query = select(func.count()).select_from(fiche_suggestions).where(s.structure == structure, s.open.is_(True))
    return int(conn.execute(query).scalar_one())


def open_rows(conn: Connection, structure: str, *, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """The open suggestions of ``structure``, oldest first (then by fiche id): the fiche's columns plus
    ``role``, ``since``, ``needs_asked`` and ``reasons``.  The index (structure, open, since, fiche_id)
    gives them in order: a page costs its own rows, whatever the structure was asked before."""
    s = fiche_suggestions.c
    query = (
        select(fiches, s.role, s.since, s.needs.label("needs_asked"), s.reasons)
        .select_from(fiche_suggestions.join(fiches, fiches.c.id == s.fiche_id))
        .where(s.structure == structure, s.open.is_(True))
        .order_by(s.since, s.fiche_id)
        .limit(limit)
        .offset(offset)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _iso(value: Any) -> str:
    return _date(value).isoformat()
