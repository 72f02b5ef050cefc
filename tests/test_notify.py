"""``capactif notify`` against a real SMTP server (aiosmtpd on 127.0.0.1), on SQLite and PostgreSQL.

A fiche received by cma-63 (on the fiche: it sees the porteur) is suggested to cma-63 as référent and
to pfil-ambert as support (not on the fiche: it must never see the porteur's name); cci-thiers has
nothing to do with it.  The tests check who receives what, the privacy rule, the reminder delays at
day boundaries (day 8 vs day 9), that a second run sends nothing, and that a refused or dropped
message makes the run fail (exit 1) and is sent by the next run.
"""

from __future__ import annotations

import datetime as dt
import email
import json
import socket
import textwrap
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from cli import main
from engine.notify.plan import reminder_step
from engine.store import db
from engine.store.schema import fiche_suggestions

NAME = "Philomène Tartempion"
FICHE = f"""\
received: {{received}}
received_by: cma-63
summary: {NAME} ouvre une boulangerie
porteur: {{{{name: {NAME}, email: philomene@example.org, consent_network: false}}}}
commune: Ambert
kind: creation
naf: 10.71C
needs: [business_plan, honour_loan]
"""
CMA = "marie@cma63.example"
PFIL = "paul@pfil-ambert.example"
CCI = "claire@cci-thiers.example"
ELU = "elu@comite.example"
COORD = "coordination@capactif.example"


class Inbox:
    """An aiosmtpd handler that keeps every message, refuses some recipients, or drops the connection."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()
        self.drop: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if set(envelope.rcpt_tos) & self.drop:
            server.transport.close()  # the connection is gone before the server answers
            return "451 dropped"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["X-Envelope-To"] == address]

    def take(self) -> list[email.message.EmailMessage]:
        out, self.messages = self.messages, []
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def body(message: email.message.EmailMessage) -> str:
    """Every part's text (plain and HTML), decoded, with the subject."""
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


