"""Hostile files (issue 14, items 1-3): alias bombs, deep nesting, lax JSON and files only one of two
YAML loaders accepted.  Each case is one the adversarial run found; each must end in a located
message and exit 2, quickly and without a traceback, never in a hang, a crash or exit 3."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from engine.errors import InputError
from engine.yamlsource import MAX_DEPTH, MAX_NODES, parse_text

RULES = Path(__file__).parent.parent / "rules"
FICHE = "received: 2026-01-05\ncommune: '63003'\nkind: creation\n"


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin, env={"CAPACTIF_AS": "", "CAPACTIF_NO_CACHE": "1"})


def bomb(levels: int = 9) -> str:
    """The 'billion laughs': each level repeats the previous one 9 times (9**9 strings from ~600 bytes)."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join(f"*l{i - 1}" for _ in range(9)) + "]")
    return "\n".join(lines) + "\n"


def fiche_bomb() -> str:
    """A fiche whose fields hold the bomb: every message that formats the value would expand it."""
    return bomb().replace("l0:", "summary:", 1) + FICHE + "needs: *l8\nporteur: {name: *l8}\n"


@pytest.mark.parametrize("command", [("fiche", "check"), ("suggest",)])
def test_alias_bomb_in_a_fiche_is_refused_at_its_first_alias(tmp_path, command):
    """fiche check and suggest refuse aliases in a fiche file, at the first one, instead of hanging."""
    path = tmp_path / "bomb.yaml"
    path.write_text(fiche_bomb())
    result = run(*command, str(path))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"erreur : {path}:2:10: alias '*l0' interdit ici")
    assert len(result.output) < 400


def test_alias_bomb_is_refused_by_fiche_add_and_import(store_url, tmp_path):
    """fiche add and fiche import (YAML) refuse it too; nothing is stored."""
    path = tmp_path / "bomb.yaml"
    path.write_text(fiche_bomb())
    added = run("fiche", "add", str(path), "--db", store_url, "--as", "coordinator")
    imported = run("fiche", "import", str(path), "--db", store_url, "--as", "coordinator", "--skip-invalid")
    for result in (added, imported):
        assert result.exit_code == 2, result.output
        assert "alias '*l0' interdit ici" in result.output
    listed = run("fiche", "list", "--db", store_url, "--format", "json", "--as", "coordinator")
    assert listed.output.strip() == "[]"


def test_offer_files_refuse_aliases(tmp_path):
    """Offer files are read like fiche files: an alias is refused where it is written."""
    offer = "{kind: takeover, title: Boulangerie, commune: '63003', published_on: 2026-01-02, published_in: X}"
    text = f"- &o {offer}\n- *o\n"
    with pytest.raises(InputError) as caught:
        parse_text(text, "offers.yaml")
    assert str(caught.value.problems[0]).startswith("offers.yaml:2:3: alias '*o' interdit ici")


