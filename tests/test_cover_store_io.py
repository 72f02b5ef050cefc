"""fiche import and fiche export as technicians use them: every bad file or row located, rejects files that
import again, exports that mask personal data, neutralise formulas and import into another store."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from cli import main
from engine.store.exporting import COLUMNS
from engine.store.exporting import to_yaml as dump_yaml

HEADER = ",".join(COLUMNS)


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


def import_(path, url, *extra: str):
    return run("fiche", "import", str(path), "--as", "coordinator", "--db", url, *extra)


def stored_ids(url: str) -> list[str]:
    return [f["id"] for f in json.loads(run("fiche", "list", "--format", "json", "--db", url).output)]


# --- whole-file problems: exit 2, nothing stored, even with --skip-invalid --------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("fiches.txt", "x", "{path}: type de fichier inconnu : donnez un fichier .csv, .yaml ou .json"),
        ("empty.csv", "", "{path}:1:1: fichier vide : la première ligne doit nommer les colonnes"),
        ("binary.csv", b"received,commune,kind\n2026-01-05,Ambert\x81\x8d,creation\n",
         "{path}:2:18: l'octet 0x81 n'est ni du texte UTF-8 ni du Windows-1252 : enregistrez le fichier en "
         "UTF-8 ou CSV (séparateur : point-virgule)"),
        ("missing.csv", "received,kind\n2026-01-05,creation\n", "{path}:1:1: colonne 'commune' manquante"),
        ("empty.yaml", "",
         "{path}:1:1: un fichier de fiches contient une fiche (lignes champ: valeur) ou une liste de fiches"),
        ("notes.yaml", "# to fill in on Monday\n",
         "{path}:1:1: un fichier de fiches contient une fiche (lignes champ: valeur) ou une liste de fiches"),
        ("broken.json", '[{"received": "2026-01-05",\n "commune": "63003" "kind": "creation"}]',
         "{path}:2:21: JSON invalide : il manque une virgule ',' entre deux valeurs"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_read_is_refused_whole(store_url, tmp_path, name, content, message):
    """Wrong type, empty, not UTF-8, a missing column, no fiche at all, bad syntax: one located line, exit 2."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = import_(path, store_url, "--skip-invalid")
    assert result.exit_code == 2, result.output
    assert result.output == f"erreur : {message.format(path=path)}\n"
    assert stored_ids(store_url) == []
    assert not list(tmp_path.glob("*.rejects.*"))


def test_a_missing_file_is_named(store_url, tmp_path):
    """An import file that does not exist: 'fichier introuvable', exit 2."""
    for name in ("nowhere.csv", "nowhere.yaml"):
        result = import_(tmp_path / name, store_url)
        assert (result.exit_code, result.output) == (2, f"erreur : {tmp_path / name}: fichier introuvable\n")


def test_unknown_columns_stop_the_import_even_with_skip_invalid(store_url, tmp_path):
    """Every unknown header cell is named with its column and the closest name; no row is imported."""
    path = tmp_path / "fiches.csv"
    path.write_text("received,comune,kind,porteur.nom\n2026-01-05,63003,creation,Ana\n", encoding="utf-8")
    result = import_(path, store_url, "--skip-invalid")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"erreur : {path}:1:2: colonne 'comune' introuvable (vouliez-vous dire 'commune' ?)",
        f"erreur : {path}:1:4: colonne 'porteur.nom' introuvable (vouliez-vous dire 'porteur.name' ?)",
        f"erreur : {path}:1:1: colonne 'commune' manquante",
        "3 problèmes ; rien n’a été modifié.",
    ]
    assert stored_ids(store_url) == []


# --- row problems ----------------------------------------------------------------------------------------------


def test_csv_rows_with_the_wrong_number_of_cells_are_located_and_blank_rows_skipped(store_url, tmp_path):
    """A short or long row is reported at its line; blank lines and rows of empty cells are not rows."""
    path = tmp_path / "fiches.csv"
    path.write_text(
        "received,commune,kind,porteur.name\n"
        "2026-01-05,63003,creation,Ana\n"
        "\n"
        ",,,\n"
        "2026-01-06,63003\n"
        "2026-01-07,63003,creation,Bob,extra\n",
        encoding="utf-8",
    )
    result = import_(path, store_url)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"erreur : {path}:5:1: 4 cellules attendues, 2 trouvées",
        f"erreur : {path}:6:1: 4 cellules attendues, 5 trouvées",
        "2 problèmes ; rien n’a été modifié.",
    ]
    assert stored_ids(store_url) == []


