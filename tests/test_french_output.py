"""French output never contains an English sentence (a sample of commands), and the catalog is complete.

The words checked are English grammar words (the, of, must, …) that no French sentence uses;
option names (``--as-of``), ids and file names are left out before looking.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from test_privacy_every_command import CASES, commands, formats, options
from test_privacy_every_command import seeded as seeded

from cli import main
from engine import i18n_catalog

DATA = Path(__file__).parent / "data" / "fiches"
ENGLISH = re.compile(
    r"\b(the|is|are|was|were|of|and|or|must|with|without|not|unknown|found|nothing|should|this|that|from|into|"
    r"your|you|please|only|when|each|every|which|valid|problems?|error|fiches\(s\)|stored|missing|field|"
    r"expected|default|write|give|did|mean|"
    r"has|have|been|by|for|to|in|at|its|can|cannot|may|yes|no|none|all|more|here|there|these|some|see|"
    r"written|passed|failed|cases?|replay|because|before|after|reasons?|gaps?|ties|entries|coverage|"
    r"covered|uncovered|supporting|stages|triggers|guards|changed|added|removed|already|again|run|"
    r"median|delay|report|projects|activities|installed|followed|offers?|per|committee|decisions?|rules)\b",
    re.IGNORECASE,
)


def english_words(text: str) -> list[str]:
    """English grammar words of a text, once options, ids, paths and examples' commands are removed."""
    kept = []
    for line in html_text(text).splitlines():
        if line.strip().startswith(("capactif ", "cat ")):
            continue  # an example command line
        line = re.sub(r"'capactif [^']*'", " ", line)  # a command quoted in a sentence
        line = re.sub(r"\S+-\S+", " ", line)  # ids with hyphens (rules, fiches, structures)
        line = re.sub(r"--?[\w-]+", " ", line)  # options
        line = re.sub(r"\S*[/_]\S*", " ", line)  # paths, ids with underscores, URLs
        line = re.sub(r"\b[A-Z][A-Z_]+\b", " ", line)  # an argument's name (DECISION, VERSION)
        line = re.sub(r"'[^']*'", " ", line)  # quoted values as the user wrote them
        line = re.sub(rf"\b({'|'.join(IDS)})\b", " ", line)  # stage, trigger and vocabulary ids
        kept.append(line)
    return ENGLISH.findall("\n".join(kept))


def html_text(text: str) -> str:
    """The words of a page (style sheet and tags left out); other text as it is."""
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", text)


def _ids() -> list[str]:
    from engine.lifecycle import GUARDS, TRIGGERS
    from engine.vocabulary import VOCABULARIES

    return sorted({*TRIGGERS, *GUARDS, *(i for table in VOCABULARIES.values() for i in table)}, key=len, reverse=True)


#: Identifiers printed as they are whatever the language (stages, triggers, needs…).
IDS = _ids()


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


@pytest.mark.parametrize("path", [(), *all_commands(main)], ids=lambda p: " ".join(p) or "capactif")
def test_every_help_is_french(path):
    """`capactif … --help` speaks French from the first line to the options."""
    result = CliRunner().invoke(main, [*path, "--help"])
    assert 0 == result.exit_code, result.output
    assert [] == english_words(without_names(result.output)), result.output


def without_names(help_text: str) -> str:
    """A help text without what stays English in it: command names, an option's or argument's choices
    (``[yes|no]``, ``{take|decline}``) and the values it quotes (``'none'``, « committee »)."""
    names = {word for command in all_commands(main) for word in command}
    text = re.sub(r"\[[^\]]*\]|\{[^}]*\}|«[^»]*»|(?<!\w)'[^']*'", " ", help_text)
    return re.sub(rf"\b({'|'.join(sorted(names, key=len, reverse=True))})\b", " ", text)


@pytest.mark.parametrize(
    "args",
    [
        ["fiche", "check", str(DATA / "bakery-ambert.yaml")],
        ["fiche", "check", str(DATA / "bad.yaml")],
        ["fiche", "check", str(DATA / "bad.json")],
        ["naf", "search", "boulangerie"],
        ["naf", "search", "zzzz"],
        ["rules", "check"],
        ["fiche", "nope"],
    ],
    ids=" ".join,
)
def test_command_output_is_french(args):
    """Results and errors of a sample of commands have no English sentence."""
    result = CliRunner().invoke(main, args)
    text = result.output + (result.stderr if result.stderr_bytes else "")
    assert [] == english_words(text), text


# --- a sample of everyday outputs, in French and with --lang en ------------------------------------

#: French grammar words no English sentence of capactif uses (structure names, vocabulary labels,
#: commune and activity names are French in both languages and are removed before looking).
FRENCH = re.compile(
    r"\b(est|sont|aucune?|pour|avec|sans|pas|vers|sauf|selon|elle|couvre|référente|compétente|règles?|étape|"
    r"besoins?|reçue|historique|fiches? enregistrées?|appuis?|activité|orpheline|prochaines?|vérifié|alertes)\b",
    re.IGNORECASE,
)