@pytest.fixture
def rules_copy(tmp_path) -> Path:
    """A copy of the bundled rules to damage."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def test_rules_keep_their_aliases_but_a_bomb_is_refused(rules_copy):
    """Rules files may repeat a list (&industrial, *industrial), but not expand to millions of values."""
    assert run("rules", "check", "--rules", str(rules_copy)).exit_code == 0
    routing = rules_copy / "routing.yaml"
    routing.write_text(bomb() + routing.read_text())
    result = run("rules", "check", "--rules", str(rules_copy))
    assert result.exit_code == 2, result.output
    assert f"se développent en plus de {MAX_NODES} valeurs" in result.output
    assert len(result.output) < 1000


def test_a_self_referencing_alias_is_refused_in_rules(rules_copy):
    """An anchor whose value contains its own alias would be an infinite value."""
    routing = rules_copy / "routing.yaml"
    routing.write_text("loop: &loop [*loop]\n" + routing.read_text())
    result = run("rules", "check", "--rules", str(rules_copy))
    assert result.exit_code == 2, result.output
    assert "renvoie à la valeur qui le contient" in result.output


@pytest.mark.parametrize(("name", "levels"), [("deep.yaml", 2_000), ("deep.yaml", 200_000), ("deep.json", 10_000)])
def test_deep_nesting_is_a_located_error(tmp_path, name, levels):
    """Thousands of nested lists end in exit 2 at the level that is too deep, not RecursionError or a crash."""
    path = tmp_path / name
    path.write_text("[" * levels + "]" * levels)
    result = run("fiche", "check", str(path))
    assert result.exit_code == 2, result.output
    column = MAX_DEPTH + 1
    assert result.output.startswith(f"erreur : {path}:1:{column}: plus de {MAX_DEPTH} niveaux d'imbrication")


def test_deep_nesting_in_block_style(tmp_path):
    """Indentation nests too: '- - - - …' is measured the same way."""
    path = tmp_path / "deep.yaml"
    path.write_text("- " * 5_000 + "x\n")
    result = run("fiche", "check", str(path))
    assert result.exit_code == 2
    assert f"plus de {MAX_DEPTH} niveaux d'imbrication" in result.output


def test_deep_nesting_in_a_rules_file(rules_copy):
    """rules check measures depth before building anything as well."""
    (rules_copy / "routing.yaml").write_text("rules: " + "[" * 50_000 + "]" * 50_000 + "\n")
    result = run("rules", "check", "--rules", str(rules_copy))
    assert result.exit_code == 2
    assert f"plus de {MAX_DEPTH} niveaux d'imbrication" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"received": "2026-01-05", "kind": "creation",}', "1:47: JSON invalide : un nom de champ"),
        ('[{"received": "2026-01-05", "kind": "creation"},]', "1:49: JSON invalide : une valeur est attendue"),
        ('{"received": &d "2026-01-05", "kind": "creation"}', "1:14: JSON invalide : une valeur est attendue"),
        ('# fiche\n{"received": "2026-01-05"}', "1:1: JSON invalide : une valeur est attendue"),
        ('{"kind": "creation", "kind": "takeover"}', "1:22: JSON invalide : clé en double 'kind'"),
        ('{"employees": NaN}', "1:15: JSON invalide : 'NaN' n'est pas un nombre JSON"),
        ("received: 2026-01-05\n", "1:1: JSON invalide : une valeur est attendue"),
    ],
)  # fmt: skip
def test_json_files_are_read_as_strict_json(tmp_path, text, message):
    """A .json file is JSON: a trailing comma, an anchor, a comment, a duplicate key or YAML is refused."""
    path = tmp_path / "f.json"
    path.write_text(text)
    result = run("fiche", "check", str(path))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"erreur : {path}:{message}"), result.output


def test_json_problems_are_located_in_the_json_file(tmp_path):
    """A valid JSON file (tab-indented) still locates its validation problems."""
    path = tmp_path / "f.json"
    path.write_text('{\n\t"received": "2026-01-05",\n\t"commune": "63003",\n\t"kind": "creaton"\n}\n')
    result = run("fiche", "check", str(path))
    assert result.output.startswith(f"erreur : {path}:4:10: type de projet 'creaton' introuvable"), result.output


def test_a_tab_after_a_colon_is_one_result_for_check_and_import(store_url, tmp_path):
    """The file the fast loader accepted and the locating loader refused (tab after a colon, bad kind):
    fiche check and fiche import report the same located problem, neither crashes."""
    path = tmp_path / "tabs.yaml"
    path.write_text("- received:\t2026-01-05\n  commune:\t'63003'\n  kind:\tcreaton\n")
    checked = run("fiche", "check", str(path))
    imported = run("fiche", "import", str(path), "--db", store_url, "--as", "coordinator")
    assert checked.exit_code == imported.exit_code == 2, (checked.output, imported.output)
    assert f"{path}:3:9: type de projet 'creaton' introuvable" in checked.output
    assert f"{path}:3:9: type de projet 'creaton' introuvable" in imported.output
    path.write_text("- received:\t2026-01-05\n  commune:\t'63003'\n  kind:\tcreation\n")
    imported = run("fiche", "import", str(path), "--db", store_url, "--as", "coordinator")
    assert imported.exit_code == 0, imported.output


def test_a_huge_value_is_quoted_as_a_short_excerpt(tmp_path):
    """A 1 MB value in a wrong field is named by its first characters only."""
    path = tmp_path / "big.yaml"
    path.write_text(FICHE.replace("creation", "x" * 1_000_000))
    result = run("fiche", "check", str(path))
    assert result.exit_code == 2
    assert len(result.output) < 300
    assert "type de projet 'xxxxxxxxxx" in result.output


def test_a_file_too_large_is_refused_before_reading(tmp_path, monkeypatch):
    """The size limit stops a file before it is parsed."""
    import engine.yamlsource as ys

    monkeypatch.setattr(ys, "MAX_BYTES", 1_000)
    path = tmp_path / "big.yaml"
    path.write_text(FICHE + "summary: " + "x" * 2_000 + "\n")
    result = run("fiche", "check", str(path))
    assert result.exit_code == 2
    assert "fichier trop gros" in result.output


@pytest.mark.parametrize("name", ["f.yaml", "f.json"])  # CSV files may be Windows-1252 (a French Excel)
def test_an_encoding_error_is_located(store_url, tmp_path, name):
    """A Latin-1 byte in a YAML or JSON file is reported at its line and column (the adversarial run found
    only 'not UTF-8')."""
    path = tmp_path / name
    rows = {
        "f.yaml": "received: 2026-01-05\ncommune: Tho\xeflas\nkind: creation\n",
        "f.json": '{"received": "2026-01-05",\n "commune": "Tho\xeflas", "kind": "creation"}',
        "f.csv": "received,commune,kind\n2026-01-05,Tho\xeflas,creation\n",
    }
    path.write_bytes(rows[name].encode("latin-1"))
    line, column = {"f.yaml": (2, 13), "f.json": (2, 17), "f.csv": (2, 15)}[name]
    result = run("fiche", "import", str(path), "--db", store_url, "--as", "coordinator")
    assert result.exit_code == 2
    assert result.output.startswith(f"erreur : {path}:{line}:{column}: texte qui n'est pas en UTF-8 (octet 0xef)"), (
        result.output
    )


def test_a_key_that_is_not_a_word_is_named_without_pydantic_words(tmp_path):
    """A number, null or list as a key ('1: 2', 'null: 3', '? [a, b]') is said in plain French, not as
    pydantic's 'invalid_key' (issue 14, item 12)."""
    path = tmp_path / "keys.yaml"
    path.write_text("? [a, b]\n: x\n" + FICHE + "1: 2\nnull: 3\n")
    result = run("fiche", "check", str(path))
    assert result.exit_code == 2, result.output
    assert "invalid_key" not in result.output
    assert f"{path}:6:4: '1' n'est pas un nom de champ : les noms de champs sont des mots" in result.output
    assert "'<liste de 2 éléments>' n'est pas un nom de champ" in result.output


