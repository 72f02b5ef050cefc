"""French spreadsheets: a CSV saved by a French Excel imports, and `--excel` exports what it opens.

The fixture ``excel-fr-cp1252.csv`` is what "CSV (séparateur : point-virgule)" of a French Excel
writes: Windows-1252, ``;``, dates JJ/MM/AAAA, VRAI/FAUX, and French words for the values.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cli import main
from engine import spreadsheet
from engine.errors import InputError

EXCEL_FR = Path(__file__).parent / "data" / "fiches" / "excel-fr-cp1252.csv"


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


def stored(store_url: str) -> list[dict]:
    result = run("fiche", "list", "--format", "json", "--as", "coordinator", "--db", store_url)
    assert 0 == result.exit_code, result.output
    return [
        json.loads(run("fiche", "show", r["id"], "--format", "json", "--as", "coordinator", "--db", store_url).output)
        for r in json.loads(result.output)
    ]


def test_the_fixture_is_a_french_excel_file():
    """The fixture really is Windows-1252 (not UTF-8) with ';' separators."""
    raw = EXCEL_FR.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert ("cp1252", ";") == (spreadsheet.read_text(EXCEL_FR)[1], spreadsheet.sniff_delimiter(raw.decode("cp1252")))


def test_french_excel_csv_imports(store_url):
    """Accents, ';', JJ/MM/AAAA dates, VRAI/FAUX, French words and a postal code: all stored as ids."""
    result = run("fiche", "import", str(EXCEL_FR), "--as", "coordinator", "--db", store_url)
    assert 0 == result.exit_code, result.output
    first, second = map(_fiche, stored(store_url))
    assert ("2026-03-02", "63003", "takeover", ["honour_loan", "premises"], ["job_seeker"]) == (
        first["received"],
        first["commune"],
        first["kind"],
        first["needs"],
        first["publics"],
    )
    assert ("Hélène Côté", True) == (first["porteur"]["name"], first["porteur"]["consent_network"])
    assert "Boulangerie à reprendre, rue de l'Église" == first["summary"]
    assert ("2026-04-15", "creation", ["young"], "François Dœuf", False) == (
        second["received"],
        second["kind"],
        second["publics"],
        second["porteur"]["name"],
        second["porteur"]["consent_network"],
    )


def test_excel_export_opens_in_french_excel_and_imports_back(store_url, tmp_path):
    """`--excel`: BOM, ';', dates JJ/MM/AAAA, formulas neutralised; the file imports again unchanged."""
    assert 0 == run("fiche", "import", str(EXCEL_FR), "--as", "coordinator", "--db", store_url).exit_code
    out = tmp_path / "export.csv"
    result = run("fiche", "export", "--format", "csv", "--excel", "-o", str(out), "--as", "coordinator",
                 "--db", store_url)  # fmt: skip
    assert 0 == result.exit_code, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    header, first, second = text.split("\r\n")[:3]
    assert header.startswith("id;received;")
    assert ";02/03/2026;" in first and "Hélène Côté" in first
    assert ";'=SOMME(A1:A3);" in second  # a formula stays text for Excel
    other = tmp_path / "other.sqlite"
    again = run("fiche", "import", str(out), "--as", "coordinator", "--db", f"sqlite:///{other}")
    assert 0 == again.exit_code, again.output
    before = [(f["received"], f["commune"], f["kind"], f["needs"]) for f in map(_fiche, stored(store_url))]
    after = [(f["received"], f["commune"], f["kind"], f["needs"]) for f in map(_fiche, stored(f"sqlite:///{other}"))]
    assert before == after


def _fiche(shown: dict) -> dict:
    return shown.get("fiche", shown)


def test_excel_flag_needs_csv(store_url):
    """--excel with another format is a usage error (exit 2)."""
    result = run("fiche", "export", "--format", "json", "--excel", "--as", "coordinator", "--db", store_url)
    assert 2 == result.exit_code


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_every_encoding_and_separator(encoding, delimiter, tmp_path, store_url):
    """UTF-8 with or without BOM and Windows-1252, ',' or ';': the same fiche comes in."""
    path = tmp_path / "f.csv"
    lines = [["received", "commune", "kind", "porteur.name"], ["2026-03-02", "Saint-Anthème", "création", "Zoé"]]
    path.write_bytes("\n".join(delimiter.join(cells) for cells in lines).encode(encoding) + b"\n")
    result = run("fiche", "import", str(path), "--as", "coordinator", "--db", store_url)
    assert 0 == result.exit_code, result.output
    (fiche,) = map(_fiche, stored(store_url))
    assert ("63319", "creation", "Zoé") == (fiche["commune"], fiche["kind"], fiche["porteur"]["name"])


def test_unreadable_bytes_are_a_clear_error(tmp_path, store_url):
    """Bytes neither UTF-8 nor Windows-1252 decodes: exit 2, the byte located, what to do, nothing stored."""
    path = tmp_path / "f.csv"
    path.write_bytes(b"received,commune,kind\n2026-03-02,Ambert,cr\xe9ation\x81\x8d\n")
    result = run("fiche", "import", str(path), "--as", "coordinator", "--db", store_url)
    assert 2 == result.exit_code
    assert result.stderr.splitlines()[0] == (
        f"erreur : {path}:2:27: l'octet 0x81 n'est ni du texte UTF-8 ni du Windows-1252 : "
        "enregistrez le fichier en UTF-8 ou CSV (séparateur : point-virgule)"
    )
    assert [] == stored(store_url)


@pytest.mark.parametrize(
    ("raw", "where", "what"),
    [
        ("received;commune\n2026-03-02;Ambert\n".encode("utf-16"), "1:4", "caractère de contrôle U+0000"),
        (b"received,commune\n2026-03-02,Amb\x00ert\n", "2:15", "caractère de contrôle U+0000"),
        (b"received,commune\n\x1b[2J2026-03-02,Ambert\n", "2:1", "caractère de contrôle U+001B"),
        (b"PK\x03\x04\x14\x00\x06\x00", "1:1", "classeur Excel (.xlsx)"),
    ],
    ids=["utf-16", "nul-in-utf-8", "escape", "xlsx"],
)
def test_text_that_no_spreadsheet_writes_is_an_encoding_error(tmp_path, raw, where, what):
    """UTF-16, a workbook or control characters: Windows-1252 would read them as garbage; refused, located."""
    path = tmp_path / "f.csv"
    path.write_bytes(raw)
    with pytest.raises(InputError) as refused:
        spreadsheet.read_text(path)
    (problem,) = refused.value.problems
    assert f"{problem.line}:{problem.column}" == where
    assert what in problem.message
    assert problem.message.endswith("enregistrez le fichier en UTF-8 ou CSV (séparateur : point-virgule)")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufeff"), max_size=200))
def test_any_spreadsheet_text_reads_back(tmp_path_factory, text):
    """Text without control characters, saved as UTF-8 or (when it can be) Windows-1252, reads back the same."""
    path = tmp_path_factory.mktemp("csv") / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    assert (text, "utf-8-sig") == spreadsheet.read_text(path)
    try:
        raw = text.encode("cp1252")
    except UnicodeEncodeError:
        return
    path.write_bytes(raw)
    read, encoding = spreadsheet.read_text(path)
    assert read == text or encoding == "utf-8-sig"  # pure ASCII is UTF-8 as well


def test_french_date_and_boolean_helpers():
    """JJ/MM/AAAA → ISO; an impossible date is left for the model to refuse; VRAI/non → true/false."""
    assert "2026-03-02" == spreadsheet.parse_date("02/03/2026")
    assert "31/02/2026" == spreadsheet.parse_date("31/02/2026")
    assert ("true", "false", "peut-être") == tuple(map(spreadsheet.parse_bool, ("VRAI", "non", "peut-être")))
    assert "02/03/2026" == spreadsheet.format_date("2026-03-02")


def test_offers_from_a_french_excel_csv(store_url, tmp_path):
    """`offer add offres.csv`: Windows-1252, ';', JJ/MM/AAAA and French words, like fiche import."""
    path = tmp_path / "offres.csv"
    lines = [
        "kind;title;commune;naf;published_on;published_in",
        "à reprendre;Boulangerie à reprendre;63600 Ambert;10.71C;14/03/2025;Villages Magazine",
        "activité recherchée;Épicerie multiservice;Job;47.11B;01/04/2025;Site du Parc",
    ]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    result = run("offer", "add", str(path), "--as", "coordinator", "--db", store_url)
    assert 0 == result.exit_code, result.output
    listed = json.loads(run("offer", "list", "--format", "json", "--db", store_url).output)
    assert [("takeover", "63003", "2025-03-14"), ("sought", "63179", "2025-04-01")] == [
        (o["kind"], o["commune"], o["published_on"]) for o in listed
    ]


def test_bad_offer_csv_cells_are_located(tmp_path, store_url):
    """A bad cell of an offer CSV is reported at its line and column; nothing is stored."""
    path = tmp_path / "offres.csv"
    path.write_text("kind;title;commune;published_on;published_in\nvente;Garage;Ambert;2025-03-14;Mag\n", "utf-8")
    result = run("offer", "add", str(path), "--as", "coordinator", "--db", store_url)
    assert 2 == result.exit_code
    assert f"{path}:2:1: " in result.output
