"""Reading the store into :class:`~engine.report.timeline.Timeline` objects: two queries, no per-fiche round trip."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from engine.report.timeline import Event, Timeline
from engine.store import history as log
from engine.store import porteur_keys
from engine.store.queries import supports_by_fiche
from engine.store.schema import fiches


def load_timelines(conn: Connection, *, received_to: Any = None) -> list[Timeline]:
    """Every stored fiche (received on or before ``received_to`` when given) with its events, by id."""
    query = select(fiches)
    if received_to is not None:
        query = query.where(fiches.c.received <= received_to)
    supports = supports_by_fiche(conn)
    timelines: dict[str, Timeline] = {}
    for row in conn.execute(query.order_by(fiches.c.year, fiches.c.number)).mappings():
        timelines[row["id"]] = Timeline(
            id=row["id"],
            received=row["received"],
            received_by=row["received_by"],
            commune=row["commune"],
            local_network=row["local_network"],
            stage=row["stage"],
            lead=row["lead"],
            supporting=supports.get(row["id"], []),
            offer=row["offer"],
            consent_network=bool(row["consent_network"]),
            porteur_name=row["porteur_name"],
            kind=row["kind"],
            nature=row["nature"],
            naf=row["naf"],
            needs=list(row["needs"] or []),
        )
    for fiche_id, group in porteur_keys.porteurs_of(conn, timelines).items():
        timelines[fiche_id].porteur = group
    for fiche_id, history in log.read(conn, sorted(timelines) if received_to is not None else None).items():
        timeline = timelines.get(fiche_id)
        if timeline is not None:
            timeline.events.extend(Event(e.kind, e.at, e.by, e.payload) for e in history)
    return list(timelines.values())
