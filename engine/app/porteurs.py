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
_NO_IDS = N_(
    "give the fiche ids of the porteur, or --message N for a message about an offer (capactif porteur find NAME "
    "lists them)"
)


@dataclass
class Found:
    """``porteur find``: the fiches of the person looked for, and their messages about offers."""

    query: str
    matches: list[Any]
    messages: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "fiches": [m.to_dict() for m in self.matches],
                "messages": [m.to_dict() for m in self.messages]}  # fmt: skip


@dataclass
class Erased:
    """``porteur erase`` / ``porteur purge``: the fiches whose personal data were erased, and the
    messages about offers (by number) whose sender's data were."""

    cause: str
    changes: list[Any] = field(default_factory=list)
    dry_run: bool = False
    due: list[str] = field(default_factory=list)
    messages: list[int] = field(default_factory=list)

    @property
    def fiches(self) -> list[str]:
        """The fiches erased, or (dry run) those that would be."""
        return list(self.due) if self.dry_run else [c.fiche for c in self.changes]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "dry_run": self.dry_run,
            "fiches": self.fiches,
            "messages": self.messages,
            "events": [{"fiche": c.fiche, "version": c.version, "events": c.events} for c in self.changes],
        }


@dataclass
class Exported:
    """``porteur export``: everything stored about the porteur, fiche by fiche (``fiche``, ``history``,
    ``offer_contacts``, ``offer_messages``), and the messages about offers asked for by number, for their
    access request."""

    fiches: list[dict[str, Any]]
    messages: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"fiches": self.fiches, "messages": self.messages}


def find(ws: Workspace, who: Identity, query: str) -> Found:
    """The fiches whose porteur's name or e-mail contains ``query``, and the messages about offers whose
    sender's does."""
    from engine import porteurs

    _coordinator_only(who, "find")
    with ws.store.transaction() as conn:
        found = Found(query, porteurs.find(conn, query), porteurs.find_messages(conn, query))
        audit.record_reads(ws, who, [m.fiche for m in found.matches], "porteur find", conn=conn)
        return found


def export(ws: Workspace, who: Identity, fiche_ids: Sequence[str], message_ids: Sequence[int] = ()) -> Exported:
    """Everything stored about the porteur of ``fiche_ids`` (and the messages ``message_ids``), for an
    access request."""
    from engine import porteurs

    _coordinator_only(who, "export")
    if not fiche_ids and not message_ids:
        raise InputError(_(_NO_IDS))
    with ws.store.transaction() as conn:
        data = porteurs.export(conn, list(dict.fromkeys(fiche_ids)), list(dict.fromkeys(message_ids)))
        exported = Exported(data["fiches"], data["messages"])
        # the access request's answer is a read of everything stored: logged like any other read
        audit.record_reads(ws, who, [f["fiche"]["id"] for f in exported.fiches], "porteur export", conn=conn)
        return exported


def erase(
    ws: Workspace,
    who: Identity,
    fiche_ids: Sequence[str],
    *,
    message_ids: Sequence[int] = (),
    at: dt.date | None = None,
) -> Erased:
    """Erase the porteur's personal data from ``fiche_ids`` and their histories (with the messages about
    offers that became them), and from the messages ``message_ids``, then scrub the files."""
    from engine import porteurs

    _coordinator_only(who, "erase")
    if not fiche_ids and not message_ids:
        raise InputError(_(_NO_IDS))
    result = Erased(porteurs.REQUEST)
    with ws.store.transaction() as conn:
        result.messages = porteurs.erase_messages(conn, message_ids)
        for fiche_id in dict.fromkeys(fiche_ids):
            result.changes.append(porteurs.erase(conn, fiche_id, who=who, cause=porteurs.REQUEST, at=at))
    porteurs.scrub(ws.store.engine)
    return result


def purge(ws: Workspace, who: Identity, *, today: dt.date | None = None, dry_run: bool = False) -> Erased:
    """Erase the personal data of every fiche, and of every message about an offer that never became a
    fiche, past the charter's retention period (``--dry-run``: list them)."""
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
        result.messages = porteurs.messages_due_for_purge(conn, years, today)
        if not dry_run:
            for fiche_id in result.due:
                result.changes.append(porteurs.erase(conn, fiche_id, who=who, cause=porteurs.RETENTION, at=today))
            porteurs.erase_messages(conn, result.messages)
    if result.changes or (result.messages and not dry_run):
        porteurs.scrub(ws.store.engine)
    return result
