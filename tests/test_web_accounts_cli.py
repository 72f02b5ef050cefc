"""capactif user add/list/disable/enable/reset and capactif audit, on both backends.

The coordinator manages accounts from the command line; a new or reset account gets a one-time link
(printed); nobody else may; no password or hash is ever printed.  ``capactif audit`` shows the access
log of one fiche to the coordinator only.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from click.testing import CliRunner
from sqlalchemy import select

from cli import main
from engine.accounts.tables import accounts
from engine.app import Workspace, audit
from engine.identity import Identity
from engine.store import db

LINK = re.compile(r"http://[^\s]+/mot-de-passe/([A-Za-z0-9_-]{20,})")


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": "", "CAPACTIF_BASE_URL": ""})


def test_add_prints_a_one_time_link_and_list_shows_the_account(store_url):
    added = run("user", "add", "Marie.Dupont@CMA63.fr", "--name", "Marie Dupont", "--structure", "cma-63",
                "--as", "coordinator", "--db", store_url)  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "marie.dupont@cma63.fr" in added.output  # stored lower-case
    assert LINK.search(added.output)
    assert "http://127.0.0.1:8000/mot-de-passe/" in added.output
    listed = run("user", "list", "--as", "coordinator", "--db", store_url, "--format", "json")
    assert json.loads(listed.output) == [
        {"email": "marie.dupont@cma63.fr", "name": "Marie Dupont", "structure": "cma-63", "role": None,
         "disabled": False, "password_set": False},
    ]  # fmt: skip
    table = run("user", "list", "--as", "coordinator", "--db", store_url)
    assert "mot de passe à choisir" in table.output
    assert "1 compte." in table.output


def test_base_url_and_json(store_url):
    result = run("user", "add", "elu@ville.fr", "--name", "Jean Durand", "--role", "committee", "--as", "coordinator",
                 "--db", store_url, "--base-url", "https://capactif.example.org/", "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["account"]["role"] == "committee"
    assert data["link"].startswith("https://capactif.example.org/mot-de-passe/")
    assert dt.datetime.fromisoformat(data["expires_at"]) > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)


def test_only_the_coordinator_manages_accounts(store_url):
    for who in ("cma-63", "committee", ""):
        result = run("user", "add", "x@y.fr", "--name", "X", "--structure", "adie", "--as", who, "--db", store_url)
        assert result.exit_code == 2
        assert "coordinat" in result.output
        assert run("user", "list", "--as", who, "--db", store_url).exit_code == 2


def test_bad_accounts_are_refused_with_the_reason(store_url):
    base = ("--as", "coordinator", "--db", store_url)
    unknown = run("user", "add", "a@b.fr", "--name", "A", "--structure", "cma-6", *base)
    assert unknown.exit_code == 2
    assert "cma-63" in unknown.output  # the closest structure is suggested
    both = run("user", "add", "a@b.fr", "--name", "A", "--structure", "adie", "--role", "committee", *base)
    assert both.exit_code == 2
    neither = run("user", "add", "a@b.fr", "--name", "A", *base)
    assert neither.exit_code == 2
    not_mail = run("user", "add", "pas-une-adresse", "--name", "A", "--structure", "adie", *base)
    assert not_mail.exit_code == 2
    assert "pas-une-adresse" in not_mail.output
    assert run("user", "add", "a@b.fr", "--name", "A", "--structure", "adie", *base).exit_code == 0
    again = run("user", "add", "A@b.fr", "--name", "Autre", "--role", "committee", *base)
    assert again.exit_code == 2
    assert "a@b.fr" in again.output
    assert "Traceback" not in again.output


def test_disable_enable_reset(store_url):
    base = ("--as", "coordinator", "--db", store_url)
    first = run("user", "add", "t@adie.fr", "--name", "Tech", "--structure", "adie", *base)
    assert run("user", "disable", "t@adie.fr", *base).exit_code == 0
    listed = json.loads(run("user", "list", *base, "--format", "json").output)
    assert listed[0]["disabled"] is True
    refused = run("user", "reset", "t@adie.fr", *base)
    assert refused.exit_code == 2
    assert "user enable" in refused.output
    assert run("user", "enable", "t@adie.fr", *base).exit_code == 0
    reset = run("user", "reset", "t@adie.fr", *base)
    assert reset.exit_code == 0, reset.output
    assert LINK.search(reset.output).group(1) != LINK.search(first.output).group(1)
    missing = run("user", "disable", "nobody@adie.fr", *base)
    assert missing.exit_code == 2
    assert "nobody@adie.fr" in missing.output


def test_no_password_or_hash_is_ever_printed(store_url):
    base = ("--as", "coordinator", "--db", store_url)
    run("user", "add", "t@adie.fr", "--name", "Tech", "--structure", "adie", *base)
    with Workspace.open(db=store_url) as ws:
        from engine.app import accounts as use

        link = use.reset_user(ws, Identity.coordinator(), "t@adie.fr", base_url="http://x")
        use.set_password(ws, link.url.rsplit("/", 1)[1], "une phrase secrète assez longue")
        with ws.store.transaction() as conn:
            stored = conn.execute(select(accounts.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    for fmt in ("table", "json"):
        out = run("user", "list", *base, "--format", fmt).output
        assert "argon2" not in out
        assert "secrète" not in out


def test_audit_lists_reads_and_changes_for_the_coordinator_only(store_url):
    store = db.open_store(store_url)
    store.dispose()
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
    with Workspace.open(db=store_url) as ws:
        audit.record_reads(ws, Identity.of_structure("cma-63"), ["F-2026-0001", "F-2026-0002"], "fiche list", now=at)
        later = at + dt.timedelta(minutes=5)
        audit.record_change(ws, Identity.coordinator(), ["F-2026-0001"], "move start_study", now=later)
    result = run("audit", "f-2026-0001", "--as", "coordinator", "--db", store_url, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "fiche": "F-2026-0001",
        "entries": [
            {"at": "2026-11-30T10:00:00+00:00", "action": "read", "actor": "cma-63", "account": None, "name": None,
             "via": "cli", "detail": "fiche list"},
            {"at": "2026-11-30T10:05:00+00:00", "action": "change", "actor": "coordinator", "account": None,
             "name": None, "via": "cli", "detail": "move start_study"},
        ],
    }  # fmt: skip
    text = run("audit", "F-2026-0001", "--as", "coordinator", "--db", store_url).output
    assert "a lu les données personnelles" in text
    assert "2 entrées." in text
    for who in ("cma-63", "committee", ""):
        refused = run("audit", "F-2026-0001", "--as", who, "--db", store_url)
        assert refused.exit_code == 2
        assert "coordinat" in refused.output
    bad = run("audit", "F-26-1", "--as", "coordinator", "--db", store_url)
    assert bad.exit_code == 2
    assert "F-2026-0012" in bad.output
