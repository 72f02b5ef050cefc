"""Use cases of accounts: the coordinator manages them, a person signs in and out.

* ``capactif user add/list/disable/enable/reset`` and (later) the coordinator's pages call
  :func:`add_user`, :func:`list_users`, :func:`disable_user`, :func:`reset_user`; only the
  coordinator may.
* The web application calls :func:`sign_in`, :func:`resume`, :func:`sign_out`,
  :func:`password_link_account` and :func:`set_password`; they take no identity (the person is not
  signed in yet, or the token is the proof).

Each call is one transaction.  ``now`` is the caller's clock (an aware UTC datetime; the current
time when None), so that tests move time instead of waiting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

from engine.accounts import repository
from engine.accounts.repository import Account, Session, SignInRefused
from engine.app.workspace import Workspace
from engine.errors import AccessDenied, InputError
from engine.i18n import _
from engine.identity import COMMITTEE, COORDINATOR, Identity

__all__ = [
    "Account",
    "AccountSwitched",
    "Accounts",
    "NewLink",
    "Session",
    "SignInRefused",
    "SignedIn",
    "add_user",
    "disable_user",
    "list_users",
    "password_link_account",
    "reset_user",
    "resume",
    "set_password",
    "sign_in",
    "sign_out",
]

SET_PASSWORD_PATH = "/mot-de-passe/"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def _coordinator_only(who: Identity, action: str) -> None:
    if not who.is_coordinator:
        raise AccessDenied(
            _("only the coordinator may {action} accounts (you are {who})").format(action=action, who=who.label())
        )


@dataclass(frozen=True)
class NewLink:
    """An account and the one-time link that lets its person set a password (``created``: a new
    account, else a new link for an existing one)."""

    account: Account
    url: str
    expires_at: dt.datetime
    created: bool = False

    def to_dict(self) -> dict[str, Any]:
        """``account`` (see :meth:`Account.to_dict`), ``link``, ``expires_at`` (UTC, ISO 8601)."""
        return {"account": self.account.to_dict(), "link": self.url, "expires_at": self.expires_at.isoformat()}


@dataclass(frozen=True)
class Accounts:
    """Every account, by e-mail (never a password hash)."""

    accounts: list[Account]

    def to_dict(self) -> list[dict[str, Any]]:
        """A list of :meth:`Account.to_dict` (the JSON of ``user list`` is a list)."""
        return [a.to_dict() for a in self.accounts]


@dataclass(frozen=True)
class AccountSwitched:
    """An account just disabled or enabled again (``account.disabled`` says which)."""

    account: Account


def link_url(base_url: str, token: str) -> str:
    """The address of the page that sets a password with ``token``."""
    return base_url.rstrip("/") + SET_PASSWORD_PATH + quote(token, safe="")


def add_user(
    ws: Workspace,
    who: Identity,
    *,
    email: str,
    display_name: str,
    structure: str | None = None,
    role: str | None = None,
    base_url: str,
    now: dt.datetime | None = None,
) -> NewLink:
    """A new account (a structure's technician, or the coordinator or a committee member) and its link."""
    _coordinator_only(who, _("add"))
    if structure is not None and structure not in ws.network.structure_ids:
        from engine.vocabulary import unknown

        raise InputError(
            _("structure: {problem}").format(problem=unknown("structure", structure, ws.network.structure_ids))
        )
    if role is not None and role not in (COORDINATOR, COMMITTEE):
        raise InputError(_("role: unknown role '{role}' (expected coordinator or committee)").format(role=role))
    at = _now(now)
    with ws.store.transaction() as conn:
        account = repository.add_account(
            conn, email=email, display_name=display_name, structure=structure, role=role, now=at
        )
        token = repository.new_password_link(conn, account.id, now=at)
    return NewLink(account, link_url(base_url, token), at + repository.LINK_VALID_FOR, created=True)


def list_users(ws: Workspace, who: Identity) -> Accounts:
    """Every account (never a password hash)."""
    _coordinator_only(who, _("list"))
    with ws.store.transaction() as conn:
        return Accounts(repository.list_accounts(conn))


def disable_user(
    ws: Workspace, who: Identity, email: str, *, disabled: bool = True, now: dt.datetime | None = None
) -> AccountSwitched:
    """Disable an account (its sessions close at once, its links stop working), or enable it again."""
    _coordinator_only(who, _("disable") if disabled else _("enable"))
    with ws.store.transaction() as conn:
        account = repository.get_account(conn, email)
        repository.set_disabled(conn, account.id, disabled, now=_now(now))
        return AccountSwitched(repository.get_account(conn, account.id))


def reset_user(ws: Workspace, who: Identity, email: str, *, base_url: str, now: dt.datetime | None = None) -> NewLink:
    """A new one-time link for an account (forgotten password); its sessions are closed."""
    _coordinator_only(who, _("reset"))
    at = _now(now)
    with ws.store.transaction() as conn:
        account = repository.get_account(conn, email)
        if account.disabled:
            raise InputError(
                _(
                    '{email} is disabled: enable it first (the account\'s "Enable" button on the accounts page, '
                    "or capactif user enable {email}), then give it a new link"
                ).format(email=account.email)
            )
        repository.revoke_sessions(conn, account.id)
        token = repository.new_password_link(conn, account.id, now=at)
    return NewLink(account, link_url(base_url, token), at + repository.LINK_VALID_FOR)


# --- the person, before and while signed in ------------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in: the cookie's token and the session."""

    token: str
    session: Session


def sign_in(
    ws: Workspace, email: str, password: str, *, now: dt.datetime | None = None, client: str | None = None
) -> SignedIn:
    """Check the e-mail and password and open a session; :class:`SignInRefused` otherwise.

    ``client``: the IP the request came from (the web), throttled besides the address.  The failure
    is counted in its own transaction, so it is kept although the sign-in fails.
    """
    at = _now(now)
    refused: SignInRefused | None = None
    with ws.store.transaction() as conn:
        try:
            account = repository.authenticate(conn, email, password, now=at, client=client)
        except SignInRefused as exc:
            refused = exc
        else:
            token, session = repository.open_session(conn, account.id, now=at)
    if refused is not None:
        raise refused
    return SignedIn(token, session)


def resume(ws: Workspace, token: str | None, *, now: dt.datetime | None = None) -> Session | None:
    """The open session of a cookie's token, or None (expired, signed out, revoked, disabled).

    Also follows a new publication of the rules in force (:meth:`Workspace.refresh_rules`): the id of
    the publication in force is read by the same statement as the session — a request of the web
    starts with one round trip to the store, not two.
    """
    if not token:
        return None
    now = _now(now)
    with ws.store.reading() as conn:  # every request: a read (on PostgreSQL, one round trip)
        resumed = repository.look_up_session(conn, token, now=now, query=_resume_query())
    ws.refresh_rules(resumed.row.rules_in_force if resumed.row is not None else ...)
    if resumed.close or resumed.seen:
        with ws.store.one_statement() as conn:
            repository.settle_session(conn, token, resumed, now=now)
    return resumed.session


@cache
def _resume_query() -> Any:
    """The session's statement carrying the id of the publication in force (built once)."""
    from engine.published.repository import IN_FORCE_ID

    return repository.RESUME.add_columns(IN_FORCE_ID.label("rules_in_force"))


def sign_out(ws: Workspace, token: str | None) -> None:
    """Close the session of a cookie's token (nothing happens when there is none)."""
    if token:
        with ws.store.transaction() as conn:
            repository.close_session(conn, token)


def password_link_account(ws: Workspace, token: str, *, now: dt.datetime | None = None) -> Account:
    """The account a one-time link may set the password of; InputError when the link is not valid."""
    with ws.store.transaction() as conn:
        return repository.link_account(conn, token, now=_now(now))


def set_password(ws: Workspace, token: str, password: str, *, now: dt.datetime | None = None) -> Account:
    """Set a password through a one-time link (used up; every session of the account is closed)."""
    with ws.store.transaction() as conn:
        return repository.set_password(conn, token, password, now=_now(now))


# --- the demo's accounts --------------------------------------------------------------------------

_DEMO_NAMES = (
    "Marie Dupont", "Julien Martin", "Sophie Bernard", "Thomas Petit", "Claire Robert", "Nicolas Richard",
    "Émilie Durand", "Antoine Moreau", "Camille Laurent", "Hugo Simon", "Léa Michel", "Paul Lefebvre",
    "Chloé Garnier", "Louis Faure", "Manon Girard", "Lucas Roux",
)  # fmt: skip


@dataclass(frozen=True)
class DemoAccount:
    """A demo account and how to sign in with it."""

    email: str
    display_name: str
    who: str
    kind: str
    password: str


@dataclass(frozen=True)
class DemoAccounts:
    """The demo's accounts, all with one password, and the address the demo is served at."""

    accounts: list[DemoAccount]
    address: str

    @property
    def password(self) -> str:
        return self.accounts[0].password if self.accounts else ""


def demo_accounts(ws: Workspace, *, address: str = "", now: dt.datetime | None = None) -> DemoAccounts:
    """Accounts for trying the application on the demo store: the coordinator, a committee member,
    and one technician for each kind of structure (the first structure of that kind, by id).

    They share one password, random for each demo, printed with the addresses.
    """
    import secrets

    at = _now(now)
    password = secrets.token_urlsafe(9)
    first_of_kind: dict[str, str] = {}
    for structure_id, spec in sorted(ws.network.rules.structures.items()):
        first_of_kind.setdefault(str(spec.kind), structure_id)
    plan: list[tuple[str, str | None, str | None, str]] = [
        ("coordination@capactif.example", None, COORDINATOR, "coordinator"),
        ("comite@capactif.example", None, COMMITTEE, "committee"),
    ]
    for kind, structure_id in sorted(first_of_kind.items()):
        plan.append((f"{structure_id}@capactif.example", structure_id, None, kind))
    made = []
    with ws.store.transaction() as conn:
        for (email, structure, role, kind), name in zip(plan, _DEMO_NAMES, strict=False):
            account = repository.add_account(
                conn, email=email, display_name=name, structure=structure, role=role, now=at
            )
            repository.set_password_directly(conn, account.id, password, now=at)
            made.append(DemoAccount(email, name, structure or role or "", kind, password))
    return DemoAccounts(made, address)
