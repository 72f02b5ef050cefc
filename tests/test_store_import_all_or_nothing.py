"""``fiche import`` of a large file is all or nothing, even when the one bad row is the last one.

Issue 19: import is to be fast at 100,000 rows, still all-or-nothing.  These tests import a few
thousand valid rows whose last row is wrong — a cell no fiche can hold (refused while the file is
read, before the transaction) or an id already taken (refused inside the transaction, after the id
counters were reserved) — and check that the store is exactly as before: no fiche, no event, no
personal value, the same id counters, and the next import numbers from where it would have.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cli import main
from engine.store import bulk, db, porteur_keys
from engine.store.schema import events, fiche_sequences, fiches, personal_data

ROWS = 3_000


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": "", "CAPACTIF_LANG": "en"})


def big_csv(path, last_row: str) -> None:
    lines = ["id,received,commune,kind,needs,porteur.name,porteur.email,porteur.phone"]
    for i in range(ROWS - 1):
        lines.append(f",2026-01-{i % 28 + 1:02d},63003,creation,honour_loan|bank_loan,Porteur {i},"
                     f"p{i}@example.org,06 12 34 {i // 100 % 100:02d} {i % 100:02d}")  # fmt: skip
    lines.append(last_row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def counts(url: str) -> tuple[int, int, int, list]:
    store = db.open_store(url)
    try:
        with store.transaction() as conn:
            n = [
                conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (fiches, events, personal_data)
            ]
            counters = conn.execute(select(fiche_sequences).order_by(fiche_sequences.c.year)).all()
        return n[0], n[1], n[2], [tuple(r) for r in counters]
    finally:
        store.dispose()


@pytest.fixture
def one_stored(store_url, tmp_path) -> str:
    """A store holding one fiche, F-2026-0001."""
    path = tmp_path / "one.csv"
    path.write_text("received,commune,kind,porteur.name\n2026-01-02,63003,creation,Ana\n", encoding="utf-8")
    assert run("fiche", "import", str(path), "--as", "coordinator", "--db", store_url).exit_code == 0
    return store_url


def test_a_bad_cell_in_the_last_row_leaves_nothing_written(one_stored, tmp_path):
    before = counts(one_stored)
    path = tmp_path / "big.csv"
    big_csv(path, ",2026-02-30,63003,creation,,Last,,")
    result = run("fiche", "import", str(path), "--as", "coordinator", "--db", one_stored)
    assert result.exit_code == 2
    assert f"{path}:{ROWS + 1}:2: received:" in result.output
    assert counts(one_stored) == before


def test_an_id_taken_in_the_last_row_rolls_everything_back(one_stored, tmp_path):
    """Refused inside the transaction, after the id counters were reserved: they are rolled back too."""
    before = counts(one_stored)
    path = tmp_path / "big.csv"
    big_csv(path, "F-2026-0001,2026-03-01,63003,creation,,Last,,")
    result = run("fiche", "import", str(path), "--as", "coordinator", "--db", one_stored)
    assert result.exit_code == 2
    assert "F-2026-0001 is already in the store" in result.output
    assert counts(one_stored) == before
    again = tmp_path / "next.csv"
    again.write_text("received,commune,kind\n2026-04-01,63003,creation\n", encoding="utf-8")
    added = run("fiche", "import", str(again), "--as", "coordinator", "--db", one_stored, "--format", "json")
    assert added.exit_code == 0, added.output
    assert "F-2026-0002" in added.output
    assert json.loads(run("fiche", "list", "--format", "json", "--db", one_stored).output)[-1]["id"] == "F-2026-0002"


def test_a_bulk_import_stores_what_the_row_by_row_path_stores(store_url, tmp_path):
    """Above engine.store.bulk's threshold the rows go in by executemany or COPY: ``db verify`` passes
    (chain, personal values, projection), and each fiche shows, with its history, as one imported
    alone shows; porteurs met twice are one porteur, as when imported alone."""
    rows = ["received,commune,kind,summary,supporting,porteur.name,porteur.email,porteur.phone"]
    for i in range(bulk.THRESHOLD * 3):
        rows.append(f"2026-01-{i % 28 + 1:02d},63003,creation,Projet n°{i} « é »,{'cma-63|agri-63' if i % 2 else ''},"
                    f"Porteur {i % 50},p{i % 50}@example.org,04 73 82 {i // 100 % 100:02d} {i % 100:02d}")  # fmt: skip
    path = tmp_path / "many.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imported = run("fiche", "import", str(path), "--as", "coordinator", "--db", store_url)
    assert imported.exit_code == 0, imported.output
    verified = run("db", "verify", "--db", store_url)
    assert verified.exit_code == 0, verified.output
    for i in (0, 1, 2):
        alone = tmp_path / f"alone{i}"
        alone.mkdir()
        one = alone / "one.csv"
        one.write_text(f"{rows[0]}\n{rows[1 + i]}\n", encoding="utf-8")
        url = str(alone / "store.sqlite")
        assert run("fiche", "import", str(one), "--as", "coordinator", "--db", url).exit_code == 0
        shown = [
            json.loads(
                run("fiche", "show", fiche_id, "--format", "json", "--as", "coordinator", "--db", where).output.replace(
                    fiche_id, "F-ID"
                )
            )
            for fiche_id, where in ((f"F-2026-{i + 1:04d}", store_url), ("F-2026-0001", url))
        ]
        for item in shown:
            for event in item["history"]:
                event.pop("recorded_at", None)
        assert shown[0] == shown[1]
    store = db.open_store(store_url)
    try:
        with store.transaction() as conn:
            grouped = porteur_keys.porteurs_of(conn)
            e, f = events.c, fiches.c
            made = conn.execute(
                select(e.fiche_id, e.at, f.received, e.by, e.actor, e.account, e.version).join(
                    fiches, f.id == e.fiche_id
                )
            ).all()
    finally:
        store.dispose()
    # Each created event: the fiche's own day, by and for the importer, its first version.
    assert len(made) == bulk.THRESHOLD * 3
    assert {(str(r.at) == str(r.received), r.by, r.actor, r.account, r.version) for r in made} == {
        (True, "coordinator", "coordinator", None, 1)
    }
    assert len({str(r.at) for r in made}) == 28
    assert grouped["F-2026-0051"] == "F-2026-0001"  # Porteur 0 again, same e-mail
    assert len(set(grouped.values())) == bulk.THRESHOLD * 3 - 50  # the porteurs met twice


def test_bad_rows_in_the_middle_of_a_hundred_are_all_reported_and_nothing_is_written(one_stored, tmp_path):
    """Two bad rows among 100 (a date that does not exist, an unknown commune): both reported at their
    line and cell, with the model's messages; the 98 good rows are not written either."""
    before = counts(one_stored)
    lines = ["id,received,commune,kind,needs,porteur.name,porteur.email"]
    for i in range(100):
        received = "2026-02-30" if i == 37 else f"2026-01-{i % 28 + 1:02d}"
        commune = "99999" if i == 64 else "63003"
        lines.append(f",{received},{commune},creation,honour_loan,Porteur {i},p{i}@example.org")
    path = tmp_path / "hundred.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("fiche", "import", str(path), "--as", "coordinator", "--db", one_stored)
    assert result.exit_code == 2
    assert f"{path}:39:2: received:" in result.output  # row 37 is line 39 (the header is line 1)
    assert f"{path}:66:3: commune:" in result.output
    assert counts(one_stored) == before


