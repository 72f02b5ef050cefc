"""What fiche check accepts, fiche add stores, on SQLite and PostgreSQL alike (issue 14, items 4, 9 and 12).

The adversarial run found values that passed ``fiche check`` and crashed ``fiche add`` on PostgreSQL
(exit 3): an 80-character offer, a 20-digit id, 2**31 employees, a NUL character.  Each boundary value
below is run through both commands on both backends: either both accept it (and the stored fiche shows
it back) or both refuse it with a located message and exit 2.
"""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli import main
from engine import limits
from engine.fiche import Fiche
from engine.offers.tables import offers
from engine.store import access, repository
from engine.store.schema import events, fiche_supports, fiches

BASE = {"received": "2026-01-05", "commune": "63003", "kind": "creation"}
EMAIL_254 = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".org"


class DaysFromToday(int):
    """A date given relative to the day the test runs (resolved then, not at collection: a run may
    cross midnight between the two)."""


def resolved(fields: dict) -> dict:
    """``fields`` with every :class:`DaysFromToday` turned into that day's ISO date, today being now."""
    today = dt.date.today()
    return {
        k: (today + dt.timedelta(days=v)).isoformat() if isinstance(v, DaysFromToday) else v for k, v in fields.items()
    }


CASES = [
    # (name, fields, stored?)
    ("longest id", {"id": "F-2026-999999999"}, True),
    ("id one digit too long", {"id": "F-2026-1234567890"}, False),
    ("employees at the limit", {"employees": limits.MAX_EMPLOYEES}, True),
    ("employees over the limit", {"employees": limits.MAX_EMPLOYEES + 1}, False),
    ("employees 2**31", {"employees": 2**31}, False),
    ("employees true", {"employees": True}, False),
    ("longest summary", {"summary": "é" * limits.TEXT_LENGTH}, True),
    ("summary too long", {"summary": "x" * (limits.TEXT_LENGTH + 1)}, False),
    ("NUL in the summary", {"summary": "boulangerie\x00"}, False),
    ("NUL in the name", {"porteur": {"name": "Jeanne\x00Martin"}}, False),
    ("longest name", {"porteur": {"name": "N" * limits.SHORT_TEXT_LENGTH}}, True),
    ("name too long", {"porteur": {"name": "N" * (limits.SHORT_TEXT_LENGTH + 1)}}, False),
    ("longest e-mail", {"porteur": {"email": EMAIL_254}}, True),
    ("not an e-mail", {"porteur": {"email": "jeanne.martin@"}}, False),
    ("not a phone", {"porteur": {"phone": "=1+1"}}, False),
    ("an offer id too long", {"offer": "O-2026-" + "1" * 70}, False),
    ("an offer not in the store", {"offer": "O-2026-0001"}, False),
    ("lead too long", {"lead": "x" * 65}, False),
    ("received today", {"received": DaysFromToday(0)}, True),
    ("received tomorrow", {"received": DaysFromToday(1)}, False),
    ("received in 9999", {"received": "9999-01-01"}, False),
    ("received on the floor", {"received": limits.DATE_FLOOR.isoformat()}, True),
    ("received before the floor", {"received": "0001-01-01"}, False),
]


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


@pytest.mark.parametrize(("name", "fields", "stored"), CASES, ids=[c[0] for c in CASES])
def test_check_accepts_exactly_what_add_stores(store_url, tmp_path, name, fields, stored):
    """fiche check and fiche add agree on every boundary value, on both backends; never exit 3."""
    fields = resolved(fields)
    path = tmp_path / "fiche.json"
    path.write_text(json.dumps({**BASE, **fields}), encoding="utf-8")
    checked = run("fiche", "check", str(path))
    added = run("fiche", "add", str(path), "--as", "coordinator", "--db", store_url)
    if name == "an offer not in the store":  # a fiche file cannot know the store: only add refuses it
        assert checked.exit_code == 0
        assert added.exit_code == 2 and "O-2026-0001" in added.output, added.output
        return
    assert (checked.exit_code, added.exit_code) == ((0, 0) if stored else (2, 2)), (checked.output, added.output)
    if not stored:
        assert added.output.startswith(f"erreur : {path}:"), added.output
        return
    fiche_id = fields.get("id", "F-2026-0001" if "received" not in fields else f"F-{fields['received'][:4]}-0001")
    shown = json.loads(run("fiche", "show", fiche_id, "--as", "coordinator", "--db", store_url, "--format",
                           "json").output)["fiche"]  # fmt: skip
    for key, value in fields.items():
        if key == "porteur":
            for sub, text in value.items():
                assert shown["porteur"][sub] == text
        else:
            assert shown[key] == value


def test_the_schema_is_as_wide_as_the_limits(store):
    """The columns the limits protect have the lengths engine/limits.py gives (the database's own view)."""
    inspected = sa.inspect(store.engine)
    widths = {
        (table.name, column["name"]): column["type"].length
        for table in (fiches, fiche_supports, events, offers)
        for column in inspected.get_columns(table.name)
        if isinstance(column["type"], sa.String) and not isinstance(column["type"], sa.Text)
    }
    assert widths[("fiches", "id")] == limits.ID_LENGTH == len("F-2026-999999999")
    assert widths[("offers", "id")] == limits.ID_LENGTH
    for key in (("fiches", "lead"), ("fiches", "received_by"), ("fiches", "offer"), ("fiche_supports", "structure")):
        assert widths[key] == limits.STRUCTURE_LENGTH


