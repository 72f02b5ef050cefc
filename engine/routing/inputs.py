"""From the ``suggest`` command's arguments to suggestions: the one engine call the CLI makes.

:func:`resolve_fiches` is the seam where stored fiches will come in: today every argument is a
file (YAML or JSON) or ``-`` for standard input; once the store exists, an argument that is a fiche
id (``F-2025-0012``) and not a file will be read from it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import paths
from engine.errors import InputError, Problem
from engine.fiche import FICHE_ID_PATTERN, Fiche, read_fiches
from engine.routing.compile import CompiledRules, compile_rules
from engine.routing.explain import Explanation, explain
from engine.routing.suggest import Suggestion, suggest
from engine.vocabulary import unknown


def resolve_fiches(
    arguments: Sequence[str], network: Any, stdin_text: str | None = None, db_url: str | None = None
) -> list[Fiche]:
    """The fiches named by the arguments, every problem of every argument at once (InputError).

    An argument that looks like a fiche id (``F-2026-0012``) and is not a file is read from the
    store (``db_url``, see :func:`engine.store.db.resolve_url`).
    """
    problems: list[Problem] = []
    files: list[str] = []
    ids: list[str] = []
    for arg in arguments:
        if arg != "-" and re.match(FICHE_ID_PATTERN, arg) and not Path(arg).exists():
            ids.append(arg)
        else:
            files.append(arg)
    fiches: list[Fiche] = []
    try:
        fiches = read_fiches(files, network.fiche_context(), stdin_text=stdin_text)
    except InputError as exc:
        problems.extend(exc.problems)
    if ids:
        from engine.errors import EngineError
        from engine.store.service import stored_fiches

        try:
            fiches += stored_fiches(db_url, ids)[0]
        except EngineError as exc:
            problems.extend(exc.problems or [Problem("--db", 0, 0, str(exc))])
    if problems:
        raise InputError(problems=problems)
    return fiches


@dataclass
class SuggestRun:
    """What ``capactif suggest`` shows: suggestions (or explanations) and the compiled rules."""

    rules: CompiledRules
    suggestions: list[Suggestion]
    explanations: list[Explanation]

    @property
    def orphans(self) -> int:
        """How many fiches no structure can lead (exit code 1 when any)."""
        return sum(1 for s in self.suggestions if s.orphan)


def run_suggest(
    network: Any,
    arguments: Sequence[str],
    stdin_text: str | None = None,
    *,
    alternatives: int = 0,
    explain_structure: str | None = None,
    caseload: Mapping[str, int] | None = None,
    db_url: str | None = None,
) -> SuggestRun:
    """Read the fiches, compile the rules once, suggest for each fiche (and explain one structure)."""
    problems: list[Problem] = []
    if explain_structure is not None and explain_structure not in network.rules.structures:
        problems.append(
            Problem("--explain", 0, 0, unknown("structure", explain_structure, sorted(network.rules.structures)))
        )
    try:
        fiches = resolve_fiches(arguments, network, stdin_text, db_url)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems=problems)
    if caseload is None and _store_configured(db_url):
        from engine.store.service import store_caseload  # SQLAlchemy: imported only when there is a store

        caseload = store_caseload(db_url)
    rules = compile_rules(network.rules)
    suggestions = [suggest(f, rules, caseload, alternatives=alternatives) for f in fiches]
    explanations = []
    if explain_structure is not None:
        explanations = [explain(f, rules, explain_structure, caseload) for f in fiches]
    return SuggestRun(rules, suggestions, explanations)


def _store_configured(db_url: str | None) -> bool:
    """A store to read caseloads from: ``--db``, ``$CAPACTIF_DB`` or the default SQLite file.

    Checked without importing the store (SQLAlchemy alone costs more than the whole suggestion).
    """
    if db_url or os.environ.get("CAPACTIF_DB"):
        return True
    return paths.default_store_file().exists()