def french_words(text: str) -> list[str]:
    """French grammar words of an English text, once the names that stay French are removed."""
    from engine import network
    from engine.charter import load_charter
    from engine.vocabulary import VOCABULARIES

    net = network.load(None)
    names = [s.name for s in net.rules.structures.values()]
    names += [label for table in VOCABULARIES.values() for label in table.values()]
    names += [c.name for c in net.territory.communes.values()]
    names += [c.title for c in load_charter(None).commitments]  # the network's charter, in its words
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = re.sub(r"'[^']*'|\([^)]*\)|\S*[/_]\S*", " ", html_text(text))  # ids, labels in parentheses, paths
    return FRENCH.findall(text)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """A small synthetic store made by `capactif demo` (30 fiches), read by the other commands."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    result = CliRunner().invoke(main, ["demo", "--fiches", "30", "--db", str(path)])
    assert 0 == result.exit_code, result.output
    return str(path)


def sample(demo_store: str) -> dict[str, list[str]]:
    """The commands sampled: suggest, fiche list, fiche show, fiche add, demo and report."""
    return {
        "suggest": ["suggest", str(DATA / "bakery-ambert.yaml"), "--alternatives", "1"],
        "fiche list": ["fiche", "list", "--as", "coordinator", "--db", demo_store],
        "fiche show": ["fiche", "show", "F-2026-0001", "--as", "coordinator", "--db", demo_store],
        "demo": ["demo", "--fiches", "30", "--db", str(Path(demo_store).with_name("again.sqlite"))],
        "report": ["report", "--year", "2026", "--as", "coordinator", "--db", demo_store],
    }


def people_words_removed(text: str) -> str:
    """The text capactif writes, without what people wrote in their own words.

    Left out: the demo's committee alerts (their texts are checked with the alerts), the ``why`` of a
    coordinator's rule cited by a reason (the rules directory's words), and the free text of a note
    or contact in a history.
    """
    for heading in ("Alertes du comité :", "Committee alerts:"):
        text = text.split(heading)[0]
    text = re.sub(r"(`[^`]+`(?: \([^)]*\))?) ?: .*$", r"\1", text, flags=re.MULTILINE)
    return re.sub(r"^(\s+\S+\s+\S+: (?:contact|note)(?: \([^)]*\))?): .*$", r"\1", text, flags=re.MULTILINE)


@pytest.mark.parametrize("command", ["suggest", "fiche list", "fiche show", "demo", "report"])
def test_everyday_output_is_french(demo_store, command):
    """What a technician reads every day has no English sentence by default."""
    result = CliRunner().invoke(main, sample(demo_store)[command])
    assert result.exit_code in (0, 1), result.output
    assert result.output.strip()
    assert [] == english_words(people_words_removed(result.output)), result.output


@pytest.mark.parametrize("command", ["suggest", "fiche list", "fiche show", "demo", "report"])
def test_everyday_output_in_english_on_request(demo_store, command):
    """With --lang en the same outputs are English: no French sentence left, names aside."""
    result = CliRunner().invoke(main, ["--lang", "en", *sample(demo_store)[command]])
    assert result.exit_code in (0, 1), result.output
    assert [] == french_words(people_words_removed(result.output)), result.output


def test_english_on_request():
    """--lang en gives the English messages (the catalog's msgids)."""
    result = CliRunner().invoke(main, ["--lang", "en", "fiche", "check", str(DATA / "bad.json")])
    assert "unknown commune 'Lyon'" in result.output


def test_the_french_catalog_is_complete():
    """Every message of the code has a current French translation (nothing missing, stale or fuzzy)."""
    assert [] == i18n_catalog.check()


# --- every command, in French and in English ------------------------------------------------------


#: Commands whose only output is data for machines (a JSON export): its keys and ids are the interface.
DATA_ONLY = {"porteur export"}


def every_format(seeded: dict[str, str], name: str, language: str) -> str:
    """What a command prints, as the coordinator, in every format but JSON (whose keys stay English), in a
    language; with the command line and the format before each output, for the assertion's message."""
    command = commands()[name]
    args = [a.format(**seeded) for a in CASES[name]]
    if "--as" in options(command):
        args += ["--as", "coordinator"]
    if "--db" in options(command) and "--db" not in args:
        args += ["--db", seeded["db"]]
    env = {"CAPACTIF_HOME": seeded["home"], "CAPACTIF_LANG": language}
    shown = []
    for fmt in formats(command):
        if fmt in ("json", "yaml", "csv", "mermaid"):
            continue  # data for machines (keys and ids stay English; csv headers are ids too)
        result = CliRunner().invoke(main, [*name.split(), *args, *(["--format", fmt] if fmt else [])], env=env)
        assert result.exit_code in (0, 1, 2), result.output
        shown.append(f"capactif {name} {fmt or ''}\n{result.output}")
    return "\n".join(shown)


@pytest.mark.parametrize("name", sorted(set(CASES) - DATA_ONLY))
def test_every_command_speaks_french(seeded, name):
    """Whatever the command, its French output (result or error) has no English sentence."""
    text = every_format(seeded, name, "fr")
    assert [] == english_words(people_words_removed(text)), text


@pytest.mark.parametrize("name", sorted(set(CASES) - DATA_ONLY))
def test_every_command_speaks_english_on_request(seeded, name):
    """With CAPACTIF_LANG=en the same commands have no French sentence left (names and labels aside)."""
    text = every_format(seeded, name, "en")
    found = french_words(people_words_removed(text))
    if name.startswith("charter"):  # the charter's commitments, in its words, wrap across a table's lines
        from engine.charter import load_charter

        theirs = {w.lower() for c in load_charter(None).commitments for w in re.findall(r"\w+", c.title)}
        found = [w for w in found if w.lower() not in theirs]
    assert [] == found, text
