"""The technician's desk: what a member structure sees and does every day, one function per use case.

Every function takes the :class:`~engine.app.Workspace` and the caller's
:class:`~engine.identity.Identity` first and returns a typed result; the command line
(``capactif fiche answer``) and the web pages (``web/``: "À traiter", "Mes fiches", "Nouvelle
fiche", the fiche page) call them and only render.

* :func:`todo` — the fiches suggested to my structure (as référent or support) that it has not
  answered, oldest request first, with routing's reasons;
* :func:`answer` — "Prendre en charge" / "Pas pour nous" (with a reason): new engine behaviour, see
  :func:`engine.store.repository.answer_suggestion`;
* :func:`caseload` — my fiches by stage, each with its alerts, filtered and paginated;
* :func:`live_suggestion` and :func:`create_fiche` — the new-fiche form: routing's answer for
  partially filled data, then the fiche recorded (received by my structure) with its suggestion;
* :func:`fiche_page` — what I may see of one fiche, its suggestion, its history as a timeline and
  the actions the lifecycle and my role allow now (a refused one with its guard explained);
* :func:`move`, :func:`note`, :func:`consent`, :func:`edit` — the fiche page's actions, each with the
  version the page showed: a change made meanwhile is reported as :class:`ChangedMeanwhile`
  ("modifiée par … entre-temps"), nothing written.

Personal data: the porteur's name, email and phone and the free texts that may name them (summary,
notes, contacts, comments, reasons of a decline) reach only those the store's access rule allows
(:func:`visible_fiche`), the single place this module masks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.app.workspace import Workspace
from engine.errors import AccessDenied, ConflictError, InputError, Problem
from engine.identity import Identity

#: The most rows a list page shows (lists are always paginated).
MAX_PER_PAGE = 100
PER_PAGE = 20


# --- errors the pages show -------------------------------------------------------------------------


class ChangedMeanwhile(ConflictError):
    """The fiche changed since the caller read it (someone else's change won); nothing was written."""

    def __init__(self, fiche: str, by: str | None, version: int) -> None:
        self.fiche, self.by, self.version = fiche, by, version
        who = by or "quelqu'un d'autre"
        super().__init__(
            f"la fiche {fiche} a été modifiée par {who} entre-temps (version {version}) : rien n'a été "
            "enregistré ; relisez-la puis refaites votre changement s'il vaut toujours"
        )


class FormErrors(InputError):
    """A form with problems: one message per field (``Problem.source`` is the field's name)."""

    def by_field(self) -> dict[str, list[str]]:
        """Field name → its messages, in the order found."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.source, []).append(p.message)
        return out


# --- shared pieces -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """Which slice of a list: the 1-based page and its size (at most :data:`MAX_PER_PAGE`)."""

    number: int = 1
    size: int = PER_PAGE

    def __post_init__(self) -> None:
        object.__setattr__(self, "number", max(1, int(self.number)))
        object.__setattr__(self, "size", min(MAX_PER_PAGE, max(1, int(self.size))))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def count(self, total: int) -> int:
        """How many pages ``total`` rows make (at least 1)."""
        return max(1, -(-total // self.size))


def _require_structure(who: Identity, what: str) -> str:
    if who.structure is None:
        raise AccessDenied(f"{what} is a member structure's list: sign in as a technician of a structure")
    return who.structure


def visible_fiche(fiche: Mapping[str, Any], who: Identity) -> tuple[dict[str, Any], bool]:
    """The fiche dict as ``who`` may see it and whether personal data is shown.

    The one masking place of the desk: the porteur's name, email and phone, and the summary (free
    text that often names them), are blanked for a caller the store's rule does not allow.
    """
    from engine.store import access

    on = access.on_fiche(fiche.get("lead"), fiche.get("supporting") or (), fiche.get("received_by"))
    porteur = dict(fiche.get("porteur") or {})
    personal = access.sees_personal_data(who, on, bool(porteur.get("consent_network")))
    if personal:
        return dict(fiche), True
    for name in access.PERSONAL_FIELDS:
        porteur[name] = None
    return {**fiche, "porteur": porteur, "summary": None}, False


def _commune_words(ws: Workspace, code: str) -> str:
    commune = ws.network.territory.communes.get(code)
    return str(commune) if commune is not None else code


# --- À traiter -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One fiche suggested to my structure that waits for my answer."""

    fiche: str
    role: str  # "lead" or "support"
    since: dt.date
    waiting_days: int
    needs_asked: tuple[str, ...]
    reasons: tuple[str, ...]
    received: dt.date
    commune: str
    commune_name: str
    kind: str
    naf: str | None
    nature: str | None
    needs: tuple[str, ...]
    stage: str
    version: int
    porteur_name: str | None
    summary: str | None


@dataclass(frozen=True)
class Todo:
    """My structure's "À traiter": one page of requests, oldest first, and how many there are."""

    structure: str
    requests: tuple[Request, ...]
    total: int
    page: Page

    @property
    def pages(self) -> int:
        return self.page.count(self.total)