def stored_history(url: str) -> tuple[list, list, list]:
    """Every event (payload without its personal references), every current suggestion, every orphan flag."""
    from engine.store import personal
    from engine.store.schema import fiche_suggestions

    store = db.open_store(url)
    try:
        with store.transaction() as conn:
            history = [
                (r.fiche_id, r.version, r.kind, str(r.at), r.by, r.actor,
                 {k: v for k, v in r.payload.items() if k != personal.REFS})
                for r in conn.execute(select(events).order_by(events.c.seq))
            ]  # fmt: skip
            s = fiche_suggestions.c
            ordered = select(fiche_suggestions).order_by(s.fiche_id, s.structure, s.role)
            asked = [tuple(r) for r in conn.execute(ordered)]
            orphans = [tuple(r) for r in conn.execute(select(fiches.c.id, fiches.c.orphan).order_by(fiches.c.id))]
        return history, asked, orphans
    finally:
        store.dispose()


def test_import_with_suggest_stores_for_many_fiches_what_it_stores_one_by_one(store_url, tmp_path, monkeypatch):
    """``fiche import --suggest`` of many rows writes the suggestions together (repository._suggest_new):
    the same events in the same order, the same current suggestions with the same open flags, the same
    orphans as the one-fiche-at-a-time path (forced here by raising bulk.THRESHOLD), and db verify passes."""
    count = bulk.THRESHOLD + 8
    rows = ["received,commune,kind,naf,needs,stage,supporting,porteur.name"]
    communes = ["63003", "63430", "63040"]
    for i in range(count):
        commune = communes[i % 3]
        stage = "idea"
        supporting = "pfil-ambert|cc-ambert" if i % 3 == 0 else ""
        rows.append(f"2026-01-{i % 28 + 1:02d},{commune},creation,{'10.71C' if i % 3 else '01.11Z'},"
                    f"{'honour_loan|premises' if i % 2 else ''},{stage},{supporting},Porteur {i}")  # fmt: skip
    path = tmp_path / "many.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imported = run("fiche", "import", str(path), "--suggest", "--as", "coordinator", "--db", store_url)
    assert imported.exit_code == 0, imported.output
    assert run("db", "verify", "--db", store_url).exit_code == 0
    together = stored_history(store_url)
    one_by_one_url = f"sqlite:///{tmp_path / 'one_by_one.sqlite'}"
    monkeypatch.setattr(bulk, "THRESHOLD", 10**9)
    again = run("fiche", "import", str(path), "--suggest", "--as", "coordinator", "--db", one_by_one_url)
    assert again.exit_code == 0, again.output
    assert run("db", "verify", "--db", one_by_one_url).exit_code == 0
    alone = stored_history(one_by_one_url)
    assert [e[2] for e in together[0]].count("suggested") == count
    assert together == alone
    assert {r[-1] for r in together[1]} == {True, False}  # open flags of both kinds compared
