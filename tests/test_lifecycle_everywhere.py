"""The lifecycle holds everywhere (issue 14, item 9): fiche add and import pass the guards of the moves
to the stage they give, and a backdated move is checked at its date. Both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from cli import main
from engine.errors import InputError
from engine.fiche import Fiche
from engine.lifecycle import state_problems
from engine.store import access, repository

COORD = access.Viewer(access.COORDINATOR)
BASE = "received: 2026-03-02\nreceived_by: cma-63\ncommune: Ambert\nkind: creation\nnaf: 10.71C\n"


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


MISSING = [
    ("stage: developed\n", ["lead", "installed_on", "follow_up_by"]),
    ("stage: study\n", ["lead"]),
    ("stage: installed\nlead: cma-63\n", ["installed_on"]),
    ("stage: on_hold\n", ["held_from"]),
    ("stage: on_hold\nheld_from: financing\n", ["lead"]),
    ("stage: idea\nheld_from: study\n", ["held_from"]),
]


@pytest.mark.parametrize(("extra", "missing"), MISSING)
def test_fiche_add_refuses_a_stage_without_what_it_needs(store_url, tmp_path, extra, missing):
    """Each missing field is named (exit 2), nothing stored."""
    path = tmp_path / "f.yaml"
    path.write_text(BASE + extra, encoding="utf-8")
    result = run("fiche", "add", str(path), "--as", "coordinator", "--db", store_url)
    assert result.exit_code == 2, result.output
    named = [line.split(": ")[2] for line in result.output.splitlines() if line.startswith("erreur : ")]
    assert named == missing
    assert run("fiche", "list", "--as", "coordinator", "--db", store_url).output.strip().endswith("0 fiche.")


@pytest.mark.parametrize(("extra", "missing"), MISSING)
def test_fiche_check_refuses_what_fiche_add_refuses_each_at_its_line(tmp_path, extra, missing):
    """fiche check said 'ok' for a fiche at 'developed' without référent that fiche add then refused: it now
    names the same fields, each at the line of the field it names, else of 'stage' (line 6 of BASE + extra)."""
    path = tmp_path / "f.yaml"
    path.write_text(BASE + extra, encoding="utf-8")
    result = run("fiche", "check", str(path))
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("erreur : ")]
    assert [line.split(": ")[2] for line in lines] == missing
    for line, name in zip(lines, missing, strict=True):
        at = 7 if name == "held_from" and "held_from" in extra else 6
        assert line.startswith(f"erreur : {path}:{at}:"), line


def test_a_fiche_with_what_its_stage_needs_is_added(store_url, tmp_path):
    """on_hold from installed, with lead and date: accepted, and db verify agrees."""
    path = tmp_path / "f.yaml"
    path.write_text(BASE + "stage: on_hold\nheld_from: installed\nlead: cma-63\ninstalled_on: 2026-03-01\n",
                    encoding="utf-8")  # fmt: skip
    assert run("fiche", "add", str(path), "--as", "coordinator", "--db", store_url).exit_code == 0
    assert run("db", "verify", "--db", store_url).exit_code == 0


def test_import_rejects_the_row_and_locates_the_missing_field(store_url, tmp_path):
    """CSV: the row's line and the column of the missing field (else of stage); the good row is stored."""
    rows = tmp_path / "fiches.csv"
    rows.write_text(
        "received,commune,kind,stage,lead\n2026-03-02,Ambert,creation,study,\n2026-03-02,Ambert,creation,idea,\n",
        encoding="utf-8",
    )
    result = run("fiche", "import", str(rows), "--as", "coordinator", "--db", store_url)
    assert result.exit_code == 2
    assert f"{rows}:2:5: lead: une fiche à l'étape 'study' a un référent" in result.output
    skipped = run("fiche", "import", str(rows), "--skip-invalid", "--as", "coordinator", "--db", store_url)
    assert skipped.exit_code == 0, skipped.output
    assert "lead: une fiche" in (tmp_path / "fiches.rejects.csv").read_text(encoding="utf-8")


def test_state_problems_match_the_guards_of_every_stage():
    """idea, abandoned and redirected need nothing; every forward stage needs its référent."""
    for stage in ("idea", "abandoned", "redirected"):
        assert state_problems({"stage": stage}) == []
    for stage in ("study", "financing", "installed", "follow_up", "developed"):
        assert "lead" in [name for name, _ in state_problems({"stage": stage})]


def test_a_backdated_move_is_checked_at_its_date(store, network):
    """start_study dated before the lead was assigned, or before the last stage change: refused."""
    fiche = Fiche.model_validate(
        {"received": "2026-03-02", "received_by": "cma-63", "commune": "63003", "kind": "creation"},
        context=network.fiche_context(),
    )
    today = dt.date(2026, 6, 30)
    with store.transaction() as conn:
        (change,) = repository.add_fiches(conn, [fiche], who=COORD, network=network, at=dt.date(2026, 3, 2))
        fid = change.fiche
        repository.assign_fiche(conn, fid, who=COORD, network=network, lead="cma-63", at=dt.date(2026, 3, 10))
    with pytest.raises(InputError, match=r"demande un référent ce jour-là.*désigné le 2026-03-10"), \
            store.transaction() as conn:  # fmt: skip
        repository.move_fiche(conn, fid, "start_study", who=COORD, network=network, at=dt.date(2026, 3, 5),
                                  today=today)  # fmt: skip
    with store.transaction() as conn:
        repository.move_fiche(conn, fid, "start_study", who=COORD, network=network, at=dt.date(2026, 3, 12),
                              today=today)  # fmt: skip
    with pytest.raises(InputError, match=r"avant le dernier changement d'étape de la fiche \(2026-03-12\)"), \
            store.transaction() as conn:  # fmt: skip
        repository.move_fiche(conn, fid, "hold", who=COORD, network=network, at=dt.date(2026, 3, 11), today=today)