def todo(ws: Workspace, who: Identity, *, page: Page | None = None, today: dt.date | None = None) -> Todo:
    """The fiches suggested to my structure that it has not answered, oldest request first."""
    from engine.store import records, suggestions

    structure = _require_structure(who, "À traiter")
    page = page or Page()
    today = today or dt.date.today()
    with ws.store.transaction() as conn:
        total = suggestions.open_count(conn, structure)
        rows = suggestions.open_rows(conn, structure, limit=page.size, offset=page.offset)
        supports = _supports_of(conn, [r["id"] for r in rows])
    out = []
    for row in rows:
        fiche, _ = visible_fiche(records.from_row(row, supports.get(row["id"], ())), who)
        since = row["since"]
        out.append(
            Request(
                fiche=row["id"],
                role=row["role"],
                since=since,
                waiting_days=(today - since).days,
                needs_asked=tuple(row["needs_asked"] or ()),
                reasons=tuple(row["reasons"] or ()),
                received=row["received"],
                commune=row["commune"],
                commune_name=_commune_words(ws, row["commune"]),
                kind=row["kind"],
                naf=row["naf"],
                nature=row["nature"],
                needs=tuple(row["needs"] or ()),
                stage=row["stage"],
                version=row["version"],
                porteur_name=fiche["porteur"]["name"],
                summary=fiche["summary"],
            )
        )
    return Todo(structure, tuple(out), total, page)


def _supports_of(conn: Any, ids: Sequence[str]) -> dict[str, list[str]]:
    from sqlalchemy import select

    from engine.store.schema import fiche_supports

    if not ids:
        return {}
    out: dict[str, list[str]] = {}
    query = (
        select(fiche_supports.c.fiche_id, fiche_supports.c.structure)
        .where(fiche_supports.c.fiche_id.in_(list(ids)))
        .order_by(fiche_supports.c.fiche_id, fiche_supports.c.position)
    )
    for fiche_id, structure in conn.execute(query):
        out.setdefault(fiche_id, []).append(structure)
    return out


# --- answering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """What an answer did: the fiche's new version, the events, and after a decline who is asked now."""

    fiche: str
    answer: str
    role: str
    version: int
    events: tuple[dict[str, Any], ...]
    next_lead: str | None = None
    next_supporting: tuple[str, ...] = ()
    orphan: bool = False

    def to_dict(self) -> dict[str, Any]:
        """``{"fiche", "answer", "role", "version", "events", "next_lead", "next_supporting", "orphan"}``."""
        return {
            "fiche": self.fiche,
            "answer": self.answer,
            "role": self.role,
            "version": self.version,
            "events": [{"kind": e["kind"], "payload": e["payload"]} for e in self.events],
            "next_lead": self.next_lead,
            "next_supporting": list(self.next_supporting),
            "orphan": self.orphan,
        }


def answer(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    reply: str,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
    at: dt.date | None = None,
) -> Answered:
    """ "Prendre en charge" (``take``) or "Pas pour nous" (``decline`` with a ``reason``) for my structure."""
    from engine.store import repository
    from engine.store.service import suggester

    net = ws.network
    with _reporting_conflicts(ws, fiche_id, expected_version), ws.store.transaction(fiche_id) as conn:
        change = repository.answer_suggestion(
            conn,
            fiche_id,
            reply,
            who=who,
            suggester=suggester(net),
            reason=reason,
            at=at,
            expected_version=expected_version,
        )
    first = change.events[0]["payload"]
    again = next((e["payload"] for e in change.events if e["kind"] == "suggested"), None)
    return Answered(
        fiche=fiche_id,
        answer=reply,
        role=first["role"],
        version=change.version,
        events=tuple(change.events),
        next_lead=again["lead"] if again else None,
        next_supporting=tuple(again["supporting"]) if again else (),
        orphan=bool(again and again["orphan"]),
    )


class _reporting_conflicts:
    """Turn the store's conflict into :class:`ChangedMeanwhile`, naming who changed the fiche."""

    def __init__(self, ws: Workspace, fiche_id: str, expected_version: int | None) -> None:
        self.ws, self.fiche_id, self.expected = ws, fiche_id, expected_version

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None or not isinstance(exc, ConflictError) or isinstance(exc, ChangedMeanwhile):
            return None
        by, version = _last_change(self.ws, self.fiche_id, self.expected)
        raise ChangedMeanwhile(self.fiche_id, by, version) from None


def _last_change(ws: Workspace, fiche_id: str, after: int | None) -> tuple[str | None, int]:
    """Who made the fiche's latest change (after version ``after``), and the fiche's version now."""
    from sqlalchemy import select

    from engine.store.schema import events, fiches

    with ws.store.transaction() as conn:
        version = conn.execute(select(fiches.c.version).where(fiches.c.id == fiche_id)).scalar_one_or_none()
        query = select(events.c.by).where(events.c.fiche_id == fiche_id)
        if after is not None:
            query = query.where(events.c.version > after)
        by = conn.execute(query.order_by(events.c.id.desc()).limit(1)).scalar_one_or_none()
    return by, int(version or 0)


def _problems(problems: Sequence[Problem]) -> FormErrors:
    return FormErrors(problems=list(problems))


__all__ = [
    "MAX_PER_PAGE",
    "Answered",
    "ChangedMeanwhile",
    "FormErrors",
    "Page",
    "Request",
    "Todo",
    "answer",
    "todo",
    "visible_fiche",
]
