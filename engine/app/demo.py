"""``capactif demo``: the main job, start to finish, on a fresh embedded store.

A new SQLite file (``<data dir>/demo.sqlite``, replaced on every run) receives a year of the
synthetic fiches of :mod:`engine.sample`.  The year is replayed day by day, in order: each fiche is
added as its structure would add it (suggestion recorded against the caseloads *of that day*), most
get the suggested référent a few days later, and then move through the lifecycle as projects do —
study, financing (sometimes refused), installation, follow-up, with pauses, abandons and
redirections.  Then the demo prints what a coordinator looks at: the stages, the référents'
caseloads, the orphans, the suggestions for the newest fiches, and the committee's alerts.

The demo never touches the network's store: it writes to ``--db`` when given (not ``$CAPACTIF_DB``)
or to its own file.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import paths
from engine.alerts.runner import AlertRun
from engine.app.workspace import Workspace
from engine.identity import Identity
from engine.routing.compile import CompiledRules
from engine.routing.suggest import Suggestion
from engine.store import access, db, queries, repository
from engine.store.verify import verify

DEMO_FILE = "demo.sqlite"
NEWEST = 5


@dataclass(order=True)
class _Action:
    """One thing that happens to one fiche on one day of the replayed year."""

    day: dt.date
    order: int
    step: int
    fiche: int = field(compare=False)
    what: str = field(compare=False)
    options: dict[str, Any] = field(compare=False, default_factory=dict)


@dataclass
class DemoResult:
    """What the demo did and what it shows."""

    store: str
    seed: int
    period: tuple[dt.date, dt.date]
    fiches: int
    events: int
    stages: dict[str, int]
    caseload: dict[str, int]
    orphans: list[str]
    no_lead: int
    verified: bool
    newest: list[Suggestion]
    rules: CompiledRules
    alerts: AlertRun | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "seed": self.seed,
            "period": [self.period[0].isoformat(), self.period[1].isoformat()],
            "fiches": self.fiches,
            "events": self.events,
            "stages": self.stages,
            "caseload": self.caseload,
            "orphans": self.orphans,
            "no_lead": self.no_lead,
            "verified": self.verified,
            "newest_suggestions": [s.to_dict() for s in self.newest],
            "alerts": self.alerts.to_dict() if self.alerts is not None else None,
        }


def demo_path() -> Path:
    """Where the demo's store lives: ``<data dir>/demo.sqlite``."""
    return paths.data_dir() / DEMO_FILE


def fresh_store(db_url: str | None) -> db.Store:
    """A new demo store: the demo file deleted and created again, or the given (empty) database."""
    if db_url is None:
        path = demo_path()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        db_url = str(path)
    store = db.open_store(db_url, check=False)
    db.upgrade(store)
    return store


def run_demo(
    ws: Workspace,
    db_url: str | None = None,
    *,
    fiches: int = 500,
    seed: int = 2026,
    end: dt.date | None = None,
) -> DemoResult:
    """Replay a synthetic year on a fresh store and summarise it (one transaction: all or nothing).

    ``db_url`` is ``--db`` only: without it the demo's own file, never the configured store.
    """
    from engine import sample
    from engine.routing import suggest

    end = end or dt.date.today()
    net = ws.network
    compiled = ws.compiled_rules
    items = sample.generate(net, fiches, seed=seed, end=end)
    store = fresh_store(db_url)
    try:
        with store.transaction() as conn:
            _replay(conn, net, items, _plan(items, random.Random(seed + 1), end), compiled, end)
            verification = verify(conn)
            stored = queries.list_fiches(conn)
            load = queries.caseload(conn)
            newest = sorted(stored, key=lambda s: (s.fiche["received"], s.id))[-NEWEST:]
            suggestions = [suggest(s.model(), compiled, load) for s in newest]
            alerts = committee_alerts(conn, ws, end)
    finally:
        store.dispose()
    return DemoResult(
        store=db.display(store.url),
        seed=seed,
        period=(end - dt.timedelta(days=364), end),
        fiches=len(stored),
        events=verification.events,
        stages=dict(sorted(Counter(s.fiche["stage"] for s in stored).items())),
        caseload=load,
        orphans=[s.id for s in stored if s.orphan],
        no_lead=sum(1 for s in stored if not s.fiche["lead"]),
        verified=not verification.differences,
        newest=suggestions,
        rules=compiled,
        alerts=alerts,
    )