BAD_YAML = """\
- received: 2026-01-05
  commune: Ambert
  kind: creation
- received: 2026-01-06
  commune: Ambrt
  kind: creaton
  porteur: {name: Ana, emial: ana@example.org}
- just a line of text
- received: 2026-01-07
  commune: "63003"
  kind: creation
  errors: [fixed since]
"""


def test_yaml_rows_are_reported_at_their_line_and_column(store_url, tmp_path):
    """A YAML list: each bad value at its line and column, a non-mapping item at its line; nothing stored."""
    path = tmp_path / "fiches.yaml"
    path.write_text(BAD_YAML, encoding="utf-8")
    result = import_(path, store_url)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"erreur : {path}:5:12: commune inconnue 'Ambrt' (les plus proches : 63003 Ambert, 63207 Marat)",
        f"erreur : {path}:6:9: type de projet 'creaton' introuvable (vouliez-vous dire 'creation' ?)",
        f"erreur : {path}:7:24: champ 'emial' introuvable (vouliez-vous dire 'email' ?)",
        f"erreur : {path}:8:1: chaque fiche doit être un ensemble de champs (clé: valeur)",
        "4 problèmes ; rien n’a été modifié.",
    ]
    assert stored_ids(store_url) == []


def test_yaml_skip_invalid_writes_rejects_that_import_again(store_url, tmp_path):
    """--skip-invalid on YAML: good fiches stored, the bad in FILE.rejects.yaml with their errors; fixed, they go in."""
    path = tmp_path / "fiches.yaml"
    path.write_text(BAD_YAML, encoding="utf-8")
    result = import_(path, store_url, "--skip-invalid", "--format", "json")
    assert result.exit_code == 0, result.output
    rejects = tmp_path / "fiches.rejects.yaml"
    assert json.loads(result.output) == {
        "file": str(path),
        "imported": ["F-2026-0001", "F-2026-0002"],
        "rejected": [
            {
                "line": 4,
                "errors": [
                    f"{path}:5:12: commune inconnue 'Ambrt' (les plus proches : 63003 Ambert, 63207 Marat)",
                    f"{path}:6:9: type de projet 'creaton' introuvable (vouliez-vous dire 'creation' ?)",
                    f"{path}:7:24: champ 'emial' introuvable (vouliez-vous dire 'email' ?)",
                ],
            },
            {"line": 8, "errors": [f"{path}:8:1: chaque fiche doit être un ensemble de champs (clé: valeur)"]},
        ],
        "rejects_file": str(rejects),
    }
    text = rejects.read_text(encoding="utf-8")
    assert text.startswith(
        "- errors:\n"
        "  - \"ligne 5 : commune inconnue 'Ambrt' (les plus proches : 63003 Ambert, 63207 Marat)\"\n"
        "  - \"ligne 6 : type de projet 'creaton' introuvable (vouliez-vous dire 'creation'\n    ?)\"\n"
        "  - \"ligne 7 : champ 'emial' introuvable (vouliez-vous dire 'email' ?)\"\n"
    )
    not_a_fiche = (
        "- errors:\n  - 'ligne 8 : chaque fiche doit être un ensemble de champs (clé: valeur)'\n"
        "  value: just a line of text\n"
    )
    not_a_fiche = "- errors:\n  - 'ligne 8 : chaque fiche doit être un ensemble de champs (clé: valeur)'\n"
    not_a_fiche += "  value: just a line of text\n"
    assert not_a_fiche in text
    # the coordinator fixes the first rejected fiche, drops the second, and imports the file as it is
    fixed = text.split("- errors:\n  - 'ligne 8")[0]
    fixed = fixed.replace("Ambrt", "Ambert").replace("creaton", "creation").replace("emial", "email")
    rejects.write_text(fixed, encoding="utf-8")
    again = import_(rejects, store_url)
    assert again.exit_code == 0, again.output
    assert again.output == f"1 fiche importée depuis {rejects}.\n"
    shown = json.loads(run("fiche", "show", "F-2026-0003", "--as", "coordinator", "--db", store_url,
                           "--format", "json").output)  # fmt: skip
    assert shown["fiche"]["porteur"]["email"] == "ana@example.org" and shown["fiche"]["commune"] == "63003"


