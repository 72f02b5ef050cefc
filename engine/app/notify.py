"""Use case of the e-mail reminders: ``capactif notify`` (the coordinator runs it, every day, from cron).

One run: read the fiches as they stood on ``as_of`` with the porteurs' names (the coordinator's
view), compute the day's alerts, the agendas due and the committee's summary, plan who is told what
(:func:`engine.notify.plan.plan`: the privacy rule applied per recipient), drop what the ledger says
was already told, then for each message claim its lines, send it, and record the outcome
(:mod:`engine.notify.ledger`).  A message that showed porteurs' names to a structure is written in the
access log (``via`` ``email``, actor the structure that received it).

The words of the messages are the front end's (``compose``, from :mod:`engine.render.notify`): this
layer never builds a sentence, and renderers import the application layer, not the other way round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.app.accounts import NewLink
from engine.app.workspace import Workspace
from engine.errors import AccessDenied, InputError, Problem
from engine.i18n import _, using
from engine.identity import Identity
from engine.notify.mail import SendFailed, Transport, message
from engine.notify.model import AGENDA, COMMITTEE, COORDINATOR, Digest, Letter, Recipient

__all__ = ["LinkMailed", "NotifyRun", "Outcome", "mail_link", "notify"]

#: What ``--only`` accepts besides a structure id.
ONLY_KINDS = (AGENDA, COMMITTEE, COORDINATOR)

SENT = "sent"
FAILED = "failed"
WRITTEN = "written"  # --dry-run
TAKEN = "taken"  # another run claimed every line of it meanwhile


@dataclass(frozen=True)
class Outcome:
    """One message of the run: to whom, about what, and what became of it."""

    kind: str
    audience: str
    recipient: str
    subject: str
    lines: int
    status: str
    where: str = ""
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "audience": self.audience,
            "recipient": self.recipient,
            "subject": self.subject,
            "lines": self.lines,
            "status": self.status,
            "where": self.where,
            "error": self.error,
        }


@dataclass
class NotifyRun:
    """What a run sent (or wrote, with ``--dry-run``), what failed, and what was already told."""

    as_of: dt.date
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    #: lines (or agendas, summaries) left out because they were told before
    already_told: int = 0
    #: structures that had something to be told but have neither an account nor a contact address
    unreachable: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == FAILED]

    @property
    def exit_code(self) -> int:
        """1 when a message could not be sent (it is retried by the next run), else 0."""
        return 1 if self.failed else 0

    def to_dict(self) -> dict[str, Any]:
        """``{"as_of", "dry_run", "sent", "failed", "already_told", "unreachable", "messages": […]}``."""
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "sent": sum(1 for o in self.outcomes if o.status in (SENT, WRITTEN)),
            "failed": len(self.failed),
            "already_told": self.already_told,
            "unreachable": list(self.unreachable),
            "messages": [o.to_dict() for o in self.outcomes],
        }


def _check_only(ws: Workspace, only: str | None) -> None:
    if only is None or only in ONLY_KINDS or only in ws.network.structure_ids:
        return
    from engine.vocabulary import unknown

    choices = [*ONLY_KINDS, *sorted(ws.network.structure_ids)]
    raise InputError(problems=[Problem("--only", 0, 0, unknown("structure or kind of message", only, choices))])


def _audience(ws: Workspace, accounts: list[Any]) -> Any:
    from engine.notify.plan import Audience

    structures: dict[str, list[Recipient]] = {}
    committee, coordinator = [], []
    for account in accounts:
        if account.disabled:
            continue
        recipient = Recipient(account.email, account.display_name)
        if account.structure:
            structures.setdefault(account.structure, []).append(recipient)
        elif account.role == COMMITTEE:
            committee.append(recipient)
        elif account.role == COORDINATOR:
            coordinator.append(recipient)
    specs = ws.network.rules.structures
    for sid, spec in specs.items():
        if sid not in structures and spec.contact.email:
            structures[sid] = [Recipient(spec.contact.email, spec.name)]
    active = {sid: recipients for sid, recipients in structures.items() if sid in specs and specs[sid].active}
    networks = {
        nid: (ln.name, [sid for sid, spec in sorted(specs.items()) if nid in spec.local_networks and spec.active])
        for nid, ln in ws.network.territory.local_networks.items()
    }
    return Audience(
        structures=active,
        structure_names={sid: spec.name for sid, spec in specs.items()},
        networks=networks,
        committee=committee,
        coordinator=coordinator,
    )


def _summary(ws: Workspace, views: list[Any], alerts: list[Any], as_of: dt.date, settings: Any) -> dict[str, Any]:
    """The committee's figures of the month: counts only, never a fiche's porteur (nor a fiche id)."""
    from engine.alerts.checks import CHECKS
    from engine.notify.plan import coordinator_lines, open_suggestions

    names = {nid: ln.name for nid, ln in ws.network.territory.local_networks.items()}
    by_network: dict[str, dict[str, int]] = {nid: dict.fromkeys(CHECKS, 0) for nid in names}
    for alert in alerts:
        if alert.network in by_network:
            by_network[alert.network][alert.check] += 1
    by_check = dict.fromkeys(CHECKS, 0)
    for alert in alerts:
        by_check[alert.check] += 1
    return {
        "month": as_of.strftime("%Y-%m"),
        "as_of": as_of.isoformat(),
        "fiches": len(views),
        "alerts": len(alerts),
        "by_check": by_check,
        "networks": [
            {"network": nid, "name": names[nid], "alerts": sum(counts.values()), "by_check": counts}
            for nid, counts in by_network.items()
        ],
        "suggestions_open": sum(len(open_suggestions(v)) for v in views),
        "unanswered_after_reminders": len(coordinator_lines(views, as_of, settings)),
    }


def notify(
    ws: Workspace,
    who: Identity,
    *,
    compose: Callable[[Digest], Letter],
    transport: Transport,
    sender: str,
    base_url: str,
    as_of: dt.date | None = None,
    only: str | None = None,
    now: dt.datetime | None = None,
) -> NotifyRun:
    """Tell each structure, local network, the committee and the coordinator what is due on ``as_of``.

    Only the coordinator runs it (it reads every porteur's name to give each structure its own).
    ``transport`` sends (SMTP) or writes (``--dry-run``: nothing claimed, nothing recorded).
    """
    if not who.is_coordinator:
        raise AccessDenied(_("only the coordinator sends the reminders (you are {who})").format(who=who.label()))
    _check_only(ws, only)
    from engine.accounts.repository import list_accounts
    from engine.alerts.runner import compute
    from engine.notify.plan import Settings, meeting_due, plan, structure_lines
    from engine.readmodel import load_views, local_networks_of

    net, charter = ws.network, ws.charter
    day = as_of or dt.date.today()
    at = now or dt.datetime.now(dt.UTC)
    settings = Settings(charter.reminder_days, charter.agenda_days_before, base_url=base_url)
    with ws.store.transaction() as conn:
        views = load_views(
            conn,
            day,
            local_networks=local_networks_of(net.territory),
            bounce_count=charter.alert_thresholds["bounced"].count,
            with_names=True,
        )
        accounts = list_accounts(conn)
    alerts = compute(views, ws.compiled_rules, charter, day, viewer=Identity.coordinator())
    audience = _audience(ws, accounts)
    agendas: dict[str, tuple[str, dict[str, Any]]] = {}
    meeting = meeting_due(day, charter.agenda_days_before) if only in (None, AGENDA) else None
    if meeting is not None:
        from engine.app.agenda import agenda

        for nid in net.territory.local_networks:
            # the agenda e-mailed to a whole local network shows no porteur's name (the committee's view);
            # in French like the rest of the message, whatever --lang the coordinator runs notify with
            with using("fr"):
                shown = agenda(ws, Identity.committee(), nid, meeting.label)
            agendas[nid] = (meeting.label, {"agenda": shown})
    summary = _summary(ws, views, alerts, day, settings) if only in (None, COMMITTEE) else None

    def commune(code: str) -> str:
        found = net.territory.communes.get(code)
        return str(found) if found is not None else code

    digests = plan(
        views, alerts, day, audience, settings, only=only, agendas=agendas, summary=summary, communes=commune
    )
    run = NotifyRun(day, transport.dry_run)
    run.unreachable = sorted(
        sid
        for sid, spec in net.rules.structures.items()
        if spec.active
        and only in (None, sid)
        and sid not in audience.structures
        and structure_lines(sid, views, alerts, day, settings)
    )
    try:
        for digest in digests:
            _deliver(ws, digest, run, compose=compose, transport=transport, sender=sender, now=at)
    finally:
        transport.close()
    return run


def _deliver(
    ws: Workspace,
    digest: Digest,
    run: NotifyRun,
    *,
    compose: Callable[[Digest], Letter],
    transport: Transport,
    sender: str,
    now: dt.datetime,
) -> None:
    """Claim the message's lines not told yet, send it, record the outcome (and the access log)."""
    from sqlalchemy.exc import IntegrityError

    from engine.notify import ledger

    address = digest.recipient.address
    keys = list(digest.keys)
    with ws.store.transaction() as conn:
        todo = ledger.pending(conn, address, keys, now=now)
    run.already_told += len(keys) - len(todo)
    if not todo:
        return
    held = todo
    if not transport.dry_run:
        for _attempt in range(5):
            try:
                with ws.store.transaction(immediate=True) as conn:
                    held = ledger.claim(conn, address, todo, now=now)
                break
            except IntegrityError:  # another run inserted one of these keys first: see what is left
                with ws.store.transaction() as conn:
                    todo = ledger.pending(conn, address, todo, now=now)
                held = []
        if not held:
            run.outcomes.append(Outcome(digest.kind, digest.audience, address, "", 0, TAKEN))
            return
    shown = digest.keeping(set(held)) if digest.lines else digest
    with using("fr"):  # the messages are French whatever --lang (docs/notify.md)
        letter = compose(shown)
    msg = message(letter, shown.recipient, shown.kind, sender, now=now)
    count = len(shown.lines) or 1
    try:
        where = transport.send(msg, address, f"{shown.kind}-{shown.audience}")
    except SendFailed as exc:
        if not transport.dry_run:
            with ws.store.transaction() as conn:
                ledger.settle(conn, address, held, sent=False, now=now, error=exc.reason)
        run.outcomes.append(
            Outcome(digest.kind, digest.audience, address, letter.subject, count, FAILED, error=exc.reason)
        )
        return
    if not transport.dry_run:
        from engine.app.audit import record_reads

        with ws.store.transaction() as conn:
            ledger.settle(conn, address, held, sent=True, now=now)
            if shown.personal_fiches:
                reader = Identity(digest.audience)
                record_reads(
                    ws, reader, shown.personal_fiches, f"notify: e-mail to {address}", conn=conn, now=now, via="email"
                )
    status = WRITTEN if transport.dry_run else SENT
    run.outcomes.append(Outcome(digest.kind, digest.audience, address, letter.subject, count, status, where))


# --- the one-time password link of a new or reset account -------------------------------------------


@dataclass(frozen=True)
class LinkMailed:
    """The one-time link, and whether it reached the account's address (``error``: what the server said)."""

    link: NewLink
    sent: bool
    where: str = ""
    error: str | None = None

    @property
    def exit_code(self) -> int:
        """1 when the link could not be e-mailed (it is printed: give it to the person yourself)."""
        return 0 if self.sent else 1

    def to_dict(self) -> dict[str, Any]:
        """The keys of :meth:`NewLink.to_dict` and ``emailed``: ``address``, ``sent``, ``where``, ``error``."""
        emailed = {"address": self.link.account.email, "sent": self.sent, "where": self.where, "error": self.error}
        return {**self.link.to_dict(), "emailed": emailed}


def mail_link(
    ws: Workspace,
    who: Identity,
    link: NewLink,
    *,
    compose: Callable[[NewLink], Letter],
    transport: Transport,
    sender: str,
    now: dt.datetime | None = None,
) -> LinkMailed:
    """E-mail the one-time link of ``capactif user add``/``reset`` to the account's own address.

    The coordinator's job, as creating the link is; the link is the only secret in it (no porteur).
    """
    if not who.is_coordinator:
        raise AccessDenied(_("only the coordinator may {action} accounts (you are {who})").format(
            action=_("add"), who=who.label()))  # fmt: skip
    account = link.account
    letter = compose(link)
    msg = message(letter, Recipient(account.email, account.display_name), "account", sender,
                  now=now or dt.datetime.now(dt.UTC))  # fmt: skip
    try:
        where = transport.send(msg, account.email, "account")
    except SendFailed as exc:
        return LinkMailed(link, False, error=exc.reason)
    finally:
        transport.close()
    return LinkMailed(link, True, where)