def committee_alerts(conn: Any, ws: Workspace, today: dt.date) -> AlertRun:
    """The committee's alerts on the demo's last day (the workspace's charter, as the committee)."""
    from engine.alerts.runner import alerts_at

    return alerts_at(conn, ws.network, ws.charter, today, who=Identity.committee(), rules=ws.compiled_rules)


def _plan(items: list[Any], rng: random.Random, end: dt.date) -> list[_Action]:
    """Each fiche's journey through the year: dates drawn the way projects really move."""
    actions = []
    for index, item in enumerate(items):
        day = item.received
        steps = [_Action(day, 0, 0, index, "add")]
        day += dt.timedelta(days=rng.randrange(0, 12))
        if rng.random() < 0.88:
            steps.append(_Action(day, 1, 1, index, "accept"))
            stage = "idea"
            while True:
                day += dt.timedelta(days=rng.randrange(7, 60))
                move = _next_move(rng, stage)
                if move is None:
                    break
                trigger, stage = move
                steps.append(_Action(day, 2, len(steps), index, "move", {"trigger": trigger}))
                if rng.random() < 0.25:
                    steps.append(_Action(day, 3, len(steps), index, "contact", {"channel": rng.choice(_CHANNELS)}))
        actions += [a for a in steps if a.day <= end]
    return sorted(actions)


_CHANNELS = ("phone", "email", "meeting")
#: From each stage, the next triggers and how often each happens (the rest of the time: nothing yet).
_JOURNEY: dict[str, list[tuple[str, str, float]]] = {
    "idea": [("start_study", "study", 0.72), ("redirect", "redirected", 0.06), ("abandon", "abandoned", 0.07)],
    "study": [
        ("seek_financing", "financing", 0.5),
        ("install", "installed", 0.2),
        ("hold", "on_hold", 0.06),
        ("abandon", "abandoned", 0.08),
    ],
    "financing": [("install", "installed", 0.62), ("refuse_financing", "study", 0.15), ("abandon", "abandoned", 0.05)],
    "installed": [("start_follow_up", "follow_up", 0.7)],
    "follow_up": [("mark_developed", "developed", 0.15)],
    "on_hold": [("resume", "?", 0.5), ("abandon", "abandoned", 0.2)],
}


def _next_move(rng: random.Random, stage: str) -> tuple[str, str] | None:
    draw = rng.random()
    for trigger, dest, p in _JOURNEY.get(stage, []):
        if draw < p:
            return trigger, dest
        draw -= p
    return None


def _replay(conn: Any, net: Any, items: list[Any], plan: list[_Action], compiled: Any, end: dt.date) -> None:
    from engine.errors import TransitionNotAllowed
    from engine.routing import suggest

    coordinator = access.Viewer(access.COORDINATOR)
    ids: dict[int, str] = {}

    def suggester(fiche: Any, load: dict[str, int]) -> Any:
        return suggest(fiche, compiled, load)

    for action in plan:
        item = items[action.fiche]
        if action.what == "add":
            who = access.Viewer(item.received_by) if item.received_by else coordinator
            (change,) = repository.add_fiches(conn, [item], who=who, network=net, suggester=suggester, at=action.day)
            ids[action.fiche] = change.fiche
            continue
        fiche_id = ids[action.fiche]
        current = queries.get(conn, fiche_id)
        lead = current.fiche["lead"]
        if action.what == "accept":
            suggested = _last_suggestion(conn, fiche_id)
            if suggested and suggested["lead"]:
                supports = [s for s in suggested["supporting"] if s != suggested["lead"]]
                repository.assign_fiche(
                    conn, fiche_id, who=coordinator, network=net, lead=suggested["lead"], supports=supports,
                    at=action.day, by=access.COORDINATOR,
                )  # fmt: skip
        elif not lead:
            continue  # never assigned (an orphan): its journey stops at the first welcome
        elif action.what == "contact":
            repository.note_fiche(
                conn, fiche_id, "échange avec le porteur", who=coordinator, kind="contact",
                channel=action.options["channel"], at=action.day, by=lead, today=end,
            )  # fmt: skip
        else:
            try:
                repository.move_fiche(
                    conn, fiche_id, action.options["trigger"], who=coordinator, network=net, at=action.day,
                    by=lead, today=end,
                )  # fmt: skip
            except TransitionNotAllowed:
                continue  # the journey was drawn without the guards; a refused step is simply skipped


def _last_suggestion(conn: Any, fiche_id: str) -> dict[str, Any] | None:
    events = [e for e in queries.history(conn, fiche_id) if e["kind"] == "suggested"]
    return events[-1]["payload"] if events else None
