"""rules diff's two sides and its explanations, at their edges: a base that is not a usable git
revision, a working directory that is missing or broken, a revision read with git without touching
the working tree, and the causes named when a structure is added or removed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from routing_factory import fiche, ruleset, structure

from engine import paths
from engine.errors import RulesError
from engine.render import render
from engine.replay.delta import rules_delta
from engine.replay.diff import ReplayReport, replay
from engine.replay.sides import base_side, load_side, working_side
from engine.routing import compile_rules

#: These tests read the engine's messages word for word in English (the msgids); their French is
#: checked by the catalog tests and tests/test_french_output.py.
pytestmark = pytest.mark.usefixtures("english")

RULES = paths.bundled("rules")


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose first commit has no rules and whose second adds them under netrules/."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "README").write_text("network\n", encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    shutil.copytree(RULES, root / "netrules")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "rules")
    return root


def problem(raised: pytest.ExceptionInfo[RulesError]) -> str:
    [line] = raised.value.lines()
    return line


def test_a_revision_is_read_into_a_temporary_copy_removed_afterwards(repo: Path):
    side = load_side(base_side("HEAD", repo / "netrules"))
    assert side.label == "base rules (git HEAD)"
    assert (side.rules_dir / "territory.yaml").is_file() and side.ruleset is not None
    copy = side.rules_dir
    side.cleanup()
    assert not copy.exists()


def test_a_revision_without_the_rules_directory_is_named(repo: Path):
    with pytest.raises(RulesError) as raised:
        base_side("HEAD~1", repo / "netrules")
    assert "the rules directory 'netrules' does not exist at revision HEAD~1" in problem(raised)


def test_an_unknown_revision_and_a_directory_outside_git_are_refused(repo: Path, tmp_path: Path):
    with pytest.raises(RulesError) as raised:
        base_side("no-such-revision", repo / "netrules")
    assert "unknown git revision 'no-such-revision' (and no directory of that name)" in problem(raised)
    outside = tmp_path / "outside"
    shutil.copytree(RULES, outside)
    with pytest.raises(RulesError) as raised:
        base_side("HEAD~3", outside)
    assert "is neither a directory nor usable as a git revision" in problem(raised)
    with pytest.raises(RulesError) as raised:
        base_side("HEAD", tmp_path / "missing")
    assert "the working rules directory" in problem(raised) and "does not exist" in problem(raised)


def test_a_broken_side_is_named_in_each_problem(tmp_path: Path):
    with pytest.raises(RulesError) as raised:
        load_side(working_side(tmp_path / "nowhere"))
    assert "rules directory" in problem(raised) and "not found" in problem(raised)
    broken = tmp_path / "broken"
    shutil.copytree(RULES, broken)
    (broken / "territory.yaml").write_text("local_networks: [\n", encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        load_side(working_side(broken))
    assert all(line.startswith("working rules (") for line in raised.value.lines())


def test_a_structure_added_or_removed_is_the_cause_named(english):
    """The new lead's file is the cause; the text report shows before → after and the cause."""
    old = structure("old", lead={"natures": ["liberal"]})
    new = structure("new", lead={"natures": ["artisanal"]})
    base, working = ruleset(old, version="base"), ruleset(old, new, version="working")
    bakery = fiche(id="F-2025-0001", naf="10.71C")
    [added], _, _ = replay([bakery], compile_rules(base), compile_rules(working), rules_delta(base, working))
    assert added.changed == ("lead", "orphan") and "structure new added" in added.causes
    [removed], _, _ = replay([bakery], compile_rules(working), compile_rules(base), rules_delta(working, base))
    assert "structure new removed" in removed.causes
    report = ReplayReport("base", "working", "base", "working", fiches=1, delta=rules_delta(base, working))
    report.changes = [added]
    text = render(report, "text")
    assert "  lead: no lead → new" in text and "    structure new added" in text
