"""What leaves capactif cannot be turned against its reader (issue 14, items 4-6): CSV cells never start
a formula on any line, Markdown carries no live HTML, the terminal gets no escape sequence, a closed
offer's reason stays with those allowed to see it, and a bug's report (exit 3, --debug) quotes no
personal data."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import main
from engine.output import FORMULA_PREFIXES, LINE_BREAKS, for_terminal, md, neutralise, to_csv, to_markdown
from engine.store import db

FICHE = """\
received: 2026-03-02
commune: Ambert
kind: creation
naf: 10.71C
summary: "{summary}"
porteur:
  name: Jeanne Martin
  email: jeanne.martin@example.org
  phone: "04 73 82 00 00"
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


def add(store_url, tmp_path, summary: str) -> None:
    path = tmp_path / "fiche.yaml"
    path.write_text(FICHE.format(summary=summary), encoding="utf-8")
    result = run("fiche", "add", str(path), "--as", "cma-63", "--db", store_url)
    assert result.exit_code == 0, result.output


def starts_formula(line: str) -> bool:
    if not line.startswith(FORMULA_PREFIXES):
        return False
    return not (line[0] == "-" and line[1:].replace(".", "", 1).isdigit())


# --- CSV ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["ok\r=cmd|' /C calc'!A0", "ok\n+1+1", "ok\r\n@SUM(A1)", "ok\u2028=1", "ok\x0b-2+3", "ok\x85=1", "\t=1", "=1"],
)
def test_every_line_of_a_cell_is_neutralised(text):
    """The adversarial run's bypass: a bare carriage return started a new, unneutralised spreadsheet row."""
    cell = next(csv.reader(io.StringIO(to_csv([{"a": text}], ["a"]), newline="")))
    (value,) = next(csv.reader(io.StringIO(to_csv([{"a": text}], ["a"]).split("\n", 1)[1], newline="")))
    assert cell == ["a"]
    assert not any(starts_formula(line) for line in LINE_BREAKS.split(value)[::2])


def test_a_bare_carriage_return_is_quoted():
    """No physical line of the CSV output starts a formula: the reader sees one row, not two."""
    out = to_csv([{"a": "Boulangerie\r=cmd|' /C calc'!A0", "b": "x"}], ["a", "b"])
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows == [["a", "b"], ["Boulangerie\n'=cmd|' /C calc'!A0", "x"]]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=4))
def test_csv_is_read_back_with_the_same_rows_and_no_formula(cells):
    """Any text: a CSV parser reads back exactly one row per record, same number of cells, and no line of any
    cell starts a formula; text without a formula or carriage return comes back unchanged."""
    columns = [f"c{i}" for i in range(len(cells))]
    out = to_csv([dict(zip(columns, cells, strict=True))], columns)
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert len(rows) == 2 and len(rows[1]) == len(cells)
    for original, read in zip(cells, rows[1], strict=True):
        assert not any(starts_formula(line) for line in LINE_BREAKS.split(read)[::2])
        if read == original:
            continue
        assert read == neutralise(original)


def test_fiche_export_csv_reads_back(store_url, tmp_path):
    """A summary holding the bypass is exported neutralised and imports back as it was written."""
    add(store_url, tmp_path, r"Reprise\r=HYPERLINK(\"http://x\")")
    out = run("fiche", "export", "--format", "csv", "--as", "coordinator", "--db", store_url).output
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == 1
    assert rows[0]["summary"] == 'Reprise\n\'=HYPERLINK("http://x")'
    assert not any(starts_formula(line) for line in out.splitlines())


# --- Markdown and terminal ------------------------------------------------------------------------------------


def test_markdown_escapes_html_and_line_breaks():
    """A cell with a script, a heading on a new line and a pipe stays one inert table cell."""
    table = to_markdown([{"a": "<script>alert(1)</script>\n# titre | x"}], ["a"])
    assert "<script>" not in table
    assert table.splitlines()[2] == "| &lt;script&gt;alert(1)&lt;/script&gt; # titre \\| x |"
    assert md("a & b") == "a &amp; b"


def test_terminal_output_has_no_escape_sequences(store_url, tmp_path):
    """A summary with escape sequences (clear screen, window title, colour) is shown without them."""
    add(store_url, tmp_path, r"Bonjour\e[2J\e]0;pirate\aBoulangerie\e[31m rouge\x9b1m")
    shown = run("fiche", "show", "F-2026-0001", "--as", "cma-63", "--db", store_url)
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output and "\x07" not in shown.output and "\x9b" not in shown.output
    assert "Bonjour" in shown.output
    assert "\x1b[2J" in json.loads(run("fiche", "show", "F-2026-0001", "--as", "cma-63", "--db", store_url,
                                        "--format", "json").output)["fiche"]["summary"]  # fmt: skip


def test_for_terminal_keeps_text_lines_and_tabs():
    assert for_terminal("a\tb\nc\x1b[1mé\x00") == "a\tb\ncé"


# --- offers -----------------------------------------------------------------------------------------------------


def test_closed_reason_is_shown_only_to_the_coordinator_and_the_publisher(store_url, tmp_path):
    """An offer's closing reason may name the porteur who took the business over."""
    path = tmp_path / "offer.yaml"
    path.write_text("kind: takeover\ntitle: Boulangerie\ncommune: Ambert\npublished_on: 2026-01-05\n"
                    "published_in: Villages Magazine\n")  # fmt: skip
    assert run("offer", "add", str(path), "--as", "cma-63", "--db", store_url).exit_code == 0
    closed = run("offer", "close", "O-2026-0001", "--date", "2026-02-01", "--reason", "reprise par Jeanne Martin",
                 "--as", "cma-63", "--db", store_url)  # fmt: skip
    assert closed.exit_code == 0, closed.output
    for who, sees in (("coordinator", True), ("cma-63", True), ("committee", False), ("cci-thiers", False)):
        for command in (("offer", "show", "O-2026-0001"), ("offer", "list")):
            for fmt in ("json", "csv" if command[1] == "list" else "text"):
                out = run(*command, "--as", who, "--db", store_url, "--format", fmt).output
                assert ("Jeanne Martin" in out) is sees, (who, command, fmt, out)


# --- exit 3 -------------------------------------------------------------------------------------------------------


def test_an_internal_error_prints_no_personal_data(store_url, tmp_path):
    """A database refusing the row (here a constraint the schema does not know) is a bug: exit 3, and neither
    the message nor the --debug traceback quotes the porteur's name, e-mail or phone."""
    store = db.open_store(store_url)
    with store.engine.begin() as conn:
        if store.backend == "sqlite":
            conn.execute(sa.text("CREATE TRIGGER refuse BEFORE INSERT ON fiches BEGIN SELECT RAISE(ABORT, 'no'); END"))
        else:
            conn.execute(sa.text("ALTER TABLE fiches ADD CONSTRAINT refuse CHECK (porteur_name <> 'Jeanne Martin')"))
    store.dispose()
    path = tmp_path / "fiche.yaml"
    path.write_text(FICHE.format(summary="Boulangerie"), encoding="utf-8")
    for debug in ([], ["--debug"]):
        result = run(*debug, "fiche", "add", str(path), "--as", "cma-63", "--db", store_url)
        assert result.exit_code == 3, result.output
        for personal in ("Jeanne", "jeanne.martin", "82 00 00", "04 73"):
            assert personal not in result.output
    assert "Traceback (most recent call last)" in result.output
    assert "IntegrityError (message not shown: it may quote personal data)" in result.output
