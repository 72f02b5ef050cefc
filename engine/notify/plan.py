"""Who is told what on a day: the digests of ``capactif notify``, computed from plain data (pure).

:func:`plan` takes the fiches as they stood on ``as_of`` (:class:`~engine.alerts.model.FicheView`,
read with the porteurs' names), the alerts of that day, the addresses of each audience and the
charter's delays, and returns every :class:`~engine.notify.model.Digest` due that day — before
the ledger says which lines were already told (:mod:`engine.notify.ledger`).

* **Structures** (each address of its technicians, else the contact address of its rules file):
  the suggestions made to it that it has not answered — once when new (the day after), then at each
  reminder delay of the charter (``notify.reminders``, day N counts: a suggestion made on 1 March is
  reminded at 9 days on 10 March, not on the 9th) — and the alerts on the fiches it is involved in.
  The porteur's name only where :func:`engine.privacy.sees_personal_data` lets that structure see it.
* **Local networks**: ``agenda_days_before`` days before the monthly meeting (or later, up to the eve),
  its technicians receive the agenda (the content is given: built by the application layer).
* **The committee**: once a month, the summary (counts only: never a fiche's porteur).
* **The coordinator**: the suggestions still unanswered ``coordinator_after`` days after the last
  reminder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.alerts.model import Alert
from engine.identity import Identity
from engine.notify.model import (
    AGENDA,
    COMMITTEE,
    COORDINATOR,
    STRUCTURE,
    Digest,
    Key,
    Line,
    Recipient,
)
from engine.privacy import sees_personal_data
from engine.readmodel import FicheView
from engine.store.suggestions import is_open

#: Checks a structure is not sent as alerts: ``unanswered`` is what the reminders say already;
#: ``no_competent_structure`` and ``bounced`` are the coordinator's business (the rules, the référent).
NOT_FOR_STRUCTURES = frozenset({"unanswered", "no_competent_structure", "bounced"})

#: Days after the last reminder when the coordinator is told a suggestion is still unanswered.
COORDINATOR_AFTER = 7


@dataclass(frozen=True)
class Audience:
    """Who may receive each kind of message, by address."""

    #: structure id -> its technicians (else its contact address)
    structures: Mapping[str, Sequence[Recipient]] = field(default_factory=dict)
    #: structure id -> its name
    structure_names: Mapping[str, str] = field(default_factory=dict)
    #: local network id -> (its name, the structures that meet in it)
    networks: Mapping[str, tuple[str, Sequence[str]]] = field(default_factory=dict)
    committee: Sequence[Recipient] = ()
    coordinator: Sequence[Recipient] = ()


@dataclass(frozen=True)
class Settings:
    """The charter's delays and where the links point."""

    reminder_days: tuple[int, ...] = (9, 21, 45)
    agenda_days_before: int = 5
    coordinator_after: int = COORDINATOR_AFTER
    base_url: str = "http://127.0.0.1:8000"

    def fiche_url(self, fiche: str) -> str:
        """The fiche's page in the web application."""
        return f"{self.base_url.rstrip('/')}/fiches/{fiche}"


def reminder_step(asked_on: dt.date, as_of: dt.date, delays: Sequence[int]) -> tuple[int, int] | None:
    """(rank, delay) of the reminder due on ``as_of`` for a suggestion made on ``asked_on``.

    Rank 0 (delay 0) from the day after the suggestion, then rank i at ``delays[i-1]`` days: the
    latest one reached (a run missed for a fortnight sends one reminder, not three).  None on the
    day of the suggestion itself, or for a date before it.
    """
    days = (as_of - asked_on).days
    if days < 1:
        return None
    reached = [(i + 1, d) for i, d in enumerate(delays) if days >= d]
    return reached[-1] if reached else (0, 0)


def open_suggestions(view: FicheView) -> list[tuple[str, str, dt.date]]:
    """The suggestions of a fiche still waiting for an answer on its ``as_of`` (not for a fiche on hold)."""
    if view.stage == "on_hold":
        return []
    return [
        (structure, role, asked_on)
        for structure, role, asked_on in view.suggested
        if is_open(role, structure, view.lead, view.supporting, view.stage)
    ]


def _name_for(structure: str, view: FicheView) -> str | None:
    """The porteur's name if this structure may see it (on the fiche, or the porteur consented)."""
    visible = sees_personal_data(Identity.of_structure(structure), view.on_fiche, view.consent_network)
    return view.porteur_name if visible else None


