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

from cli import main
from engine import i18n_catalog

DATA = Path(__file__).parent / "data" / "fiches"
ENGLISH = re.compile(
    r"\b(the|is|are|was|were|of|and|or|must|with|without|not|unknown|found|nothing|should|this|that|from|into|"
    r"your|you|please|only|when|each|every|which|valid|problems?|error|fiches\(s\)|stored|missing|field|"
    r"expected|default|write|give|did|mean)\b",
    re.IGNORECASE,
)


def english_words(text: str) -> list[str]:
    """English grammar words of a text, once options, ids, paths and examples' commands are removed."""
    kept = []
    for line in text.splitlines():
        if line.strip().startswith(("capactif ", "cat ")):
            continue  # an example command line
        line = re.sub(r"--?[\w-]+", " ", line)  # options
        line = re.sub(r"\S*[/_]\S*", " ", line)  # paths, ids with underscores, URLs
        line = re.sub(r"'[^']*'", " ", line)  # quoted values as the user wrote them
        kept.append(line)
    return ENGLISH.findall("\n".join(kept))


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
    assert [] == english_words(result.output), result.output


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


def test_english_on_request():
    """--lang en gives the English messages (the catalog's msgids)."""
    result = CliRunner().invoke(main, ["--lang", "en", "fiche", "check", str(DATA / "bad.json")])
    assert "unknown commune 'Lyon'" in result.output


def test_the_french_catalog_is_complete():
    """Every message of the code has a current French translation (nothing missing, stale or fuzzy)."""
    assert [] == i18n_catalog.check()