@pytest.fixture
def seeded(store_url, tmp_path, smtp):
    """The store with the fiche, its suggestion, and the accounts; the env to run capactif with."""
    inbox, port = smtp
    env = {
        "CAPACTIF_HOME": str(tmp_path / "home"),
        "CAPACTIF_DB": store_url,
        "CAPACTIF_AS": "",
        "CAPACTIF_BASE_URL": "https://capactif.example.org",
        "CAPACTIF_SMTP_HOST": "127.0.0.1",
        "CAPACTIF_SMTP_PORT": str(port),
        "CAPACTIF_SMTP_SECURITY": "none",
        "CAPACTIF_SMTP_FROM": "Cap Actif <capactif@example.org>",
        "CAPACTIF_SMTP_CONFIG": "",
    }
    path = tmp_path / "fiche.yaml"
    path.write_text(textwrap.dedent(FICHE.format(received=dt.date.today().isoformat())), encoding="utf-8")

    def ok(*args: str) -> str:
        result = CliRunner().invoke(main, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    [added] = json.loads(ok("fiche", "add", str(path), "--as", "cma-63", "--format", "json"))
    people = (
        (CMA, "Marie", ["--structure", "cma-63"]),
        (PFIL, "Paul", ["--structure", "pfil-ambert"]),
        (CCI, "Claire", ["--structure", "cci-thiers"]),
        (ELU, "Jean", ["--role", "committee"]),
        (COORD, "Lucie", ["--role", "coordinator"]),
    )
    for address, name, who in people:
        ok("user", "add", address, "--name", name, *who, "--as", "coordinator")
    assert sorted(m["X-Envelope-To"] for m in inbox.take()) == sorted(a for a, _, _ in people)  # their links
    store = db.open_store(store_url)
    with store.transaction() as conn:
        asked = dict(
            conn.execute(
                select(fiche_suggestions.c.structure, fiche_suggestions.c.since).where(
                    fiche_suggestions.c.fiche_id == added["fiche"]
                )
            ).all()
        )
    store.dispose()
    assert set(asked) == {"cma-63", "pfil-ambert"}
    since = asked["cma-63"]
    since = since if isinstance(since, dt.date) else dt.date.fromisoformat(str(since)[:10])
    return {"env": env, "fiche": added["fiche"], "since": since, "inbox": inbox, "dir": tmp_path}


def notify(seeded, day: int, *extra: str) -> tuple[int, dict]:
    """Run notify as the coordinator ``day`` days after the suggestion; (exit code, JSON report)."""
    as_of = (seeded["since"] + dt.timedelta(days=day)).isoformat()
    result = CliRunner().invoke(
        main, ["notify", "--as", "coordinator", "--as-of", as_of, "--format", "json", *extra], env=seeded["env"]
    )
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_each_structure_gets_its_own_digest_with_names_only_where_allowed(seeded):
    """Day 1: cma-63 (on the fiche) and pfil-ambert (asked to support) are told, the committee gets its
    summary; the porteur's name reaches cma-63 only — never pfil-ambert, the committee or cci-thiers."""
    code, report = notify(seeded, 1, "--only", "cma-63")
    assert code == 0 and [m["recipient"] for m in report["messages"]] == [CMA]
    code, report = notify(seeded, 1)
    inbox = seeded["inbox"]
    assert code == 0
    assert sorted(m["recipient"] for m in report["messages"]) == sorted([PFIL, ELU])
    [cma] = inbox.to(CMA)
    [pfil] = inbox.to(PFIL)
    [elu] = inbox.to(ELU)
    assert inbox.to(CCI) == [] and inbox.to(COORD) == []
    assert NAME in body(cma) and seeded["fiche"] in body(cma)
    assert f"https://capactif.example.org/fiches/{seeded['fiche']}" in body(cma)
    assert "À faire" in str(cma["Subject"]) or "à faire" in str(cma["Subject"])
    assert NAME not in body(pfil) and "Philom" not in body(pfil) and "Tartempion" not in body(pfil)
    assert seeded["fiche"] in body(pfil) and "structure d'appui" in body(pfil)
    assert NAME not in body(elu) and "Tartempion" not in body(elu) and seeded["fiche"] not in body(elu)
    for message in (cma, pfil, elu):
        assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None
        assert "Vous recevez ce message parce que" in body(message)
        assert message["Auto-Submitted"] == "auto-generated"
    # the name sent to cma-63 is in the access log, by e-mail
    audit = CliRunner().invoke(main, ["audit", seeded["fiche"], "--as", "coordinator", "--format", "json"],
                               env=seeded["env"])  # fmt: skip
    entries = json.loads(audit.stdout)["entries"]
    assert [(e["actor"], e["via"]) for e in entries if e["via"] == "email"] == [("cma-63", "email")]


def test_reminders_at_day_boundaries_and_a_second_run_sends_nothing(seeded):
    """Day 0 nothing, day 1 the new request, day 8 nothing more, day 9 the first reminder, then day 21;
    each run twice: the second sends nothing."""
    inbox = seeded["inbox"]
    only = ("--only", "pfil-ambert")
    assert notify(seeded, 0, *only)[1]["messages"] == []
    for day, expected in ((1, "nouvelle demande"), (8, None), (9, "relance n° 1"), (20, None), (21, "relance n° 2")):
        code, _report = notify(seeded, day, *only)
        received = inbox.take()
        if expected is None:
            assert received == [], day
        else:
            [message] = received
            assert expected in body(message), (day, body(message))
            assert "depuis 9 jours" in body(message) if day == 9 else True
        again = notify(seeded, day, *only)[1]
        assert again["messages"] == [] and inbox.take() == [], day
        assert code == 0


def test_a_missed_fortnight_sends_one_reminder_not_three(seeded):
    """A first run on day 22 tells pfil-ambert once (the reminder at 21 days), not at 0, 9 and 21."""
    notify(seeded, 22, "--only", "pfil-ambert")
    [message] = seeded["inbox"].take()
    assert "relance n° 2" in body(message) and "relance n° 1" not in body(message)


def test_a_refused_recipient_fails_the_run_and_the_next_run_sends_it(seeded):
    """550 on RCPT for one address: exit 1, the failure reported, the others sent; next run: only it."""
    inbox = seeded["inbox"]
    inbox.refuse.add(PFIL)
    code, report = notify(seeded, 1)
    assert code == 1
    [failed] = [m for m in report["messages"] if m["status"] == "failed"]
    assert failed["recipient"] == PFIL and "550" in failed["error"]
    assert {m["X-Envelope-To"] for m in inbox.take()} == {CMA, ELU}
    inbox.refuse.clear()
    code, report = notify(seeded, 1)
    assert code == 0 and [(m["recipient"], m["status"]) for m in report["messages"]] == [(PFIL, "sent")]
    assert [m["X-Envelope-To"] for m in inbox.take()] == [PFIL]
    assert notify(seeded, 1) == (0, notify(seeded, 1)[1]) and inbox.take() == []


def test_a_dropped_connection_fails_the_run_and_the_next_run_sends_it(seeded):
    """The server drops the connection during one message: exit 1; the next messages still go (a new
    connection), and the next run sends the one that was lost."""
    inbox = seeded["inbox"]
    inbox.drop.add(CMA)
    code, report = notify(seeded, 1)
    assert code == 1
    assert [m["recipient"] for m in report["messages"] if m["status"] == "failed"] == [CMA]
    assert CMA not in {m["X-Envelope-To"] for m in inbox.take()}
    inbox.drop.clear()
    code, report = notify(seeded, 1)
    assert code == 0 and [m["recipient"] for m in report["messages"]] == [CMA]
    [message] = inbox.take()
    assert NAME in body(message)


def test_no_server_at_all_fails_and_nothing_is_lost(seeded):
    """Nobody listens on the port: every message fails (exit 1); with the server back, all are sent."""
    env = dict(seeded["env"], CAPACTIF_SMTP_PORT=str(free_port()))
    as_of = (seeded["since"] + dt.timedelta(days=1)).isoformat()
    result = CliRunner().invoke(main, ["notify", "--as", "coordinator", "--as-of", as_of], env=env)
    assert result.exit_code == 1 and "échec" in result.output and "connexion au serveur impossible" in result.output
    code, report = notify(seeded, 1)
    assert code == 0 and sorted(m["recipient"] for m in report["messages"]) == sorted([CMA, PFIL, ELU])


def test_dry_run_writes_eml_files_and_records_nothing(seeded):
    """--dry-run DIR: one .eml per message, owner-only, nothing sent; a real run afterwards sends them all."""
    out = seeded["dir"] / "mails"
    code, report = notify(seeded, 1, "--dry-run", str(out))
    files = sorted(out.glob("*.eml"))
    assert code == 0 and report["dry_run"] and len(files) == 3
    assert seeded["inbox"].take() == []
    for path in files:
        assert path.stat().st_mode & 0o077 == 0
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert (NAME in body(message)) == (message["To"].addresses[0].addr_spec == CMA)
    code, report = notify(seeded, 1)
    assert len(report["messages"]) == 3 and len(seeded["inbox"].take()) == 3


def test_the_coordinator_is_told_what_nobody_answered_after_the_last_reminder(seeded):
    """At 45 days the last reminder; 7 days later the coordinator gets the fiche with the porteur's name."""
    notify(seeded, 51, "--only", "coordinator")
    assert seeded["inbox"].take() == []
    notify(seeded, 52, "--only", "coordinator")
    [message] = seeded["inbox"].take()
    assert message["X-Envelope-To"] == COORD
    assert NAME in body(message) and "cma-63" in body(message) and "pfil-ambert" in body(message)
    notify(seeded, 53, "--only", "coordinator")
    assert seeded["inbox"].take() == []


def test_only_the_coordinator_runs_it_and_without_smtp_it_says_what_to_set(seeded):
    result = CliRunner().invoke(main, ["notify", "--as", "cma-63"], env=seeded["env"])
    assert result.exit_code == 2 and "coordination" in result.output
    env = dict(seeded["env"], CAPACTIF_SMTP_HOST="")
    result = CliRunner().invoke(main, ["notify", "--as", "coordinator"], env=env)
    assert result.exit_code == 2 and "CAPACTIF_SMTP_HOST" in result.output
    result = CliRunner().invoke(main, ["notify", "--as", "coordinator", "--only", "cma63"], env=seeded["env"])
    assert result.exit_code == 2 and "cma-63" in result.output


@given(st.integers(min_value=-5, max_value=400), st.lists(st.integers(1, 120), min_size=1, max_size=5, unique=True))
def test_the_reminder_due_is_the_latest_delay_reached(days, delays):
    """Nothing on the day of the suggestion (or before); then rank 0 until the first delay, and the
    latest delay reached afterwards — day N counts."""
    delays = sorted(delays)
    asked = dt.date(2026, 3, 1)
    step = reminder_step(asked, asked + dt.timedelta(days=days), delays)
    if days < 1:
        assert step is None
        return
    assert step is not None
    rank, delay = step
    reached = [d for d in delays if d <= days]
    assert delay == (reached[-1] if reached else 0) and rank == len(reached)


def test_smtp_settings_from_a_private_file_never_a_world_readable_one(tmp_path: Path):
    from engine.errors import InputError
    from engine.notify.mail import smtp_settings

    path = tmp_path / "smtp.toml"
    path.write_text('[smtp]\nhost = "mail.example.org"\nuser = "cap"\npassword = "s3cret"\nfrom = "cap@example.org"\n')
    path.chmod(0o600)
    settings = smtp_settings({"CAPACTIF_SMTP_CONFIG": str(path)})
    assert settings is not None and (settings.port, settings.security, settings.password) == (587, "starttls", "s3cret")
    assert "s3cret" not in repr(settings)
    assert smtp_settings({"CAPACTIF_SMTP_CONFIG": str(path), "CAPACTIF_SMTP_PORT": "2525"}).port == 2525  # type: ignore[union-attr]
    path.chmod(0o644)
    with pytest.raises(InputError) as refused:
        smtp_settings({"CAPACTIF_SMTP_CONFIG": str(path)})
    assert "chmod 600" in str(refused.value.lines())
    with pytest.raises(InputError) as bad:
        smtp_settings({"CAPACTIF_SMTP_HOST": "h", "CAPACTIF_SMTP_SECURITY": "ssl3", "CAPACTIF_SMTP_PORT": "x"})
    assert len(bad.value.problems) == 3  # security, port, no sender
    assert smtp_settings({}) is None


def test_each_local_network_gets_its_agenda_days_before_the_meeting_once_without_names(seeded):
    """5 days before the monthly meeting (not 6), each local network's technicians get its agenda
    (cma-63 meets in thiers and ambert: two), with the fiche to share out but no porteur's name."""
    from engine.agenda.meeting import Meeting

    since = seeded["since"]
    year, month = since.year, since.month
    while True:
        meeting = Meeting(year, month)
        if meeting.day - dt.timedelta(days=5) > since:
            break
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    day = (meeting.day - dt.timedelta(days=5) - since).days
    inbox = seeded["inbox"]
    notify(seeded, day - 1, "--only", "agenda")
    assert inbox.take() == []
    notify(seeded, day, "--only", "agenda")
    received = inbox.take()
    by = sorted((m["X-Envelope-To"], str(m["Subject"]).split("du ", 1)[1].split(" du ")[0]) for m in received)
    assert by == sorted([(CMA, "Réseau local d'Ambert"), (CMA, "Réseau local de Thiers"),
                         (PFIL, "Réseau local d'Ambert"), (CCI, "Réseau local de Thiers")]), by  # fmt: skip
    for message in received:
        assert message["X-Capactif-Kind"] == "agenda"
        assert NAME not in body(message) and "Tartempion" not in body(message)
    [ambert] = [m for m in received if m["X-Envelope-To"] == PFIL]
    assert seeded["fiche"] in body(ambert)
    notify(seeded, day + 1, "--only", "agenda")
    assert inbox.take() == []


def test_the_agenda_e_mailed_is_french_whatever_the_coordinators_lang(seeded):
    """The technicians read French: ``notify --lang en`` still mails the agenda's own words in French."""
    from engine.agenda.meeting import Meeting

    since = seeded["since"]
    year, month = since.year, since.month
    while (meeting := Meeting(year, month)).day - dt.timedelta(days=5) <= since:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    day = (meeting.day - dt.timedelta(days=5) - since).days
    as_of = (since + dt.timedelta(days=day)).isoformat()
    result = CliRunner().invoke(
        main, ["--lang", "en", "notify", "--as", "coordinator", "--as-of", as_of, "--only", "agenda"], env=seeded["env"]
    )
    assert result.exit_code == 0, result.output
    received = seeded["inbox"].take()
    assert received
    english = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")  # fmt: skip
    for message in received:
        text = body(message)
        assert not [w for w in english if w in text], text


def test_a_claimed_line_is_not_claimed_again_until_it_fails(store):
    """Claim-then-send: a second claim of the same line holds nothing (another run is sending it); a
    failed line is claimed again, once; the table refuses a duplicate row outright."""
    from sqlalchemy.exc import IntegrityError

    from engine.notify import ledger
    from engine.notify.model import Key
    from engine.notify.tables import notifications

    now = dt.datetime(2026, 12, 1, 7, 30, tzinfo=dt.UTC)
    keys = [Key("suggestion", "F-2026-0001:lead", "2026-11-30+9"), Key("alert", "F-2026-0001:stalled", "2026-10-01")]
    with store.transaction() as conn:
        assert ledger.claim(conn, CMA, keys, now=now) == keys
    with store.transaction() as conn:
        assert ledger.claim(conn, CMA, keys, now=now) == []
        assert ledger.claim(conn, PFIL, keys[:1], now=now) == keys[:1]  # another address: its own line
        ledger.settle(conn, CMA, keys[:1], sent=False, now=now, error="550 mailbox unavailable")
        ledger.settle(conn, CMA, keys[1:], sent=True, now=now)
    with store.transaction() as conn:
        assert ledger.pending(conn, CMA, keys, now=now) == keys[:1]
        assert ledger.claim(conn, CMA, keys, now=now) == keys[:1]
        assert ledger.claim(conn, CMA, keys, now=now) == []
    later = now + ledger.STALE_AFTER + dt.timedelta(minutes=1)
    with store.transaction() as conn:  # the run that claimed it died: an hour later it is claimed again
        assert ledger.claim(conn, CMA, keys, now=later) == keys[:1]
    with pytest.raises(IntegrityError), store.transaction() as conn:
        row = {"recipient": CMA, "kind": "alert", "content_key": "F-2026-0001:stalled", "period": "2026-10-01",
               "status": "sending", "attempts": 1, "claimed_at": now}  # fmt: skip
        conn.execute(notifications.insert(), [row])


def test_the_migration_creates_the_table_the_code_describes(store):
    """Alembic's comparison of the migrated database and engine/notify/tables.py finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import engine.accounts.tables
    import engine.audit.tables
    import engine.decisions.tables
    import engine.notify.tables
    import engine.offers.tables
    import engine.published.tables  # noqa: F401  (every table, so that every foreign key resolves)
    from engine.store.schema import metadata

    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert [d for d in diffs if "notifications" in repr(d)] == []


def test_the_charter_reminders_must_increase(tmp_path):
    """notify.reminders: increasing delays of at least a day; a mistake is located in the file."""
    from engine import paths
    from engine.charter import load_charter
    from engine.errors import CharterError

    text = (paths.bundled("charter") / "commitments.yaml").read_text(encoding="utf-8")
    assert load_charter(paths.bundled("charter")).reminder_days == (9, 21, 45)
    for wrong, says in (("[21, 9]", "croissants"), ("[9, 0]", "au moins 1")):
        (tmp_path / "commitments.yaml").write_text(text.replace("reminders: [9, 21, 45]", f"reminders: {wrong}"))
        with pytest.raises(CharterError) as bad:
            load_charter(tmp_path)
        [line] = bad.value.lines()
        assert line.startswith(f"{tmp_path.name}/commitments.yaml:") and says in line, line


def test_user_add_and_reset_email_the_one_time_link(seeded):
    """With SMTP configured, user add and user reset e-mail the printed link to the account's address
    (and the link works once, as printed); a refusing server: the link is printed, exit 1."""
    inbox, env = seeded["inbox"], seeded["env"]
    added = CliRunner().invoke(main, ["user", "add", "nina@adie.example", "--name", "Nina", "--structure", "adie",
                                      "--as", "coordinator", "--format", "json"], env=env)  # fmt: skip
    assert added.exit_code == 0, added.output
    shown = json.loads(added.stdout)
    assert shown["emailed"]["sent"] is True and shown["link"].startswith("https://capactif.example.org/mot-de-passe/")
    [message] = inbox.take()
    assert message["X-Envelope-To"] == "nina@adie.example" and "mot de passe" in str(message["Subject"])
    assert shown["link"] in body(message) and "Vous recevez ce message parce que" in body(message)
    inbox.refuse.add("nina@adie.example")
    reset = CliRunner().invoke(main, ["user", "reset", "nina@adie.example", "--as", "coordinator"], env=env)
    assert reset.exit_code == 1 and "/mot-de-passe/" in reset.stdout and "550" in reset.stdout
    assert "transmettez-le vous-même" in reset.stdout
    assert inbox.take() == []


def test_two_runs_at_the_same_moment_send_each_message_once(seeded):
    """Two runs started together (two workspaces, as two machines over one store): every address gets
    its message exactly once, whichever run claimed it."""
    import threading

    from engine.app import Workspace, notify
    from engine.identity import Identity
    from engine.notify.mail import SmtpTransport, smtp_settings
    from engine.render.notify import compose

    env = seeded["env"]
    settings = smtp_settings(env)
    assert settings is not None
    day = seeded["since"] + dt.timedelta(days=1)
    barrier = threading.Barrier(2)
    runs: list[object] = []

    def one_run() -> None:
        with Workspace.open(db=env["CAPACTIF_DB"]) as ws:
            ws.network, ws.charter  # noqa: B018  (loaded before the race, so both runs start together)
            barrier.wait()
            done = notify.notify(
                ws,
                Identity.coordinator(),
                compose=compose,
                transport=SmtpTransport(settings),
                sender=settings.sender,
                base_url="https://capactif.example.org",
                as_of=day,
            )
            runs.append(done)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(runs) == 2
    received = sorted(m["X-Envelope-To"] for m in seeded["inbox"].take())
    assert received == sorted([CMA, PFIL, ELU])
    assert all(run.exit_code == 0 for run in runs)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), trusted through $SSL_CERT_FILE in the tests."""
    import subprocess

    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_with_a_login_checks_the_certificate_and_the_password(security, certificate, monkeypatch):
    """STARTTLS and implicit TLS: the server's certificate is checked (trusted: sent; untrusted: refused,
    nothing sent), the login is the environment's user and password (a wrong one: nothing sent)."""
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from engine.notify.mail import SendFailed, SmtpTransport, message, smtp_settings
    from engine.notify.model import Letter, Recipient

    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"cap", b"s3cret")
        return AuthResult(success=ok)

    inbox = Inbox()
    port = free_port()
    if security == "tls":
        controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=server_tls,
                                authenticator=authenticator, auth_require_tls=False)  # fmt: skip
    else:
        controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_tls,
                                require_starttls=True, authenticator=authenticator, auth_require_tls=False)  # fmt: skip
    controller.start()
    try:
        env = {
            "CAPACTIF_SMTP_HOST": "127.0.0.1",
            "CAPACTIF_SMTP_PORT": str(port),
            "CAPACTIF_SMTP_SECURITY": security,
            "CAPACTIF_SMTP_USER": "cap",
            "CAPACTIF_SMTP_PASSWORD": "s3cret",
            "CAPACTIF_SMTP_FROM": "cap@example.org",
        }
        recipient = Recipient(CMA, "Marie")
        msg = message(Letter("Sujet", "texte", "<p>texte</p>"), recipient, "test", "cap@example.org",
                      now=dt.datetime.now(dt.UTC))  # fmt: skip

        def send(environ: dict[str, str]) -> str:
            settings = smtp_settings(environ)
            assert settings is not None
            transport = SmtpTransport(settings)
            try:
                return transport.send(msg, CMA, "test")
            finally:
                transport.close()

        with pytest.raises(SendFailed):  # the certificate is not trusted by the system
            send(env)
        assert inbox.take() == []
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        assert send(env) == f"127.0.0.1:{port} ({security})"
        assert [m["X-Envelope-To"] for m in inbox.take()] == [CMA]
        with pytest.raises(SendFailed):  # a wrong password: refused (aiosmtpd then closes the session)
            send(dict(env, CAPACTIF_SMTP_PASSWORD="wrong"))
        assert inbox.take() == []
    finally:
        controller.stop()