def test_json_skip_invalid_writes_a_json_rejects_file(store_url, tmp_path):
    """A JSON list: the bad fiche is written to FILE.rejects.json with 'errors' first and its line."""
    path = tmp_path / "fiches.json"
    path.write_text(
        '[{"received": "2026-01-05", "commune": "63003", "kind": "creation"},\n'
        ' {"received": "2026-02-30", "commune": "63003", "kind": "creation"}]\n',
        encoding="utf-8",
    )
    result = import_(path, store_url, "--skip-invalid")
    assert result.exit_code == 0, result.output
    rejects = tmp_path / "fiches.rejects.json"
    assert result.output.splitlines() == [
        f"1 fiche importée depuis {path}.",
        f"1 ligne rejetée, écrite avec ses erreurs dans {rejects}.",
    ]
    assert json.loads(rejects.read_text(encoding="utf-8")) == [
        {
            "errors": ["ligne 2 : 'received' doit être une date écrite AAAA-MM-JJ, pas '2026-02-30'"],
            "received": "2026-02-30",
            "commune": "63003",
            "kind": "creation",
        }
    ]


def test_a_single_json_fiche_is_located_too(store_url, tmp_path):
    """A JSON file holding one fiche (not a list): its bad value at line and column."""
    path = tmp_path / "one.json"
    path.write_text('{"received": "2026-01-05", "commune": "63003", "kind": "creaton"}', encoding="utf-8")
    result = import_(path, store_url)
    assert (
        result.output.splitlines()[0]
        == f"erreur : {path}:1:56: type de projet 'creaton' introuvable (vouliez-vous dire 'creation' ?)"
    )


def test_csv_skip_invalid_keeps_short_rows_in_the_rejects(store_url, tmp_path):
    """A short CSV row goes to the rejects file with its error and the cells it had."""
    path = tmp_path / "fiches.csv"
    path.write_text("received,commune,kind,porteur.name\n2026-01-05,63003,creation,Ana\n2026-01-06,63003\n",
                    encoding="utf-8")  # fmt: skip
    result = import_(path, store_url, "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fiches.rejects.csv").read_text(encoding="utf-8").splitlines() == [
        "errors,received,commune,kind,porteur.name",
        '"ligne 3 : 4 cellules attendues, 2 trouvées",2026-01-06,63003,,',
    ]


# --- exports ---------------------------------------------------------------------------------------------------

RISKY = [
    {
        "received": "2026-01-05",
        "received_by": "cma-63",
        "commune": "63003",
        "kind": "creation",
        "naf": "10.71C",
        "summary": "+33 boulangerie",
        "needs": ["honour_loan", "bank_loan"],
        "porteur": {"name": '=HYPERLINK("http://x")', "email": "+ana@example.org", "phone": "+33 4 73 82 00 00"},
    }
]


@pytest.fixture
def risky(store_url, tmp_path):
    """One fiche received by cma-63 whose summary, name and email a spreadsheet would run as formulas."""
    path = tmp_path / "risky.json"
    path.write_text(json.dumps(RISKY), encoding="utf-8")
    assert import_(path, store_url).exit_code == 0
    return store_url


def export(url: str, who: str, fmt: str, *extra: str) -> str:
    result = run("fiche", "export", "--as", who, "--db", url, "--format", fmt, *extra)
    assert result.exit_code == 0, result.output
    return result.output


def test_csv_export_neutralises_formulas(risky):
    """Cells starting with =, +, @ get a leading apostrophe (the phone, normalised, needs none); lists joined
    with '|'."""
    text = export(risky, "coordinator", "csv")
    assert text.splitlines()[0] == HEADER
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert (row["summary"], row["porteur.name"], row["porteur.email"], row["porteur.phone"]) == (
        "'+33 boulangerie",
        '\'=HYPERLINK("http://x")',
        "'+ana@example.org",
        "04 73 82 00 00",
    )
    assert (row["needs"], row["porteur.consent_network"], row["publics"]) == ("honour_loan|bank_loan", "false", "")


