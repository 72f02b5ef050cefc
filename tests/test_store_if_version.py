"""``--if-version N`` on the writing commands: written only while the fiche is still at the version the technician read.

Both backends (the ``store_url`` fixture).  A technician reads the version with ``fiche show``; the
fiche is then changed by someone else; their command with the old version writes nothing and exits 2
with the store's conflict message, and with the current version it is written.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from click.testing import CliRunner

from cli import main
from engine.errors import ConflictError
from engine.store import access, queries, repository
from engine.store.db import open_store
from engine.store.verify import verify

FICHE = """\
received: 2026-03-02
commune: Ambert
kind: creation
naf: 10.71C
needs: [honour_loan]
porteur:
  name: Jeanne Martin
"""
FID = "F-2026-0001"

#: Each writing command, as a technician of cma-63 (the fiche's lead) types it, and whether it makes a new version.
COMMANDS = {
    "assign": (["fiche", "assign", FID, "--support", "cci-ambert"], True),
    "move": (["fiche", "move", FID, "start_study"], True),  # today: the référent was designated today
    "note": (["fiche", "note", FID, "business plan reviewed"], False),
    "contact": (["fiche", "note", FID, "called, meeting on 12 May", "--contact", "phone"], False),
    "consent": (["fiche", "consent", FID, "yes"], True),
    "edit": (["fiche", "edit", FID, "--commune", "Thiers", "--date", "2026-03-10"], True),
}


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


def shown(db: str) -> dict:
    """``fiche show --format json`` as the coordinator: the fiche, its version and its whole history."""
    result = run("fiche", "show", FID, "--as", "coordinator", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def changed(store_url, tmp_path):
    """A fiche added by cma-63 (suggestion accepted), then changed by the coordinator: (db, version before, now)."""
    path = tmp_path / "fiche.yaml"
    path.write_text(FICHE, encoding="utf-8")
    assert run("fiche", "add", str(path), "--assign", "--as", "cma-63", "--db", store_url).exit_code == 0
    before = shown(store_url)["version"]
    result = run("fiche", "assign", FID, "--support", "adie", "--as", "coordinator", "--db", store_url)
    assert result.exit_code == 0, result.output
    return store_url, before, shown(store_url)["version"]


def test_show_gives_the_version_to_pass(changed):
    """fiche show says the version in its text and its JSON; each write makes a new one."""
    db, before, now = changed
    assert now == before + 1
    text = run("fiche", "show", FID, "--as", "cma-63", "--db", db).output
    assert f"historique (version {now}):" in text


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_stale_version_writes_nothing(changed, command, english):
    """The version read before someone else's change: exit 2, the store's conflict message, nothing written."""
    db, before, _ = changed
    args, _ = COMMANDS[command]
    stored = shown(db)
    result = run(*args, "--if-version", str(before), "--as", "cma-63", "--db", db)
    assert (result.exit_code, result.output) == (
        2,
        f"error: fiche {FID} was changed by someone else since you read it; nothing was written: "
        "run the command again\n",
    )
    assert shown(db) == stored
    assert run("db", "verify", "--db", db).exit_code == 0


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_current_version_writes(changed, command):
    """The version the fiche is at: the command is written as without --if-version."""
    db, _, now = changed
    args, new_version = COMMANDS[command]
    history = len(shown(db)["history"])
    result = run(*args, "--if-version", str(now), "--as", "cma-63", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    change = json.loads(result.output)
    assert change["version"] == (now + 1 if new_version else now)
    after = shown(db)
    assert after["version"] == change["version"]
    assert len(after["history"]) == history + len(change["events"]) and change["events"]
    assert run("db", "verify", "--db", db).exit_code == 0


def test_if_version_must_be_a_version(changed):
    """--if-version takes a version number (1 or more): anything else is a usage error, nothing written."""
    db, _, _ = changed
    stored = shown(db)
    for bad in ("0", "two"):
        result = run("fiche", "consent", FID, "yes", "--if-version", bad, "--as", "cma-63", "--db", db)
        assert result.exit_code == 2 and "--if-version" in result.output, result.output
    assert shown(db) == stored


def test_a_note_waits_for_a_concurrent_change_then_refuses(store_url, changed, network):
    """A note read at version N while another command is writing N+1: once that commits, the note is refused."""
    _, _, now = changed
    store = open_store(store_url)
    coordinator, cma = access.Viewer(access.COORDINATOR), access.Viewer("cma-63")
    written, about_to_note = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def writer() -> None:
        try:
            with store.transaction(FID) as conn:
                repository.assign_fiche(conn, FID, who=coordinator, network=network, supports=["cci-ambert"])
                written.set()
                about_to_note.wait(timeout=60)
                time.sleep(0.3)  # let the note read the old version and reach the row before this commits
            outcome["writer"] = "committed"
        except BaseException as exc:  # reported by the assertion below
            outcome["writer"] = repr(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(timeout=60)
        with pytest.raises(ConflictError), store.transaction(FID) as conn:
            about_to_note.set()
            repository.note_fiche(conn, FID, "seen at version N", who=cma, expected_version=now)
        about_to_note.set()
        thread.join()
        with store.transaction() as conn:
            history = queries.history(conn, FID)
            assert (queries.get(conn, FID).version, outcome["writer"]) == (now + 1, "committed")
            assert [e["kind"] for e in history if e["kind"] == "note"] == []
            assert verify(conn).differences == []
    finally:
        about_to_note.set()
        thread.join()
        store.dispose()
