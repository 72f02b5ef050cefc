"""Sending: the SMTP settings, the MIME message of a letter, and where messages go (SMTP or ``.eml`` files).

The SMTP server is set by environment variables or a TOML file, never on the command line (a
password in a command line is in every ``ps`` listing and shell history)::

    CAPACTIF_SMTP_HOST      smtp.example.org        (no host: capactif does not send e-mail)
    CAPACTIF_SMTP_PORT      587                     (default: 587 for starttls, 465 for tls, 25 for none)
    CAPACTIF_SMTP_SECURITY  starttls | tls | none   (default: starttls)
    CAPACTIF_SMTP_USER      capactif@example.org
    CAPACTIF_SMTP_PASSWORD  …
    CAPACTIF_SMTP_FROM      Cap Actif <capactif@example.org>   (default: the user)
    CAPACTIF_SMTP_CONFIG    /etc/capactif/smtp.toml  (the same keys in an [smtp] table: host, port,
                            security, user, password, from; the environment wins over the file)

A file holding a password must be readable by its owner only (like ``~/.pgpass``), else it is refused.
Only the standard library speaks SMTP here (:mod:`smtplib`, :mod:`ssl` with the system's
certificates and host name checking).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import smtplib
import ssl
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from engine.errors import InputError, Problem
from engine.i18n import _
from engine.notify.model import Letter, Recipient

SECURITIES = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
TIMEOUT_SECONDS = 30
ENV_KEYS = {
    "host": "CAPACTIF_SMTP_HOST",
    "port": "CAPACTIF_SMTP_PORT",
    "security": "CAPACTIF_SMTP_SECURITY",
    "user": "CAPACTIF_SMTP_USER",
    "password": "CAPACTIF_SMTP_PASSWORD",
    "from": "CAPACTIF_SMTP_FROM",
}
CONFIG_ENV = "CAPACTIF_SMTP_CONFIG"


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send.  ``repr`` never shows the password."""

    host: str
    port: int
    security: str
    sender: str
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        return f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security!r}, sender={self.sender!r})"

    def describe(self) -> str:
        """``smtp.example.org:587 (starttls)``: for the run's report."""
        return f"{self.host}:{self.port} ({self.security})"


def _from_file(path: Path) -> dict[str, Any]:
    import tomllib

    source = str(path)
    try:
        mode = path.stat().st_mode
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            problems=[
                Problem(
                    source,
                    0,
                    0,
                    _("cannot read the SMTP settings: {reason}").format(reason=exc.strerror or type(exc).__name__),
                )
            ]
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            problems=[Problem(source, 0, 0, _("not a TOML file: {reason}").format(reason=str(exc).splitlines()[0]))]
        ) from None
    table = data.get("smtp", data)
    if not isinstance(table, dict):
        raise InputError(problems=[Problem(source, 0, 0, _("the SMTP settings go in an [smtp] table"))])
    if table.get("password") and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(
            problems=[
                Problem(
                    source, 0, 0, _("holds a password but others may read it: chmod 600 {path}").format(path=source)
                )
            ]
        )
    return {str(k): v for k, v in table.items()}


