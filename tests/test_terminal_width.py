"""Terminal tables follow the terminal's width ($COLUMNS, else the terminal, else 120 columns)."""

from __future__ import annotations

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import main
from engine.output import DEFAULT_WIDTH, MIN_WIDTH, terminal_width, to_table

ROWS = [
    {"check": "no_lead", "message": "sans référent 362 jours après la réception (seuil : 21 jours) " * 3, "n": 12},
    {"check": "stalled", "message": "sans nouvelles depuis 120 jours", "n": 7},
]


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=MIN_WIDTH, max_value=240))
def test_a_table_is_never_wider_than_the_terminal(columns):
    """Whatever the width, every line of the table fits in it (long cells fold inside their column)."""
    import os

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        text = to_table(ROWS, ["check", "message", "n"], title="Alertes")
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    assert max(len(line) for line in text.splitlines()) <= columns
    assert "no_lead" in text and "stalled" in text


def test_width_comes_from_columns_then_defaults(monkeypatch):
    """$COLUMNS wins; a width too narrow for a table is raised to the minimum; no terminal: 120."""
    monkeypatch.setenv("COLUMNS", "90")
    assert terminal_width() == 90
    monkeypatch.setenv("COLUMNS", "10")
    assert terminal_width() == MIN_WIDTH
    monkeypatch.delenv("COLUMNS")
    monkeypatch.setattr("shutil.get_terminal_size", lambda fallback: __import__("os").terminal_size(fallback))
    assert terminal_width() == DEFAULT_WIDTH


def test_alerts_table_follows_the_terminal(tmp_path):
    """capactif alerts on a demo store: at 80 columns no line is longer, at 160 the tables use the room."""
    db = str(tmp_path / "demo.sqlite")
    assert CliRunner().invoke(main, ["demo", "--fiches", "60", "--db", db]).exit_code == 0
    narrow = CliRunner().invoke(main, ["alerts", "--db", db, "--as", "committee"], env={"COLUMNS": "80"}).output
    wide = CliRunner().invoke(main, ["alerts", "--db", db, "--as", "committee"], env={"COLUMNS": "160"}).output
    assert max(len(line) for line in narrow.splitlines() if "─" in line or "│" in line) <= 80
    assert max(len(line) for line in wide.splitlines() if "─" in line or "│" in line) > 80
    assert len(narrow.splitlines()) > len(wide.splitlines())  # the same alerts, folded in narrower columns