def test_offer_files_have_the_same_limits(store_url, tmp_path):
    """An offer's title over its limit, a NUL in its description or a date in 9999 is refused located, exit 2."""
    path = tmp_path / "offer.yaml"
    path.write_text(
        f"kind: takeover\ntitle: {'T' * 201}\ncommune: Ambert\npublished_on: 9999-01-01\n"
        'published_in: Villages Magazine\ndescription: "a\\0b"\n'
    )
    result = run("offer", "add", str(path), "--as", "coordinator", "--db", store_url)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].startswith(f"erreur : {path}:2:8: 'title' est trop long (201 caractères, 200 au plus)")
    assert lines[1].startswith(f"erreur : {path}:4:15: 'published_on' est dans le futur")
    assert lines[2].startswith(f"erreur : {path}:6:14: 'description' contient un caractère NUL")


@pytest.fixture
def stored_fiche(store, network):
    with store.transaction() as conn:
        fiche = Fiche.model_validate(BASE, context=network.fiche_context())
        (change,) = repository.add_fiches(conn, [fiche], who=access.Viewer("cma-63"), network=network)
    return change.fiche


def test_a_contact_channel_comes_from_the_vocabulary(store_url, stored_fiche):
    """--contact takes phone, email, meeting…: a typo gets a did-you-mean, exit 2, nothing written."""
    refused = run("fiche", "note", stored_fiche, "appelé", "--contact", "phnoe", "--as", "cma-63", "--db", store_url)
    assert refused.exit_code == 2
    assert "--contact : channel 'phnoe' introuvable (vouliez-vous dire 'phone' ?)" in refused.output
    accepted = run("fiche", "note", stored_fiche, "appelé", "--contact", "phone", "--as", "cma-63", "--db", store_url)
    assert accepted.exit_code == 0, accepted.output


def test_a_note_too_long_or_with_nul_is_refused(store_url, stored_fiche):
    for text in ("x" * (limits.TEXT_LENGTH + 1), "a\x00b"):
        result = run("fiche", "note", stored_fiche, text, "--as", "cma-63", "--db", store_url)
        assert result.exit_code == 2, result.output


def test_plain_notes_are_never_refused_as_changed_meanwhile(store, network, stored_fiche):
    """Notes written while others change the same fiche all succeed (a note does not depend on the
    version): the adversarial run saw 83 % of them refused as 'changed by someone else' on SQLite."""
    from engine.app import Workspace, fiches

    failures: list[BaseException] = []

    def note(i: int) -> None:
        try:
            with Workspace.open(db=store.url, as_="cma-63") as ws:
                fiches.note(ws, ws.identity(), stored_fiche, f"note {i}")
        except BaseException as exc:
            failures.append(exc)

    def change(value: bool) -> None:  # a change of the fiche (a new version) written meanwhile
        try:
            with Workspace.open(db=store.url, as_="coordinator") as ws:
                fiches.consent(ws, ws.identity(), stored_fiche, value)
        except BaseException as exc:
            if type(exc).__name__ != "ConflictError":  # two such changes may conflict; a note may not
                failures.append(exc)

    threads = [threading.Thread(target=note, args=(i,)) for i in range(8)]
    threads += [threading.Thread(target=change, args=(value,)) for value in (True, False) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with store.transaction() as conn:
        notes = conn.execute(sa.select(sa.func.count()).where(events.c.kind == "note")).scalar_one()
    assert notes == 8


def test_an_empty_routing_file_is_refused(tmp_path):
    """An emptied routing.yaml is no longer silently the default policy."""
    import shutil
    from pathlib import Path

    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).parent.parent / "rules", rules)
    (rules / "routing.yaml").write_text("# emptied by mistake\n")
    result = run("rules", "check", "--rules", str(rules))
    assert result.exit_code == 2
    assert "routing.yaml:1:1: fichier vide" in result.output


def test_a_closed_reason_too_long_is_refused(store_url, tmp_path):
    path = tmp_path / "offer.yaml"
    path.write_text("kind: takeover\ntitle: Boulangerie\ncommune: Ambert\npublished_on: 2026-01-05\n"
                    "published_in: Villages Magazine\n")  # fmt: skip
    assert run("offer", "add", str(path), "--as", "coordinator", "--db", store_url).exit_code == 0
    result = run("offer", "close", "O-2026-0001", "--reason", "r" * (limits.TEXT_LENGTH + 1), "--as", "coordinator",
                 "--db", store_url)  # fmt: skip
    assert result.exit_code == 2
    assert "'--reason' est trop long" in result.output


def test_a_structure_id_longer_than_the_store_allows_is_refused(tmp_path):
    """rules check refuses a structure id the store could not hold in its fiches' lead column."""
    import shutil
    from pathlib import Path

    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).parent.parent / "rules", rules)
    long_id = "a" * (limits.STRUCTURE_LENGTH + 1)
    text = (rules / "structures" / "adie.yaml").read_text().replace("id: adie", f"id: {long_id}", 1)
    (rules / "structures" / "adie.yaml").unlink()
    (rules / "structures" / f"{long_id}.yaml").write_text(text)
    result = run("rules", "check", "--rules", str(rules))
    assert result.exit_code == 2
    assert f"'id' est trop long ({limits.STRUCTURE_LENGTH} caractères au plus)" in result.output