def structure_lines(
    structure: str,
    views: Iterable[FicheView],
    alerts: Iterable[Alert],
    as_of: dt.date,
    settings: Settings,
    communes: Callable[[str], str] = str,
) -> list[Line]:
    """Every line due for a structure on ``as_of``: suggestions to answer, then alerts (oldest first)."""
    by_id = {v.id: v for v in views}
    lines = []
    for view in by_id.values():
        for asked, role, asked_on in open_suggestions(view):
            if asked != structure:
                continue
            step = reminder_step(asked_on, as_of, settings.reminder_days)
            if step is None:
                continue
            rank, delay = step
            lines.append(
                Line(
                    key=Key("suggestion", f"{view.id}:{role}", f"{asked_on.isoformat()}+{delay}"),
                    fiche=view.id,
                    commune=communes(view.commune),
                    stage=view.stage,
                    what=role,
                    since=asked_on,
                    days=(as_of - asked_on).days,
                    step=rank,
                    structure=structure,
                    needs=tuple(view.needs),
                    porteur_name=_name_for(structure, view),
                    url=settings.fiche_url(view.id),
                )
            )
    for alert in alerts:
        if alert.check in NOT_FOR_STRUCTURES or structure not in alert.structures:
            continue
        alerted = by_id.get(alert.fiche)
        if alerted is None:
            continue
        lines.append(
            Line(
                key=Key("alert", f"{alert.fiche}:{alert.check}", alert.since.isoformat()),
                fiche=alert.fiche,
                commune=communes(alert.commune),
                stage=alert.stage,
                what=alert.check,
                since=alert.since,
                days=alert.days,
                structure=structure,
                porteur_name=_name_for(structure, alerted),
                url=settings.fiche_url(alert.fiche),
                severity=alert.severity,
            )
        )
    lines.sort(key=lambda line: (line.key.kind != "suggestion", line.since, line.fiche, line.what))
    return lines


def coordinator_lines(
    views: Iterable[FicheView], as_of: dt.date, settings: Settings, communes: Callable[[str], str] = str
) -> list[Line]:
    """The suggestions still open ``coordinator_after`` days after the last reminder, oldest first."""
    last = settings.reminder_days[-1] + settings.coordinator_after
    lines = []
    for view in views:
        for structure, role, asked_on in open_suggestions(view):
            days = (as_of - asked_on).days
            if days < last:
                continue
            lines.append(
                Line(
                    key=Key("unanswered", f"{view.id}:{structure}:{role}", asked_on.isoformat()),
                    fiche=view.id,
                    commune=communes(view.commune),
                    stage=view.stage,
                    what=role,
                    since=asked_on,
                    days=days,
                    step=len(settings.reminder_days),
                    structure=structure,
                    needs=tuple(view.needs),
                    porteur_name=view.porteur_name,  # the coordinator sees every porteur
                    url=settings.fiche_url(view.id),
                )
            )
    lines.sort(key=lambda line: (line.since, line.fiche, line.structure or "", line.what))
    return lines


def meeting_due(as_of: dt.date, days_before: int) -> Any | None:
    """The :class:`~engine.agenda.meeting.Meeting` whose agenda is due on ``as_of``: held within
    ``days_before`` days and not before tomorrow (so a run on the eve still sends a missed agenda)."""
    from engine.agenda.meeting import Meeting

    for year, month in ((as_of.year, as_of.month), _next_month(as_of)):
        meeting = Meeting(year, month)
        ahead = (meeting.day - as_of).days
        if 1 <= ahead <= max(days_before, 1):
            return meeting
    return None


def _next_month(day: dt.date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def plan(
    views: Sequence[FicheView],
    alerts: Sequence[Alert],
    as_of: dt.date,
    audience: Audience,
    settings: Settings,
    *,
    only: str | None = None,
    agendas: Mapping[str, tuple[str, dict[str, Any]]] | None = None,
    summary: dict[str, Any] | None = None,
    communes: Callable[[str], str] = str,
) -> list[Digest]:
    """Every digest due on ``as_of`` (``only``: a structure id, ``agenda``, ``committee`` or ``coordinator``).

    ``agendas``: local network -> (month, the agenda's JSON) for the meetings due (see
    :func:`meeting_due`); ``summary``: the committee's figures of the month (counts only).
    """
    out: list[Digest] = []
    common = {"as_of": as_of, "base_url": settings.base_url, "reminder_days": settings.reminder_days}
    for structure in sorted(audience.structures):
        if only not in (None, structure):
            continue
        lines = tuple(structure_lines(structure, views, alerts, as_of, settings, communes))
        if not lines:
            continue
        name = audience.structure_names.get(structure, structure)
        for recipient in audience.structures[structure]:
            out.append(Digest(STRUCTURE, recipient, structure, name, lines=lines, **common))  # type: ignore[arg-type]
    if only in (None, AGENDA):
        for network, (month, content) in sorted((agendas or {}).items()):
            network_name, members = audience.networks.get(network, (network, ()))
            seen: set[str] = set()
            for structure in members:
                for recipient in audience.structures.get(structure, ()):
                    if recipient.address in seen:
                        continue
                    seen.add(recipient.address)
                    out.append(
                        Digest(
                            AGENDA,
                            recipient,
                            network,
                            network_name,
                            key=Key(AGENDA, network, month),
                            content=content,
                            **common,  # type: ignore[arg-type]
                        )
                    )
    if only in (None, COMMITTEE) and summary is not None:
        month = as_of.strftime("%Y-%m")
        for recipient in audience.committee:
            out.append(
                Digest(
                    COMMITTEE,
                    recipient,
                    COMMITTEE,
                    "Comité de pilotage",
                    key=Key(COMMITTEE, "summary", month),
                    content=summary,
                    **common,  # type: ignore[arg-type]
                )
            )
    if only in (None, COORDINATOR):
        lines = tuple(coordinator_lines(views, as_of, settings, communes))
        if lines:
            for recipient in audience.coordinator:
                out.append(Digest(COORDINATOR, recipient, COORDINATOR, "Coordination", lines=lines, **common))  # type: ignore[arg-type]
    return out