def test_an_id_given_on_the_command_line_is_quoted_as_a_short_excerpt(tmp_path):
    """A 5,000-character 'id' comes back as its first characters, not in full."""
    store = str(tmp_path / "s.sqlite")
    for command in (("fiche", "show"), ("offer", "show")):
        result = run(*command, "F" * 5_000, "--as", "coordinator", "--db", store)
        assert result.exit_code == 2, result.output
        assert len(result.output) < 200 and "FFFFFFFFFF…'" in result.output


@pytest.mark.parametrize("name", ["fiches.yaml", "fiches.csv"])
def test_a_pipe_is_refused_instead_of_waiting_forever(store_url, tmp_path, name):
    """A named pipe given as a file made fiche check and fiche import wait for ever: refused before reading."""
    import os

    path = tmp_path / name
    os.mkfifo(path)
    for args in (
        ("fiche", "check", str(path)),
        ("fiche", "import", str(path), "--db", store_url, "--as", "coordinator"),
    ):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert (
            result.output
            == f"erreur : {path}: pas un fichier ordinaire (un tube ou un périphérique) : donnez un fichier\n"
        )


def test_a_csv_file_too_large_is_refused_before_reading(store_url, tmp_path, monkeypatch):
    """CSV imports have a size limit too (they had none): a table's, larger than a YAML file's."""
    import engine.yamlsource as ys

    monkeypatch.setattr(ys, "MAX_TABLE_BYTES", 1_000)
    path = tmp_path / "big.csv"
    path.write_text("received,commune,kind,summary\n2026-01-05,63003,creation," + "x" * 2_000 + "\n")
    result = run("fiche", "import", str(path), "--db", store_url, "--as", "coordinator")
    assert result.exit_code == 2, result.output
    assert "fichier trop gros" in result.output


def test_a_national_import_fits_in_one_csv_file(tmp_path):
    """100,000 fiches of about 240 bytes (issue 19's national import, ~24 MB) are read as one file; the
    table limit is stated in the message beyond it."""
    import engine.yamlsource as ys
    from engine import spreadsheet
    from engine.errors import InputError

    row = "2026-01-05;63003;creation;" + "x" * 212 + "\n"
    path = tmp_path / "national.csv"
    path.write_text("received;commune;kind;summary\n" + row * 100_000)
    assert path.stat().st_size > ys.MAX_BYTES  # more than a YAML file may hold
    text, _encoding = spreadsheet.read_text(path)
    assert text.count("\n") == 100_001
    with path.open("a") as handle:
        handle.write(row * ((ys.MAX_TABLE_BYTES - path.stat().st_size) // len(row) + 1))
    with pytest.raises(InputError) as refused:
        spreadsheet.read_text(path)
    assert str(ys.MAX_TABLE_BYTES // 2**20) in str(refused.value)


@pytest.mark.parametrize(
    "args",
    [
        ("notify", "--as-of", "9999-12-31", "--dry-run", "{tmp}"),
        ("notify", "--as-of", "0001-01-01", "--dry-run", "{tmp}"),
        ("fiche", "list", "--received-from", "1999-12-31"),
        ("report", "--from", "2025-01-01", "--to", "2101-01-01"),
    ],
)
def test_a_date_outside_the_years_capactif_knows_is_refused_on_every_option(tmp_path, args):
    """notify --as-of 9999-12-31 crashed (the next meeting fell in year 10000): every YYYY-MM-DD option
    takes years 2000 to 2100 only, said at the option (issue 14: never exit 3)."""
    store = str(tmp_path / "s.sqlite")
    result = run(*(a.format(tmp=tmp_path) for a in args), "--as", "coordinator", "--db", store)
    assert result.exit_code == 2, result.output
    assert "est hors des années que capactif connaît (2000 à 2100)" in result.output
