"""The access log in the application layer: recording reads and changes, and the coordinator's view.

Use cases that show a porteur's personal data call :func:`record_reads` with the fiches whose data
they showed (not the masked ones); use cases that change a fiche call :func:`record_change`.  Both
write in the caller's transaction when given one (``conn``), so the entry and the work are
committed together.  :func:`fiche_audit` answers "qui a lu ou modifié la fiche F-…" for the
coordinator (``capactif audit FICHE`` and the coordinator's page).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from engine.accounts import repository as accounts
from engine.app.workspace import Workspace
from engine.audit import log
from engine.audit.tables import access_log
from engine.errors import AccessDenied, InputError
from engine.i18n import _
from engine.identity import Identity

FICHE_ID = re.compile(r"^F-\d{4}-\d{4,}$")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def record_reads(
    ws: Workspace,
    who: Identity,
    fiche_ids: Iterable[str],
    detail: str,
    *,
    conn: Connection | None = None,
    now: dt.datetime | None = None,
    via: str | None = None,
) -> int:
    """Log that ``who`` was shown the personal data of these fiches (one line each); ``via`` ``email``
    for what ``capactif notify`` sent (else the front end: ``web`` or ``cli``)."""
    return _record(ws, who, fiche_ids, log.READ, detail, conn, _now(now), via)


#: The keys under which a result names a porteur beside a ``fiche`` id (agenda, alerts, offer match,
#: charter check's broken commitments).
NAME_KEYS = ("porteur_name", "porteur")


def fiches_naming_porteurs(data: Any) -> list[str]:
    """The ids of the fiches whose porteur a result names, in the order met.

    ``data`` is a result's documented dict (its ``to_dict()``): every mapping in it, at any depth,
    that has a ``fiche`` id and a porteur's name under one of :data:`NAME_KEYS` (a string, or a
    porteur mapping with a ``name``, an ``email`` or a ``phone``) counts.  Masked names are None, so
    a result built for the committee yields nothing: only what was really shown is logged.
    """
    found: dict[str, None] = {}
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            fiche = item.get("fiche")
            if isinstance(fiche, str) and FICHE_ID.match(fiche) and any(_names(item.get(k)) for k in NAME_KEYS):
                found[fiche] = None
            stack.extend(reversed([v for v in item.values() if isinstance(v, dict | list | tuple)]))
        elif isinstance(item, list | tuple):
            stack.extend(reversed([v for v in item if isinstance(v, dict | list | tuple)]))
    return list(found)


def _names(value: Any) -> bool:
    if isinstance(value, dict):
        return any(value.get(k) for k in ("name", "email", "phone"))
    return isinstance(value, str) and bool(value)


def record_shown(ws: Workspace, who: Identity, data: Any, detail: str) -> int:
    """Log the reads of every fiche whose porteur ``data`` (a result's dict) names: see
    :func:`fiches_naming_porteurs`.  Its own short transaction, after the result was built."""
    return record_reads(ws, who, fiches_naming_porteurs(data), detail)


def record_change(
    ws: Workspace,
    who: Identity,
    fiche_ids: Iterable[str],
    detail: str,
    *,
    conn: Connection | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Log that ``who`` changed these fiches (``detail``: what, in a few words)."""
    return _record(ws, who, fiche_ids, log.CHANGE, detail, conn, _now(now))


def _record(
    ws: Workspace,
    who: Identity,
    fiche_ids: Iterable[str],
    action: str,
    detail: str,
    conn: Connection | None,
    now: dt.datetime,
    via: str | None = None,
) -> int:
    ids = list(fiche_ids)
    if not ids:
        return 0
    if conn is not None:
        return log.record(conn, who, ids, action, detail, now=now, via=via)
    rows = log.lines(who, ids, action, detail, now=now, via=via)
    if len(rows) <= log.ONE_STATEMENT:
        # a display's lines, committed before the page is answered; the web's threads that log at the
        # same moment share one INSERT, its own transaction (engine.store.group: on SQLite they queue in
        # Python instead of polling for the write lock)
        ws.store.append(access_log, rows)
        return len(rows)
    with ws.store.transaction() as own:
        return log.record(own, who, ids, action, detail, now=now, via=via)


@dataclass(frozen=True)
class AuditLine:
    """One read or change of a fiche, with the account that did it when there was one."""

    at: dt.datetime
    action: str
    actor: str | None
    account_email: str | None
    account_name: str | None
    via: str
    detail: str
    fiche: str = ""


@dataclass(frozen=True)
class FicheAudit:
    """Who read the porteur's personal data of a fiche, or changed it, oldest first."""

    fiche_id: str
    lines: list[AuditLine]

    def to_dict(self) -> dict[str, object]:
        return {
            "fiche": self.fiche_id,
            "entries": [
                {
                    "at": line.at.isoformat(),
                    "action": line.action,
                    "actor": line.actor,
                    "account": line.account_email,
                    "name": line.account_name,
                    "via": line.via,
                    "detail": line.detail,
                }
                for line in self.lines
            ],
        }


def check_fiche_id(text: str) -> str:
    """A fiche id as typed (``f-2026-0012`` is accepted); InputError otherwise."""
    value = (text or "").strip().upper()
    if not FICHE_ID.match(value):
        raise InputError(_("fiche: '{value}' is not a fiche id (like F-2026-0012)").format(value=text))
    return value


def _lines(conn: Connection, entries: list[log.Entry]) -> list[AuditLine]:
    """The entries with the e-mail and name of the account behind each (web), when there is one."""
    ids = {int(e.account) for e in entries if e.account and e.account.isdigit()}
    known = accounts.accounts_by_id(conn, ids)
    lines = []
    for e in entries:
        account = known.get(int(e.account)) if e.account and e.account.isdigit() else None
        lines.append(
            AuditLine(
                at=e.at,
                action=e.action,
                actor=e.actor,
                account_email=account.email if account else None,
                account_name=account.display_name if account else None,
                via=e.via,
                detail=e.detail,
                fiche=e.fiche_id,
            )
        )
    return lines


def _coordinator_only(who: Identity) -> None:
    if not who.is_coordinator:
        raise AccessDenied(_("only the coordinator may see who read or changed a fiche"))


def fiche_audit(ws: Workspace, who: Identity, fiche_id: str) -> FicheAudit:
    """The access log of one fiche, for the coordinator only (the log names who worked on what)."""
    _coordinator_only(who)
    fiche = check_fiche_id(fiche_id)
    with ws.store.transaction() as conn:
        return FicheAudit(fiche, _lines(conn, log.entries(conn, fiche)))


#: How many lines the access log's page shows when no fiche is asked.
LATEST = 100


@dataclass(frozen=True)
class LatestAudit:
    """The latest reads and changes over every fiche (of one account when asked), latest first."""

    account_email: str | None
    lines: list[AuditLine]


def latest_audit(ws: Workspace, who: Identity, *, account_email: str | None = None, limit: int = LATEST) -> LatestAudit:
    """The access log's latest lines, every fiche together: what the coordinator reviews to see who
    reads what (an unknown account's e-mail is NotFound)."""
    _coordinator_only(who)
    with ws.store.transaction() as conn:
        account = accounts.get_account(conn, account_email) if account_email else None
        entries = log.latest(conn, limit, account=str(account.id) if account else None)
        return LatestAudit(account.email if account else None, _lines(conn, entries))
