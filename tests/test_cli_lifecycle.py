"""``capactif lifecycle``: the three views of the lifecycle machine."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli import main
from engine.lifecycle import lifecycle
from engine.vocabulary import STAGES


def run(*args: str):
    """Invoke the CLI in-process and return the result."""
    return CliRunner().invoke(main, list(args))


def test_text_lists_stages_triggers_and_guards():
    """The default view names every stage with its French label, every trigger and every guard."""
    result = run("lifecycle")
    assert result.exit_code == 0, result.output
    for stage, label in STAGES.items():
        assert stage in result.output
        assert label in result.output
    assert "idea        idée (premier accueil)" in result.output
    assert "      study, financing -> installed  [has_installation_date]" in result.output
    for row in lifecycle().table():
        assert row["trigger"] in result.output
    assert "has_follow_up_structure" in result.output


def test_json_is_describe():
    """--format json prints exactly describe()."""
    result = run("lifecycle", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == lifecycle().describe()


def test_mermaid_is_the_generated_diagram():
    """--format mermaid prints the diagram generated from the machine."""
    result = run("lifecycle", "--format", "mermaid")
    assert result.exit_code == 0, result.output
    assert result.output == lifecycle().mermaid()


def test_unknown_format_is_a_usage_error():
    """An unknown --format is refused by click with exit 2."""
    result = run("lifecycle", "--format", "dot")
    assert result.exit_code == 2


def test_help_has_an_example():
    """The help text shows an Example block."""
    result = run("lifecycle", "--help")
    assert result.exit_code == 0
    assert "Exemple :\n      capactif lifecycle\n" in result.output
