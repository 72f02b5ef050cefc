"""A seeded synthetic history for the report, charter and agenda tests, written through the store's own API.

Everything is written with :mod:`engine.store.repository` (the functions the CLI uses), so the
events are exactly what technicians' commands would record.  Synthetic: generated from the
territory and a seeded random generator, not real porteurs.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from engine import network as network_module
from engine.fiche import Fiche
from engine.offers import repository as offers_repo
from engine.store import access, repository
from engine.store import events as ev
from engine.store.db import open_store

COORDINATOR = access.Viewer(access.COORDINATOR)
TODAY = dt.date(2030, 1, 1)
PG_ADMIN = os.environ.get("CAPACTIF_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def temporary_store(backend: str, tmp_path) -> Iterator:
    """A fresh, migrated store on ``sqlite`` (a file) or ``postgresql`` (its own database, dropped after)."""
    if backend == "sqlite":
        store = open_store(str(tmp_path / "store.sqlite"))
        try:
            yield store
        finally:
            store.dispose()
        return
    name = f"capactif_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    from engine.store.db import Store, make_engine, upgrade

    store = Store(url, make_engine(url))
    upgrade(store)
    try:
        yield store
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def network():
    """The bundled network (rules and territory)."""
    return network_module.load(None)


def add(
    conn,
    net,
    *,
    received: dt.date,
    commune: str,
    received_by: str,
    kind: str = "creation",
    naf: str | None = "10.71C",
    needs=(),
    offer: str | None = None,
    porteur: dict | None = None,
) -> str:
    """Store one fiche received on a day; returns its id (``porteur``: name, email… else a made-up name)."""
    fiche = Fiche.model_validate(
        {
            "received": received.isoformat(),
            "received_by": received_by,
            "commune": commune,
            "kind": kind,
            "naf": naf,
            "needs": list(needs),
            "offer": offer,
            "porteur": porteur or {"name": f"Porteur {uuid.uuid4().hex[:6]}"},
        },
        context=net.fiche_context(),
    )
    (change,) = repository.add_fiches(conn, [fiche], who=COORDINATOR, network=net, at=received)
    return change.fiche


def assign(conn, net, fiche_id: str, day: dt.date, by: str, lead: str | None = None, supports=()) -> None:
    repository.assign_fiche(
        conn, fiche_id, who=COORDINATOR, network=net, lead=lead, supports=list(supports), at=day, by=by
    )


def move(conn, net, fiche_id: str, trigger: str, day: dt.date, by: str, **kw) -> None:
    repository.move_fiche(conn, fiche_id, trigger, who=COORDINATOR, network=net, at=day, by=by, today=TODAY, **kw)


def contact(conn, fiche_id: str, day: dt.date, by: str, activity: str | None = None) -> None:
    repository.note_fiche(
        conn, fiche_id, "rendez-vous", who=COORDINATOR, kind=ev.CONTACT, channel="meeting", at=day, by=by,
        today=TODAY, activity=activity,
    )  # fmt: skip


def installed(conn, net, fiche_id: str, day: dt.date, lead: str = "cma-63", supports=()) -> None:
    """Give the fiche its référent, study and install it on ``day``."""
    assign(conn, net, fiche_id, day - dt.timedelta(days=60), by=lead, lead=lead, supports=supports)
    move(conn, net, fiche_id, "start_study", day - dt.timedelta(days=50), by=lead)
    move(conn, net, fiche_id, "install", day, by=lead, installed_on=day)


def seed_extras(conn, net, offers: list) -> None:
    """What the random year lacks: installations linked to an offer, developments, a porteur with two fiches,
    a supporting structure that acts and one that does not, activities followed one year on."""
    here = {"commune": "63003", "received_by": "cc-ambert"}
    for offer in offers[:3]:
        fid = add(conn, net, received=dt.date(2025, 2, 3), offer=offer.id, **here)
        installed(conn, net, fid, dt.date(2025, 6, 2))
    for _ in range(2):
        fid = add(conn, net, received=dt.date(2025, 1, 6), kind="development", **here)
        installed(conn, net, fid, dt.date(2025, 5, 5))
    twice = {"name": "Hélène Dupuy", "email": "helene.dupuy@example.org"}
    for day in (dt.date(2025, 3, 3), dt.date(2025, 9, 1)):
        fid = add(conn, net, received=day, porteur=dict(twice), **here)
        assign(conn, net, fid, day + dt.timedelta(days=5), by="cma-63", lead="cma-63")
    acted = add(conn, net, received=dt.date(2025, 4, 1), **here)
    assign(conn, net, acted, dt.date(2025, 4, 8), by="cma-63", lead="cma-63", supports=["pfil-ambert"])
    contact(conn, acted, dt.date(2025, 5, 2), by="pfil-ambert")
    listed = add(conn, net, received=dt.date(2025, 4, 1), **here)
    assign(conn, net, listed, dt.date(2025, 4, 8), by="cma-63", lead="cma-63", supports=["pfil-ambert"])
    contact(conn, listed, dt.date(2025, 5, 2), by="cma-63")
    for day, record in (
        (dt.date(2024, 3, 1), (dt.date(2025, 4, 1), "active")),
        (dt.date(2024, 5, 1), (dt.date(2024, 12, 1), "ceased")),
        (dt.date(2024, 6, 3), None),
    ):
        fid = add(conn, net, received=day - dt.timedelta(days=90), **here)
        installed(conn, net, fid, day)
        if record:
            contact(conn, fid, record[0], by="cma-63", activity=record[1])


def seed_year(conn, net, seed: int = 2025, count: int = 140) -> dict:
    """A random but reproducible history around 2025 (from Nov 2024 to Feb 2026), with offers and contacts."""
    rng = random.Random(seed)
    communes = sorted(net.territory.communes)
    structures = sorted(net.structure_ids)
    ids = []
    received_on = {}
    offers = []
    for i in range(6):
        published = dt.date(2024, 12, 1) + dt.timedelta(days=rng.randrange(0, 420))
        offer = offers_repo.add_offer(
            conn,
            net,
            COORDINATOR,
            kind=rng.choice(["takeover", "sought"]),
            title=f"Offre {i}",
            commune=rng.choice(communes),
            published_on=published,
            published_in="Villages Magazine",
            naf="10.71C",
        )
        offers.append(offer)
    for _ in range(count):
        received = dt.date(2024, 11, 1) + dt.timedelta(days=rng.randrange(0, 480))
        receiver = rng.choice(structures)
        fiche_id = add(conn, net, received=received, commune=rng.choice(communes), received_by=receiver)
        ids.append(fiche_id)
        received_on[fiche_id] = received
        day = received
        if rng.random() < 0.7:
            contact(conn, fiche_id, day + dt.timedelta(days=rng.randrange(0, 30)), rng.choice([receiver, *structures]))
        if rng.random() < 0.75:
            day = day + dt.timedelta(days=rng.randrange(0, 60))
            lead = rng.choice(structures)
            supports = rng.sample([s for s in structures if s != lead], rng.choice([0, 0, 1, 2]))
            assign(conn, net, fiche_id, day, by=receiver, lead=lead, supports=supports)
            if rng.random() < 0.15:
                day = day + dt.timedelta(days=rng.randrange(1, 40))
                assign(conn, net, fiche_id, day, by=lead, lead=rng.choice([s for s in structures if s != lead]))
            if rng.random() < 0.7:
                day = day + dt.timedelta(days=rng.randrange(1, 60))
                move(conn, net, fiche_id, "start_study", day, by=lead)
                if rng.random() < 0.6:
                    day = day + dt.timedelta(days=rng.randrange(1, 120))
                    installed_on = day - dt.timedelta(days=rng.randrange(0, 5))
                    installed_on = max(installed_on, received)
                    move(conn, net, fiche_id, "install", day, by=lead, installed_on=installed_on)
                    if rng.random() < 0.5:
                        day = day + dt.timedelta(days=rng.randrange(1, 100))
                        move(conn, net, fiche_id, "start_follow_up", day, by=lead)
                elif rng.random() < 0.3:
                    move(conn, net, fiche_id, "abandon", day + dt.timedelta(days=rng.randrange(1, 30)), by=lead)
    for offer in offers:
        for fiche_id in rng.sample(ids, 4):
            # A porteur gets in touch once both the offer and their fiche exist.
            at = max(offer.published_on, received_on[fiche_id]) + dt.timedelta(days=rng.randrange(0, 90))
            offers_repo.add_contact(conn, COORDINATOR, offer.id, fiche_id, at)
    seed_extras(conn, net, offers)
    return {"fiches": ids, "offers": [o.id for o in offers]}
