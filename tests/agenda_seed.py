"""The seeded month of the agenda tests (Ambert, March 2025), written through the store's own API.

Shared by the agenda's data tests (tests/test_agenda_month.py, both backends) and its browser test
(tests/test_agenda_html.py).  The Ambert meeting of March 2025 is on Monday 3 March; the previous one
was on Monday 3 February; the next is on Tuesday 1 April.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.offers import repository as offers_repo
from engine.store import repository
from tests import report_seed as seed

AMBERT, THIERS = "63003", "63430"
D = dt.date


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def installed(conn, net, fid, on: dt.date, *, follow_up: dt.date | None = None) -> None:
    """Lead, study, installation on ``on`` (and follow-up) through the store's API."""
    seed.assign(conn, net, fid, on - dt.timedelta(days=20), by="cma-63", lead="cma-63")
    seed.move(conn, net, fid, "start_study", on - dt.timedelta(days=10), by="cma-63")
    seed.move(conn, net, fid, "install", on, by="cma-63", installed_on=on)
    if follow_up:
        seed.move(conn, net, fid, "start_follow_up", follow_up, by="cma-63", follow_up_by="cma-63")


def offer(conn, net, commune: str, published: dt.date, title: str = "Boulangerie"):
    return offers_repo.add_offer(
        conn,
        net,
        seed.COORDINATOR,
        kind="takeover",
        title=title,
        commune=commune,
        naf="10.71C",
        published_on=published,
        published_in="Villages Magazine",
    )


def seed_month(conn, network) -> dict[str, str]:
    """Fiches, offers and contacts around the March 2025 meeting; the fiche and offer ids by role."""
    ids: dict[str, str] = {}

    def add(name, received, commune=AMBERT, by="cma-63", **kw):
        ids[name] = seed.add(conn, network, received=day(received), commune=commune, received_by=by, **kw)
        return ids[name]

    add("first_day", "2025-02-03", needs=["honour_loan"])  # on the previous meeting's day: new
    add("eve", "2025-03-02")  # the eve of the meeting: new
    add("meeting_day", "2025-03-03")  # the meeting's day: next month's agenda
    add("before", "2025-02-02", needs=["honour_loan"])  # before the previous meeting: not new
    moved_in = add("moved_in", "2025-02-10", commune=THIERS)
    repository.change_commune(
        conn, moved_in, AMBERT, who=seed.COORDINATOR, network=network, at=D(2025, 2, 20), today=seed.TODAY
    )
    moves_later = add("moves_later", "2025-02-11")
    repository.change_commune(
        conn, moves_later, THIERS, who=seed.COORDINATOR, network=network, at=D(2025, 3, 10), today=seed.TODAY
    )
    add("thiers", "2025-02-12", commune=THIERS)
    recent = offer(conn, network, AMBERT, D(2025, 2, 14))
    older = offer(conn, network, "Arlanc", D(2025, 1, 10), title="Épicerie")
    offer(conn, network, THIERS, D(2025, 2, 14))
    ids["recent_offer"], ids["older_offer"] = recent.id, older.id
    via = add("installed_via", "2024-12-01", kind="takeover", offer=older.id)  # the offer it answered
    offers_repo.add_contact(conn, seed.COORDINATOR, older.id, via, D(2025, 1, 20), today=seed.TODAY)
    installed(conn, network, via, D(2025, 2, 15))
    new_contact = add("contact_in_month", "2025-01-05")
    offers_repo.add_contact(conn, seed.COORDINATOR, older.id, new_contact, D(2025, 2, 20), today=seed.TODAY)
    installed(conn, network, add("due_soon", "2024-10-01"), D(2024, 12, 10))  # due 2025-03-10
    installed(conn, network, add("overdue", "2024-10-01"), D(2024, 11, 20))  # due 2025-02-18
    installed(conn, network, add("not_yet_due", "2024-10-01"), D(2025, 1, 15))  # due 2025-04-15
    installed(conn, network, add("followed", "2024-10-01"), D(2024, 11, 20), follow_up=D(2025, 1, 5))
    return ids


def make_agenda(db: str, rules: Any, charter: Any, network: str, month: str, who: str | None) -> dict[str, Any]:
    """The agenda's sections as ``capactif agenda --db db --as who`` computes them (engine.app.agenda)."""
    from engine.app import Workspace
    from engine.app.agenda import agenda

    with Workspace.open(db=db, rules=rules, charter=charter) as ws:
        return agenda(ws, ws.identity(who), network, month).sections
