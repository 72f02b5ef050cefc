"""Every read and write of accounts, sessions, password links and the sign-in throttle.

Each function takes an open connection (the caller's transaction) and, where time matters, ``now``
(an aware UTC datetime): the application layer passes its clock, so tests move time forward
instead of waiting.  Tokens (sessions, password links) are random 256-bit values given to the
person once; the tables keep only their SHA-256, so a stolen database opens no session.

Sign-in throttling: after :data:`FREE_FAILURES` consecutive failures for one e-mail address, the
address is locked for one minute, then twice as long after each further failure, up to an hour;
while locked even the right password is refused (without being checked).  A success clears the
count; a count whose last failure is a day old starts again.  Addresses without an account are
counted the same way, so the answers never tell which addresses exist.

Per client IP too (:data:`IP_FREE_FAILURES`): whoever tries many addresses from one connection —
each below its own lock — is locked out from that connection the same way (1 min, doubling up to an
hour), with every address refused meanwhile.  A success does not clear that count (an attacker
holding one account could otherwise reset it between guesses); it starts again after
:data:`IP_FAILURES_FORGOTTEN_AFTER` without a failure.  The count shares the table of the addresses'
under the key ``IP:`` + the address: an upper-case key that no typed e-mail address (kept
lower-case) can name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, delete, insert, select, update

from engine.accounts import passwords
from engine.accounts.tables import EMAIL, account_sessions, accounts, password_links, sign_in_failures
from engine.errors import AccessDenied, InputError, NotFound, excerpt
from engine.i18n import _
from engine.identity import ROLES, Identity

FREE_FAILURES = 5
FIRST_LOCK = dt.timedelta(minutes=1)
LONGEST_LOCK = dt.timedelta(hours=1)
FAILURES_FORGOTTEN_AFTER = dt.timedelta(days=1)
IP_FREE_FAILURES = 20
IP_FAILURES_FORGOTTEN_AFTER = dt.timedelta(minutes=15)
LINK_VALID_FOR = dt.timedelta(days=7)
SESSION_IDLE = dt.timedelta(hours=2)
SESSION_LONGEST = dt.timedelta(hours=12)
SEEN_EVERY = dt.timedelta(minutes=1)  # last_seen is written at most this often (not on every page)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Account:
    """An account as the application shows it (never its password hash)."""

    id: int
    email: str
    display_name: str
    structure: str | None
    role: str | None
    disabled: bool
    has_password: bool
    created_at: dt.datetime

    def identity(self) -> Identity:
        """The caller this account signs in as: its structure or its role, with its id and name."""
        return Identity(self.structure or self.role, str(self.id), self.display_name)

    @property
    def who(self) -> str:
        """The structure or role the account acts as."""
        return self.structure or self.role or ""

    def to_dict(self) -> dict[str, Any]:
        """``email``, ``name``, ``structure``, ``role``, ``disabled``, ``password_set`` (docs/web.md)."""
        return {
            "email": self.email,
            "name": self.display_name,
            "structure": self.structure,
            "role": self.role,
            "disabled": self.disabled,
            "password_set": self.has_password,
        }


class SignInRefused(AccessDenied):
    """A sign-in that did not succeed; the message says what to do, never whether the address exists."""

    def __init__(self, message: str, locked_until: dt.datetime | None = None, *, counted: bool = True) -> None:
        super().__init__(message)
        self.locked_until = locked_until
        #: Whether it counts against the client's throttle (a guess); a disabled account's right password does not.
        self.counted = counted


def utc(value: dt.datetime) -> dt.datetime:
    """An aware UTC datetime (SQLite returns naive ones for ``DateTime(timezone=True)``)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def digest(token: str) -> str:
    """What the tables keep of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A random 256-bit token, URL-safe."""
    return secrets.token_urlsafe(32)


def normalize_email(text: str) -> str:
    """The address as stored (trimmed, lower-case); InputError when it is not one."""
    email = (text or "").strip().lower()
    if not email:
        raise InputError(_("e-mail: the address is missing"))
    if len(email) > EMAIL or not _EMAIL.match(email):
        raise InputError(
            _("e-mail: '{email}' is not an e-mail address (like marie.dupont@cma63.fr)").format(email=excerpt(text))
        )
    return email


