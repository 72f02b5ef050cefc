"""Reading the store: one fiche, its history, filtered lists, caseloads, and ``db verify``.

Every function takes an open connection, so a command's reads and writes share one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, func, select

from engine.errors import InputError, NotFound, Problem
from engine.fiche import Fiche
from engine.i18n import _
from engine.store import records
from engine.store.schema import fiche_supports, fiches
from engine.vocabulary import ACTIVE_STAGES, canonical, unknown

_CHUNK = 5000


@dataclass
class ListFilter:
    """The filters of ``fiche list`` and ``fiche export``; every one given must hold (AND)."""

    stages: Sequence[str] = ()
    lead: str | None = None
    support: str | None = None
    network: str | None = None
    commune: str | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    orphan: bool = False
    no_lead: bool = False

    def check(self, network: Any = None) -> ListFilter:
        """Refuse unknown stages, structures, local networks and communes, with the closest match.

        ``network`` is an :class:`engine.network.Network`; a commune name is resolved to its code.
        """
        problems: list[Problem] = []
        stages = []
        for given in self.stages:  # an id, a label or a French word: 'idée', 'en pause'
            try:
                stages.append(canonical("stage", given))
            except ValueError as exc:
                problems.append(Problem("--stage", 0, 0, str(exc)))
        commune = self.commune
        if network is not None:
            structures = network.structure_ids
            for name in ("lead", "support"):
                value = getattr(self, name)
                if value and structures and value not in structures:
                    problems.append(Problem(f"--{name}", 0, 0, unknown("structure", value, sorted(structures))))
            territory = network.territory
            if self.network and self.network not in territory.local_networks:
                message = unknown("local network", self.network, sorted(territory.local_networks))
                problems.append(Problem("--network", 0, 0, message))
            if commune:
                try:
                    commune = territory.resolve(commune).insee
                except ValueError as exc:
                    problems.append(Problem("--commune", 0, 0, str(exc)))
        if self.received_from and self.received_to and self.received_from > self.received_to:
            message = f"{self.received_from} is after --received-to {self.received_to}"
            problems.append(Problem("--received-from", 0, 0, message))
        if problems:
            raise InputError(problems=problems)
        return ListFilter(**{**self.__dict__, "commune": commune, "stages": tuple(stages)})

    def where(self, query: Select[Any]) -> Select[Any]:
        """The filters as SQL conditions on ``fiches`` (each one an indexed column)."""
        c = fiches.c
        if self.stages:
            query = query.where(c.stage.in_(list(self.stages)))
        if self.lead:
            query = query.where(c.lead == self.lead)
        if self.no_lead:
            query = query.where(c.lead.is_(None))
        if self.orphan:
            query = query.where(c.orphan.is_(True))
        if self.network:
            query = query.where(c.local_network == self.network)
        if self.commune:
            query = query.where(c.commune == self.commune)
        if self.received_from:
            query = query.where(c.received >= self.received_from)
        if self.received_to:
            query = query.where(c.received <= self.received_to)
        if self.support:
            supported = select(fiche_supports.c.fiche_id).where(fiche_supports.c.structure == self.support)
            query = query.where(c.id.in_(supported))
        return query


def row_for_update(conn: Connection, fiche_id: str) -> records.StoredFiche:
    """One stored fiche by id; :class:`NotFound` names the id and how to find the right one."""
    records.split_id(fiche_id)
    rows = conn.execute(_one_fiche(), {"fiche_id": fiche_id}).mappings().all()
    if not rows:
        raise NotFound(
            _("no fiche {id} in the store: 'capactif fiche list' shows the stored fiches").format(id=fiche_id)
        )
    supports = [r[_SUPPORT] for r in rows if r[_SUPPORT] is not None]
    return records.stored({k: v for k, v in rows[0].items() if k != _SUPPORT}, supports)


_SUPPORT = "supporting_structure"


@cache
def _one_fiche() -> Select[Any]:
    """One fiche's row with its supporting structures, one row per structure (in their order; one row
    with none when it has none): one round trip for both, built once — every fiche page and every change
    of a fiche reads them, and building a statement costs SQLAlchemy more than the database takes to
    answer it."""
    support = fiche_supports.c
    return (
        select(fiches, support.structure.label(_SUPPORT))
        .outerjoin(fiche_supports, support.fiche_id == fiches.c.id)
        .where(fiches.c.id == bindparam("fiche_id"))
        .order_by(support.position)
    )


get = row_for_update


def history(conn: Connection, fiche_id: str) -> list[dict[str, Any]]:
    """The fiche's events, oldest first, personal values joined: ``kind``, ``at``, ``recorded_at``, ``by``,
    ``actor``, ``version``, ``payload`` (read by :func:`engine.store.history.read`, the one reader)."""
    from engine.store import history as log

    return [e.to_dict() for e in log.of_fiche(conn, fiche_id)]


def list_fiches(conn: Connection, flt: ListFilter | None = None) -> list[records.StoredFiche]:
    """The stored fiches matching ``flt``, by id (year then number)."""
    return list(iter_fiches(conn, flt))


def iter_fiches(conn: Connection, flt: ListFilter | None = None) -> Iterator[records.StoredFiche]:
    """Stream the stored fiches matching ``flt`` in id order, a chunk at a time."""
    flt = flt or ListFilter()
    supports = supports_by_fiche(conn, flt.where(select(fiches.c.id)))
    result = conn.execution_options(yield_per=_CHUNK).execute(
        flt.where(select(fiches)).order_by(fiches.c.year, fiches.c.number)
    )
    for row in result.mappings():
        yield records.stored(row, supports.get(row["id"], ()))


def supports_by_fiche(conn: Connection, ids_query: Any = None) -> dict[str, list[str]]:
    """The supporting structures of every fiche (of ``ids_query`` when given), in assignment order."""
    query = select(fiche_supports.c.fiche_id, fiche_supports.c.structure)
    if ids_query is not None:
        query = query.where(fiche_supports.c.fiche_id.in_(ids_query))
    supports: dict[str, list[str]] = {}
    for row in conn.execute(query.order_by(fiche_supports.c.fiche_id, fiche_supports.c.position)):
        supports.setdefault(row.fiche_id, []).append(row.structure)
    return supports


def count(conn: Connection, flt: ListFilter | None = None) -> int:
    """How many stored fiches match ``flt``."""
    return conn.execute((flt or ListFilter()).where(select(func.count()).select_from(fiches))).scalar_one()


def caseload(conn: Connection) -> dict[str, int]:
    """Active fiches per structure as lead (stages in ACTIVE_STAGES), for routing's capacity check."""
    rows = conn.execute(
        select(fiches.c.lead, func.count())
        .where(and_(fiches.c.lead.is_not(None), fiches.c.stage.in_(ACTIVE_STAGES)))
        .group_by(fiches.c.lead)
        .order_by(fiches.c.lead)
    )
    return {row[0]: int(row[1]) for row in rows}


def load_fiches(conn: Connection, ids: Sequence[str]) -> list[Fiche]:
    """Stored fiches as pydantic fiches, in the order asked; every unknown id is reported at once."""
    found, missing = [], []
    for fiche_id in ids:
        try:
            found.append(get(conn, fiche_id).model())
        except NotFound:
            missing.append(Problem(fiche_id, 0, 0, _("no such fiche in the store ('capactif fiche list' shows them)")))
        except InputError:
            missing.append(Problem(fiche_id, 0, 0, _("not a fiche id: expected F-YYYY-NNNN, e.g. F-2026-0012")))
    if missing:
        raise NotFound(problems=missing)
    return found
