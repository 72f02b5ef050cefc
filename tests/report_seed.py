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
) -> str:
    """Store one fiche received on a day; returns its id."""
    fiche = Fiche.model_validate(
        {
            "received": received.isoformat(),
            "received_by": received_by,
            "commune": commune,
            "kind": kind,
            "naf": naf,
            "needs": list(needs),
            "offer": offer,
            "porteur": {"name": f"Porteur {uuid.uuid4().hex[:6]}"},
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


def contact(conn, fiche_id: str, day: dt.date, by: str) -> None:
    repository.note_fiche(
        conn, fiche_id, "rendez-vous", who=COORDINATOR, kind=ev.CONTACT, channel="meeting", at=day, by=by, today=TODAY
    )


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
    return {"fiches": ids, "offers": [o.id for o in offers]}