def _account(row: Row[Any]) -> Account:
    return Account(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        structure=row.structure,
        role=row.role,
        disabled=bool(row.disabled),
        has_password=row.password_hash is not None,
        created_at=utc(row.created_at),
    )


# --- accounts --------------------------------------------------------------------------------------


def add_account(
    conn: Connection,
    *,
    email: str,
    display_name: str,
    structure: str | None = None,
    role: str | None = None,
    now: dt.datetime,
) -> Account:
    """A new account, without a password (give the person a link from :func:`new_password_link`)."""
    address = normalize_email(email)
    name = (display_name or "").strip()
    problems = []
    if not name:
        problems.append(_("name: the person's name is missing (as colleagues know them: Marie Dupont)"))
    if (structure is None) == (role is None):
        problems.append(_("an account is either a structure's technician or a role (coordinator, committee), not both"))
    if role is not None and role not in ROLES:
        problems.append(_("role: unknown role '{role}' (expected coordinator or committee)").format(role=role))
    if problems:
        raise InputError("\n".join(problems))
    if conn.execute(select(accounts.c.id).where(accounts.c.email == address)).first():
        raise InputError(_("e-mail: an account already uses {email}").format(email=address))
    account_id: int = conn.execute(
        insert(accounts)
        .values(
            email=address,
            display_name=name,
            structure=structure,
            role=role,
            disabled=False,
            password_hash=None,
            created_at=now,
            updated_at=now,
        )
        .returning(accounts.c.id)
    ).scalar_one()
    return get_account(conn, account_id)


def get_account(conn: Connection, key: int | str) -> Account:
    """The account with this id or e-mail address; NotFound otherwise."""
    column = accounts.c.id if isinstance(key, int) else accounts.c.email
    value = key if isinstance(key, int) else normalize_email(key)
    row = conn.execute(select(accounts).where(column == value)).first()
    if row is None:
        raise NotFound(_("no account has the e-mail address {email}").format(email=value))
    return _account(row)


def list_accounts(conn: Connection) -> list[Account]:
    """Every account, by e-mail address."""
    return [_account(r) for r in conn.execute(select(accounts).order_by(accounts.c.email))]


def accounts_by_id(conn: Connection, ids: set[int]) -> dict[int, Account]:
    """The accounts with these ids (the access log names them)."""
    if not ids:
        return {}
    return {r.id: _account(r) for r in conn.execute(select(accounts).where(accounts.c.id.in_(sorted(ids))))}


def set_disabled(conn: Connection, account_id: int, disabled: bool, *, now: dt.datetime) -> None:
    """Disable (or enable again) an account; disabling closes its sessions and voids its links."""
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(disabled=disabled, updated_at=now))
    if disabled:
        revoke_sessions(conn, account_id)
        conn.execute(
            update(password_links)
            .where(password_links.c.account_id == account_id, password_links.c.used_at.is_(None))
            .values(used_at=now)
        )


# --- password links ------------------------------------------------------------------------------


def new_password_link(conn: Connection, account_id: int, *, now: dt.datetime) -> str:
    """A one-time token to set the account's password (earlier unused links stop working)."""
    conn.execute(
        update(password_links)
        .where(password_links.c.account_id == account_id, password_links.c.used_at.is_(None))
        .values(used_at=now)
    )
    token = new_token()
    conn.execute(
        insert(password_links).values(
            id=digest(token), account_id=account_id, created_at=now, expires_at=now + LINK_VALID_FOR, used_at=None
        )
    )
    return token


def link_account(conn: Connection, token: str, *, now: dt.datetime) -> Account:
    """The account a valid, unused link belongs to; InputError when the link cannot be used."""
    row = conn.execute(
        select(password_links, accounts.c.disabled)
        .join(accounts, accounts.c.id == password_links.c.account_id)
        .where(password_links.c.id == digest(token or ""))
    ).first()
    if row is None or row.used_at is not None or row.disabled or utc(row.expires_at) <= now:
        raise InputError(
            _(
                "this link to set a password is not valid any more (already used, replaced or older than "
                "{days} days): ask the coordinator for a new one"
            ).format(days=LINK_VALID_FOR.days)
        )
    return get_account(conn, row.account_id)


