"""The porteurs' rights, for the coordinator: ``capactif porteur find/export/erase/purge``.

Each use case takes the :class:`~engine.app.Workspace` and the caller's
:class:`~engine.identity.Identity`; only the coordinator may run them (a structure answering a
porteur's request asks the coordinator).  The store side is :mod:`engine.porteurs`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.app import audit
from engine.app.workspace import Workspace
from engine.errors import AccessDenied, InputError
from engine.i18n import N_, _
from engine.identity import Identity


def _coordinator_only(who: Identity, action: str) -> None:
    """Refuse anyone but the coordinator; ``action`` is one of :data:`_ACTIONS`."""
    if not who.is_coordinator:
        raise AccessDenied(_(_ACTIONS[action]).format(who=who.label()))


#: The refusal of each right to anyone but the coordinator (whole sentences, for the translators).
_ACTIONS = {
    "find": N_(
        "{who} may not look porteurs up: only the coordinator answers a porteur's request about their data "
        "(--as coordinator)"
    ),
    "export": N_(
        "{who} may not export a porteur's data: only the coordinator answers a porteur's request about their "
        "data (--as coordinator)"
    ),
    "erase": N_(
        "{who} may not erase a porteur's data: only the coordinator answers a porteur's request about their "
        "data (--as coordinator)"
    ),
    "purge": N_(
        "{who} may not purge porteurs' data: only the coordinator answers a porteur's request about their "
        "data (--as coordinator)"
    ),
}
_NO_IDS = N_("give the fiche ids of the porteur (capactif porteur find NAME lists them)")


@dataclass
class Found:
    """``porteur find``: the fiches of the person looked for."""

    query: str
    matches: list[Any]

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "fiches": [m.to_dict() for m in self.matches]}


@dataclass
class Erased:
    """``porteur erase`` / ``porteur purge``: the fiches whose personal data were erased."""

    cause: str
    changes: list[Any] = field(default_factory=list)
    dry_run: bool = False
    due: list[str] = field(default_factory=list)

    @property
    def fiches(self) -> list[str]:
        """The fiches erased, or (dry run) those that would be."""
        return list(self.due) if self.dry_run else [c.fiche for c in self.changes]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "dry_run": self.dry_run,
            "fiches": self.fiches,
            "events": [{"fiche": c.fiche, "version": c.version, "events": c.events} for c in self.changes],
        }


@dataclass
class Exported:
    """``porteur export``: everything stored about the porteur, fiche by fiche (``fiche``, ``history``,
    ``offer_contacts``), for their access request."""

    fiches: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"fiches": self.fiches}


def find(ws: Workspace, who: Identity, query: str) -> Found:
    """The fiches whose porteur's name or e-mail contains ``query``."""
    from engine import porteurs

    _coordinator_only(who, "find")
    with ws.store.transaction() as conn:
        found = Found(query, porteurs.find(conn, query))
        audit.record_reads(ws, who, [m.fiche for m in found.matches], "porteur find", conn=conn)
        return found


def export(ws: Workspace, who: Identity, fiche_ids: Sequence[str]) -> Exported:
    """Everything stored about the porteur of ``fiche_ids``, for an access request."""
    from engine import porteurs

    _coordinator_only(who, "export")
    if not fiche_ids:
        raise InputError(_(_NO_IDS))
    with ws.store.transaction() as conn:
        exported = Exported(porteurs.export(conn, list(dict.fromkeys(fiche_ids)))["fiches"])
        # the access request's answer is a read of everything stored: logged like any other read
        audit.record_reads(ws, who, [f["fiche"]["id"] for f in exported.fiches], "porteur export", conn=conn)
        return exported


def erase(ws: Workspace, who: Identity, fiche_ids: Sequence[str], *, at: dt.date | None = None) -> Erased:
    """Erase the porteur's personal data from ``fiche_ids`` and their histories, then scrub the files."""
    from engine import porteurs

    _coordinator_only(who, "erase")
    if not fiche_ids:
        raise InputError(_(_NO_IDS))
    result = Erased(porteurs.REQUEST)
    with ws.store.transaction() as conn:
        for fiche_id in dict.fromkeys(fiche_ids):
            result.changes.append(porteurs.erase(conn, fiche_id, who=who, cause=porteurs.REQUEST, at=at))
    porteurs.scrub(ws.store.engine)
    return result


def purge(ws: Workspace, who: Identity, *, today: dt.date | None = None, dry_run: bool = False) -> Erased:
    """Erase the personal data of every fiche past the charter's retention period (``--dry-run``: list them)."""
    from engine import porteurs

    _coordinator_only(who, "purge")
    years = ws.charter.personal_data_years
    if years is None:
        raise InputError(
            _(
                "the charter sets no retention period: add 'retention: {{personal_data_years: N}}' to "
                "charter/commitments.yaml (see docs/store.md)"
            ).format()
        )
    result = Erased(porteurs.RETENTION, dry_run=dry_run)
    with ws.store.transaction() as conn:
        result.due = porteurs.due_for_purge(conn, years, today)
        if not dry_run:
            for fiche_id in result.due:
                result.changes.append(porteurs.erase(conn, fiche_id, who=who, cause=porteurs.RETENTION, at=today))
    if result.changes:
        porteurs.scrub(ws.store.engine)
    return result
