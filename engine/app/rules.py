"""Use cases of the network's rules: check, show, schema, coverage, routing tests, and the replay of a change.

They read the rules *directory* (``--rules``, ``$CAPACTIF_RULES``, ``./rules``, bundled): what the
coordinator is editing, not the rules in force in the store (those route the fiches)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.app.workspace import Workspace
from engine.coverage.report import Coverage
from engine.errors import InputError, Problem
from engine.i18n import _
from engine.replay.diff import ReplayReport
from engine.replay.progress import DelayedProgress
from engine.rules.loader import CheckResult
from engine.rulestest.runner import TestReport

__all__ = [
    "CheckedRules",
    "Coverage",
    "DelayedProgress",
    "ReplayReport",
    "StructureShown",
    "StructuresShown",
    "TestReport",
    "WrittenSchemas",
    "check",
    "coverage",
    "diff",
    "schema",
    "show",
    "test",
]


@dataclass
class CheckedRules:
    """``rules check``: the directory checked and what the check found (never raises on bad rules)."""

    rules_dir: Path
    result: CheckResult

    @property
    def exit_code(self) -> int:
        """0 when the rules are valid, 2 when a file has a problem."""
        return 0 if self.result.ok else 2

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()


def check(ws: Workspace, directory: Path | None = None) -> CheckedRules:
    """Every problem of every file of ``directory`` (default: the workspace's rules), or a summary."""
    from engine import paths
    from engine.rules.loader import check_rules

    rules_dir = paths.rules_dir(directory) if directory else ws.config.rules_dir
    return CheckedRules(rules_dir, check_rules(rules_dir))


@dataclass
class StructureShown:
    """``rules show S``: what one structure covers, in words (keys of docs/rules.md)."""

    info: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.info


@dataclass
class StructuresShown:
    """``rules show``: one row per structure of the network."""

    version: str
    rows: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "structures": self.rows}


def show(ws: Workspace, structure: str | None = None) -> StructureShown | StructuresShown:
    """One structure described (unknown ids refused with the closest), or the table of all."""
    from engine.rules.describe import describe_structure, structures_table

    ruleset = ws.directory_network.rules
    if structure:
        return StructureShown(describe_structure(ruleset, structure))
    return StructuresShown(ruleset.version, structures_table(ruleset))


@dataclass
class WrittenSchemas:
    """``rules schema``: the JSON Schema files written."""

    written: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"written": self.written}


def schema(out_dir: Path) -> WrittenSchemas:
    """Write the JSON Schemas of the rules files (structure, routing, territory) into ``out_dir``."""
    from engine.rules.schema import write_schemas

    return WrittenSchemas([str(p) for p in write_schemas(out_dir)])


def coverage(ws: Workspace) -> Coverage:
    """Gaps, conditional coverage and lead ties of the rules, per local network (from the rules alone)."""
    from engine.coverage.report import coverage as analyse
    from engine.routing import compile_rules

    return analyse(compile_rules(ws.directory_network.rules))


def test(ws: Workspace, files: Sequence[str | Path] = ()) -> TestReport:
    """Run routing test cases (default: the rules directory's ``tests/*.yaml``) against the rules."""
    from engine.routing import compile_rules
    from engine.rulestest.loader import default_case_files, load_cases
    from engine.rulestest.runner import run_cases

    net = ws.directory_network
    paths = list(files) or default_case_files(net.rules_dir)
    if not paths:
        where = net.rules_dir / "tests"
        raise InputError(
            problems=[Problem(str(where), 0, 0, _("no routing tests (*.yaml) here: write some, or pass test files"))]
        )
    context = net.fiche_context()
    context["orientations"] = frozenset(o.id for o in net.rules.orientations)
    cases = load_cases(paths, context)
    return run_cases(cases, compile_rules(net.rules), rules_version=net.rules.version)


def diff(
    ws: Workspace,
    base: str,
    fiches: Sequence[str] = (),
    as_of: dt.date | None = None,
    *,
    stdin_text: str | None = None,
    progress: Callable[[int], Callable[[int], None]] | None = None,
) -> ReplayReport:
    """Replay fiches (files, or the store) through the ``base`` rules (a directory or a git revision) and
    the workspace's rules, and report every fiche whose routing changes."""
    from engine.app.published import replay_base
    from engine.replay.run import run_replay

    return run_replay(
        base, ws.config.rules_dir, fiches, as_of, stdin_text=stdin_text, progress=progress, db_url=ws.config.db,
        resolve_base=lambda name: replay_base(ws, name),
    )  # fmt: skip