def set_password(conn: Connection, token: str, password: str, *, now: dt.datetime) -> Account:
    """Set the password through a one-time link: the link is used up, the account's sessions closed."""
    account = link_account(conn, token, now=now)
    passwords.check_strength(password, email=account.email)
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account.id)
        .values(password_hash=passwords.hash_password(password), updated_at=now)
    )
    conn.execute(update(password_links).where(password_links.c.id == digest(token)).values(used_at=now))
    revoke_sessions(conn, account.id)
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.email == account.email))
    return get_account(conn, account.id)


# --- signing in ----------------------------------------------------------------------------------


def client_key(client: str) -> str:
    """The throttle's key for a client IP (upper-case ``IP:``: never an e-mail address, see above)."""
    return ("IP:" + client.strip())[:EMAIL]


def authenticate(
    conn: Connection, email: str, password: str, *, now: dt.datetime, client: str | None = None
) -> Account:
    """The account whose e-mail and password these are; :class:`SignInRefused` otherwise.

    Throttled per address, and per ``client`` IP when given (see the module docstring).  The message
    for a wrong address and a wrong password is the same.
    """
    if not client:
        return _authenticate(conn, email, password, now=now)
    key = client_key(client)
    throttle = conn.execute(select(sign_in_failures).where(sign_in_failures.c.email == key)).first()
    if throttle is not None and throttle.locked_until is not None and utc(throttle.locked_until) > now:
        raise _client_locked(utc(throttle.locked_until), now)
    try:
        return _authenticate(conn, email, password, now=now)
    except SignInRefused as exc:
        if not exc.counted:
            raise
        locked_until = _record_failure(
            conn, key, throttle, now, free=IP_FREE_FAILURES, forgotten_after=IP_FAILURES_FORGOTTEN_AFTER
        )
        if locked_until is not None:
            raise _client_locked(locked_until, now) from None
        raise


def _authenticate(conn: Connection, email: str, password: str, *, now: dt.datetime) -> Account:
    try:
        address = normalize_email(email)
    except InputError:  # counted like any wrong address; never a NUL or control character sent to the database
        address = "".join(c for c in (email or "").strip().lower() if c.isprintable())[:EMAIL]
    throttle = conn.execute(select(sign_in_failures).where(sign_in_failures.c.email == address)).first()
    if throttle is not None and throttle.locked_until is not None and utc(throttle.locked_until) > now:
        raise _locked(utc(throttle.locked_until), now)
    row = conn.execute(select(accounts).where(accounts.c.email == address)).first()
    if not passwords.verify(row.password_hash if row is not None else None, password or ""):
        locked_until = _record_failure(conn, address, throttle, now)
        if locked_until is not None:
            raise _locked(locked_until, now)
        raise SignInRefused(
            _(
                "wrong e-mail address or password: check both and try again (forgotten password: "
                "ask the coordinator for a new link)"
            )
        )
    assert row is not None
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.email == address))
    if row.disabled:
        raise SignInRefused(_("this account is disabled: ask the coordinator if you need it again"), counted=False)
    if passwords.needs_rehash(row.password_hash):
        new_hash = passwords.hash_password(password)
        conn.execute(update(accounts).where(accounts.c.id == row.id).values(password_hash=new_hash))
    return _account(row)


def _record_failure(
    conn: Connection,
    address: str,
    throttle: Row[Any] | None,
    now: dt.datetime,
    *,
    free: int = FREE_FAILURES,
    forgotten_after: dt.timedelta = FAILURES_FORGOTTEN_AFTER,
) -> dt.datetime | None:
    """Count one more failure for ``address`` (or a client's key); the time it is locked until, when it now is."""
    fresh = throttle is None or now - utc(throttle.last_failure) > forgotten_after
    failures = 1 if fresh or throttle is None else throttle.failures + 1
    locked_until = None
    if failures >= free:
        lock = min(FIRST_LOCK * 2 ** min(failures - free, 16), LONGEST_LOCK)
        locked_until = now + lock
    values = {"failures": failures, "last_failure": now, "locked_until": locked_until}
    if throttle is None:
        conn.execute(insert(sign_in_failures).values(email=address, **values))
    else:
        conn.execute(update(sign_in_failures).where(sign_in_failures.c.email == address).values(**values))
    return locked_until