def smtp_settings(environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """The SMTP settings from the environment and ``$CAPACTIF_SMTP_CONFIG``; None when no host is set.

    Every problem at once (an unknown security, a port that is not a number, no sender).
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    where = {key: f"${var}" for key, var in ENV_KEYS.items()}
    config = env.get(CONFIG_ENV)
    if config:
        from_file = _from_file(Path(config).expanduser())
        unknown = sorted(set(from_file) - set(ENV_KEYS))
        if unknown:
            raise InputError(
                problems=[
                    Problem(
                        config,
                        0,
                        0,
                        _("unknown SMTP setting '{key}' (expected {keys})").format(key=k, keys=", ".join(ENV_KEYS)),
                    )
                    for k in unknown
                ]
            )
        values.update(from_file)
        where.update(dict.fromkeys(from_file, config))
    for key, var in ENV_KEYS.items():
        if env.get(var):
            values[key] = env[var]
            where[key] = f"${var}"
    host = str(values.get("host") or "").strip()
    if not host:
        return None
    problems = []
    security = str(values.get("security") or "starttls").strip().lower()
    if security not in SECURITIES:
        problems.append(
            Problem(
                where["security"],
                0,
                0,
                _("unknown SMTP security '{value}' (expected {choices})").format(
                    value=security, choices=", ".join(SECURITIES)
                ),
            )
        )
        security = "starttls"
    port = DEFAULT_PORTS[security]
    if values.get("port") not in (None, ""):
        try:
            port = int(values["port"])
            if not 1 <= port <= 65535:
                raise ValueError(port)
        except (TypeError, ValueError):
            problems.append(
                Problem(where["port"], 0, 0, _("'{value}' is not a port number").format(value=values["port"]))
            )
    user = str(values["user"]).strip() if values.get("user") else None
    password = str(values["password"]) if values.get("password") else None
    sender = str(values.get("from") or user or "").strip()
    if not sender or "@" not in parseaddr(sender)[1]:
        problems.append(
            Problem(
                where["from"],
                0,
                0,
                _("give the sender's address (CAPACTIF_SMTP_FROM), e.g. Cap Actif <capactif@example.org>"),
            )
        )
    if password and not user:
        problems.append(Problem(where["user"], 0, 0, _("a password without a user: set CAPACTIF_SMTP_USER too")))
    if problems:
        raise InputError(problems=problems)
    return SmtpSettings(host, port, security, sender, user, password)


# --- the message -------------------------------------------------------------------------------------


def message(letter: Letter, recipient: Recipient, kind: str, sender: str, *, now: dt.datetime) -> EmailMessage:
    """The MIME message: plain text and HTML alternatives, headers saying it is automatic."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = Address(display_name=recipient.name, addr_spec=recipient.address)
    msg["Subject"] = letter.subject
    msg["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid("capactif", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation reply loops
    msg["X-Capactif-Kind"] = kind
    msg.set_content(letter.text)
    msg.add_alternative(letter.html, subtype="html")
    return msg


# --- where messages go ----------------------------------------------------------------------------------


class SendFailed(Exception):
    """The server refused the message or the connection failed; ``reason`` is what it said (no data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Transport(Protocol):
    """Where a run's messages go."""

    #: True for ``--dry-run``: nothing leaves, the ledger is not written.
    dry_run: bool

    def send(self, msg: EmailMessage, address: str, label: str) -> str:
        """Deliver one message to ``address`` (raise :class:`SendFailed`); where it went, in a few words.
        ``label`` names the message in a file name (``structure-cma-63``)."""

    def close(self) -> None:
        """End the session with the server (if any)."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values()]
        return _("recipient refused: {answer}").format(answer="; ".join(codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        return _("server answered {code} {text}").format(
            code=exc.smtp_code,
            text=exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error),
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return _("the server closed the connection")
    if isinstance(exc, OSError):
        return _("cannot reach the server: {reason}").format(reason=exc.strerror or type(exc).__name__)
    return type(exc).__name__


class SmtpTransport:
    """One SMTP session for the run, opened on the first message and again after a failure."""

    dry_run = False

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
            if s.security == "starttls":
                smtp.starttls(context=context)
        if s.user and s.password:
            smtp.login(s.user, s.password)
        return smtp

    def send(self, msg: EmailMessage, address: str, label: str) -> str:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            refused = self._smtp.send_message(msg, to_addrs=[address])
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise SendFailed(_reason(exc)) from None
        if refused:  # only with several recipients; one address per message here
            raise SendFailed(_reason(smtplib.SMTPRecipientsRefused(refused)))
        return self.settings.describe()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class DirectoryTransport:
    """``--dry-run DIR``: each message written as ``DIR/NNN-kind-audience.eml`` (owner-only: they may
    hold porteurs' names), nothing sent, the ledger untouched."""

    dry_run = True

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    def send(self, msg: EmailMessage, address: str, label: str) -> str:
        from engine.paths import write_private

        self.directory.mkdir(parents=True, exist_ok=True)
        self.count += 1
        safe = "".join(c if c.isalnum() or c in "-." else "_" for c in address)
        path = self.directory / f"{self.count:03d}-{label}-{safe}.eml"
        write_private(path, msg.as_string())
        return str(path)

    def close(self) -> None:
        return None
