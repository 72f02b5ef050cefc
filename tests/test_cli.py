"""The command line as a whole: exit codes, error handling, help on every command."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import engine.network
from cli import main
from engine import __version__

DATA = Path(__file__).parent / "data" / "fiches"


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner."""
    return CliRunner()


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_version(runner):
    """--version prints the package version and exits 0."""
    result = runner.invoke(main, ["--version"])
    assert 0 == result.exit_code
    assert f"capactif, version {__version__}\n" == result.output


@pytest.mark.parametrize("path", [p for p, _ in all_commands(main)], ids=" ".join)
def test_every_command_has_help_with_an_example(runner, path):
    """Every command word dispatches, and its --help shows an example (in French once translated)."""
    result = runner.invoke(main, [*path, "--help"])
    assert 0 == result.exit_code, result.output
    assert "Example:" in result.output or "Exemple :" in result.output


def test_fiche_check_valid_exits_0(runner):
    """A valid fiche is reported ok with exit 0."""
    result = runner.invoke(main, ["fiche", "check", str(DATA / "bakery-ambert.yaml")], catch_exceptions=False)
    assert 0 == result.exit_code, result.output
    assert "1 fiche valide." in result.output


def test_fiche_check_invalid_exits_2_with_every_problem(runner):
    """Input errors exit 2, one 'error:' line per problem, then a count, and no traceback."""
    result = runner.invoke(main, ["fiche", "check", str(DATA / "bad.json")])
    assert 2 == result.exit_code
    assert [
        f"erreur : {DATA}/bad.json:3:14: commune inconnue 'Lyon' (les plus proches : 63196 Limons, 63058 Bulhon)",
        f"erreur : {DATA}/bad.json:5:12: étape 'idae' introuvable (vouliez-vous dire 'idea' ?)",
        "2 problèmes ; rien n’a été modifié.",
    ] == result.stderr.splitlines()
    assert "Traceback" not in result.output


def test_fiche_check_reads_standard_input(runner):
    """'-' reads a fiche from standard input."""
    text = (DATA / "bakery-ambert.yaml").read_text()
    result = runner.invoke(main, ["fiche", "check", "-", "--format", "json"], input=text)
    assert 0 == result.exit_code, result.output
    assert '"fiche": "stdin"' in result.output


def test_usage_error_exits_2(runner):
    """An unknown option is a usage error (exit 2)."""
    assert 2 == runner.invoke(main, ["fiche", "check", "--nope", "x"]).exit_code


def test_a_bug_exits_3_and_hides_the_traceback_unless_debug(runner, monkeypatch):
    """An unexpected exception is exit 3 with a plain line; --debug shows the traceback, without the exception's
    message (it may quote personal data: tests/test_output_escaping.py)."""

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine.network, "load", broken)
    plain = runner.invoke(main, ["fiche", "check", str(DATA / "bakery-ambert.yaml")])
    assert 3 == plain.exit_code
    assert "erreur inattendue (un défaut de capactif)" in plain.stderr
    assert "Traceback" not in plain.stderr
    debug = runner.invoke(main, ["--debug", "fiche", "check", str(DATA / "bakery-ambert.yaml")])
    assert 3 == debug.exit_code
    assert "builtins.RuntimeError (message not shown" in debug.stderr
    assert 'raise RuntimeError("boom")' in debug.stderr