@pytest.mark.parametrize("who", ["committee", "cci-thiers"])
def test_exports_mask_personal_data_in_every_format(risky, who):
    """The committee and a structure not on the fiche get null / empty name, email and phone in CSV, JSON, YAML."""
    (row,) = list(csv.DictReader(io.StringIO(export(risky, who, "csv"))))
    assert [row[c] for c in ("porteur.name", "porteur.email", "porteur.phone")] == ["", "", ""]
    (fiche,) = json.loads(export(risky, who, "json"))
    assert fiche["porteur"] == {"name": None, "email": None, "phone": None, "consent_network": False}
    yaml_text = export(risky, who, "yaml")
    assert "  porteur:\n    name: null\n    email: null\n    phone: null\n    consent_network: false\n" in yaml_text
    assert "ana@" not in yaml_text and "HYPERLINK" not in yaml_text


def test_json_export_shows_the_porteur_to_the_structure_that_received_it(risky):
    """cma-63 received the porteur: its JSON export has the personal data, unneutralised (JSON is not a sheet)."""
    (fiche,) = json.loads(export(risky, "cma-63", "json"))
    assert list(fiche) == ["id", "received", "received_by", "summary", "porteur", "commune", "kind", "naf", "nature",
                           "employees", "artisan_registered", "farm_link", "needs", "publics", "stage", "lead",
                           "supporting", "installed_on",
                           "follow_up_by", "held_from", "offer"]  # fmt: skip
    assert fiche["porteur"]["name"] == '=HYPERLINK("http://x")' and fiche["summary"] == "+33 boulangerie"


def test_yaml_export_imports_into_another_store_unchanged(risky, tmp_path):
    """An export in YAML (-o FILE) imports into a fresh store with its ids, and exports again identically."""
    out = tmp_path / "export.yaml"
    assert export(risky, "coordinator", "yaml", "-o", str(out)) == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("- id: F-2026-0001\n  received: '2026-01-05'\n  received_by: cma-63\n")
    other = str(tmp_path / "other.sqlite")
    result = import_(out, other)
    assert result.exit_code == 0, result.output
    assert stored_ids(other) == ["F-2026-0001"]
    assert export(other, "coordinator", "yaml") == text


def test_to_yaml_keeps_the_order_given_and_accents():
    """Keys in the fiche's field order (not sorted) and French text as written."""
    assert dump_yaml([{"summary": "Épicerie à reprendre", "id": "F-2026-0001"}]) == (
        "- summary: Épicerie à reprendre\n  id: F-2026-0001\n"
    )


def test_rejects_may_not_overwrite_the_file_being_imported(store_url, tmp_path):
    """--rejects naming the input (as given, through '..', or through a link) is refused before anything is
    read or written: the adversarial run lost its input file that way (issue 14, item 12)."""
    path = tmp_path / "fiches.csv"
    text = "received,commune,kind\n2026-01-05,63003,creation\n2026-01-05,63003,nope\n"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to(path)
    for rejects in (path, tmp_path / "sub" / ".." / "fiches.csv", tmp_path / "link.csv"):
        result = import_(path, store_url, "--skip-invalid", "--rejects", str(rejects))
        assert result.exit_code == 2, result.output
        assert result.output == f"erreur : --rejects {rejects} : c'est le fichier importé, il serait écrasé ; " \
            "donnez un autre nom\n"  # fmt: skip
        assert path.read_text(encoding="utf-8") == text
    assert stored_ids(store_url) == []


def test_a_file_written_into_a_missing_folder_is_an_input_error_and_nothing_is_stored(store_url, tmp_path):
    """-o or --rejects naming a folder that does not exist: exit 2 with the path, not an internal error (exit 3);
    the import's good rows are not stored without their rejects."""
    path = tmp_path / "fiches.csv"
    path.write_text("received,commune,kind\n2026-01-05,63003,creation\n2026-01-05,63003,nope\n", encoding="utf-8")
    missing = tmp_path / "nowhere" / "rejects.csv"
    result = import_(path, store_url, "--skip-invalid", "--rejects", str(missing))
    assert result.exit_code == 2, result.output
    assert result.output == f"erreur : {missing}: son dossier n'existe pas : créez-le, ou écrivez le fichier ailleurs\n"
    assert stored_ids(store_url) == []
    exported = run("fiche", "export", "--format", "csv", "-o", str(tmp_path / "nowhere" / "x.csv"), "--as",
                   "coordinator", "--db", store_url)  # fmt: skip
    assert exported.exit_code == 2 and "son dossier n'existe pas" in exported.output