def _client_locked(until: dt.datetime, now: dt.datetime) -> SignInRefused:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return SignInRefused(
        _(
            "too many failed sign-ins from this connection: try again in {minutes} min (or ask the coordinator "
            "for a new link if the password is forgotten)"
        ).format(minutes=minutes),
        locked_until=until,
    )


def _locked(until: dt.datetime, now: dt.datetime) -> SignInRefused:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return SignInRefused(
        _(
            "too many failed sign-ins with this address: try again in {minutes} min (or ask the coordinator "
            "for a new link if the password is forgotten)"
        ).format(minutes=minutes),
        locked_until=until,
    )


# --- sessions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A signed-in session: its account and the CSRF token its forms carry."""

    account: Account
    csrf_token: str


def open_session(conn: Connection, account_id: int, *, now: dt.datetime) -> tuple[str, Session]:
    """A new session for the account: the token for the cookie, and the session."""
    token = new_token()
    csrf = secrets.token_urlsafe(32)
    conn.execute(
        insert(account_sessions).values(
            id=digest(token), account_id=account_id, csrf_token=csrf, created_at=now, last_seen=now
        )
    )
    return token, Session(get_account(conn, account_id), csrf)


#: A session and its account by the token's digest: built once (every request of the web runs it, and
#: building a statement costs more than SQLite takes to answer it).  A caller may add columns to it.
RESUME = (
    select(
        account_sessions.c.csrf_token,
        account_sessions.c.last_seen,
        account_sessions.c.created_at.label("session_created"),
        accounts,
    )
    .join(accounts, accounts.c.id == account_sessions.c.account_id)
    .where(account_sessions.c.id == bindparam("key"))
)


@dataclass(frozen=True)
class Resumed:
    """What a session's token opens now, and the one write it asks for (done by :func:`settle_session`)."""

    session: Session | None  # None: no open session for this token
    row: Row | None = None  # what was read (with any column the caller's statement added)
    close: bool = False  # the session is over (idle, too old, account disabled): delete it
    seen: bool = False  # still open, last seen more than SEEN_EVERY ago: move last_seen


def look_up_session(
    conn: Connection,
    token: str,
    *,
    now: dt.datetime,
    idle: dt.timedelta = SESSION_IDLE,
    longest: dt.timedelta = SESSION_LONGEST,
    query: Select[Any] = RESUME,
) -> Resumed:
    """The session of a cookie's token, if it is still open (not idle too long, not too old, account enabled).

    Only reads (every request of the web runs it, in a read-only transaction); the write it may ask for
    is one statement, done apart by :func:`settle_session` — at most once a minute per session.
    ``query``: :data:`RESUME`, or :data:`RESUME` with columns added (read in the same round trip).
    """
    if not token:
        return Resumed(None)
    row = conn.execute(query, {"key": digest(token)}).first()
    if row is None:
        return Resumed(None)
    last_seen = utc(row.last_seen)
    if row.disabled or now - last_seen > idle or now - utc(row.session_created) > longest:
        return Resumed(None, row, close=True)
    return Resumed(Session(_account(row), row.csrf_token), row, seen=now - last_seen >= SEEN_EVERY)


def settle_session(conn: Connection, token: str, resumed: Resumed, *, now: dt.datetime) -> None:
    """The one statement :func:`look_up_session` asked for: delete a session that is over, or note when
    an open one was last seen (what the idle timeout counts from)."""
    key = digest(token)
    if resumed.close:
        conn.execute(delete(account_sessions).where(account_sessions.c.id == key))
    elif resumed.seen:
        conn.execute(update(account_sessions).where(account_sessions.c.id == key).values(last_seen=now))


def close_session(conn: Connection, token: str) -> None:
    """Sign out: the session is deleted (its cookie opens nothing any more)."""
    if token:
        conn.execute(delete(account_sessions).where(account_sessions.c.id == digest(token)))


def revoke_sessions(conn: Connection, account_id: int) -> int:
    """Close every session of an account; how many were open."""
    return conn.execute(delete(account_sessions).where(account_sessions.c.account_id == account_id)).rowcount


def set_password_directly(conn: Connection, account_id: int, password: str, *, now: dt.datetime) -> None:
    """Set a password without a link: only for the demo's accounts, whose password is printed."""
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(password_hash=passwords.hash_password(password), updated_at=now)
    )
