"""Use case of ``capactif suggest``: the lead and supporting structures of fiches, with the reasons.

Fiches come from files (YAML or JSON, ``-`` for standard input) or, for an argument that looks
like a fiche id (``F-2026-0012``) and is no file, from the store.  The store's caseloads are used
when a store is configured (``--db``, ``$CAPACTIF_DB`` or the default file exists); routing itself
never reads the store: the caseload is handed to it here.  Importing this module costs no
SQLAlchemy (docs/performance.md): the store is imported only when it is needed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.app.workspace import Workspace
from engine.errors import EngineError, InputError, Problem
from engine.plainfiche import FICHE_ID_PATTERN, context, plain_fiche
from engine.routing.compile import CompiledRules
from engine.routing.explain import Explanation, explain
from engine.routing.suggest import Suggestion, suggest
from engine.vocabulary import unknown

if TYPE_CHECKING:
    from engine.fiche import Fiche
    from engine.plainfiche import PlainFiche

__all__ = ["Explanations", "Suggestions", "read_fiche_arguments", "read_routing_fiches", "suggest_fiches"]


@dataclass
class Suggestions:
    """The suggestions for the fiches given (one JSON object for one fiche, a list for several)."""

    rules: CompiledRules
    suggestions: list[Suggestion]

    @property
    def orphans(self) -> int:
        """How many fiches no structure can lead."""
        return sum(1 for s in self.suggestions if s.orphan)

    @property
    def exit_code(self) -> int:
        """1 when a fiche is an orphan, else 0."""
        return 1 if self.orphans else 0

    def to_dict(self) -> Any:
        data = [s.to_dict() for s in self.suggestions]
        return data[0] if len(data) == 1 else data


@dataclass
class Explanations:
    """``suggest --explain S``: why one structure was or was not chosen, per fiche."""

    rules: CompiledRules
    explanations: list[Explanation]
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 when a fiche is an orphan (as without --explain), else 0."""
        return 1 if any(s.orphan for s in self.suggestions) else 0

    def to_dict(self) -> Any:
        data = [e.to_dict() for e in self.explanations]
        return data[0] if len(data) == 1 else data


def read_fiche_arguments(
    ws: Workspace, arguments: Sequence[str], stdin_text: str | None = None
) -> list[Fiche | PlainFiche]:
    """The fiches named by the arguments, every problem of every argument at once (``InputError``).

    Files are read for routing (:func:`engine.plainfiche.read_routing_fiches`: the same fiches and the same
    problems as :func:`engine.fiche.read_fiches`, without pydantic for the fiches written plainly), validated
    against the compiled rules' territory and structures (the same as the network's: no rules model is
    loaded when the compiled rules come from their cache)."""
    problems: list[Problem] = []
    files: list[str] = []
    ids: list[str] = []
    for arg in arguments:
        if arg != "-" and re.match(FICHE_ID_PATTERN, arg) and not Path(arg).exists():
            ids.append(arg)
        else:
            files.append(arg)
    fiches: list[Fiche | PlainFiche] = []
    rules = ws.compiled_rules
    try:
        fiches = read_routing_fiches(files, context(rules.territory, rules.structures), stdin_text=stdin_text)
    except InputError as exc:
        problems.extend(exc.problems)
    if ids:
        from engine.store import queries

        try:
            with ws.store.transaction() as conn:
                fiches += queries.load_fiches(conn, ids)
        except EngineError as exc:
            problems.extend(exc.problems or [Problem("--db", 0, 0, str(exc))])
    if problems:
        raise InputError(problems=problems)
    return fiches


def read_routing_fiches(
    paths: Sequence[str | Path], ctx: dict[str, Any], stdin_text: str | None = None
) -> list[Fiche | PlainFiche]:
    """:func:`engine.fiche.read_fiches` for routing: each fiche :func:`~engine.plainfiche.plain_fiche` accepts
    is a :class:`~engine.plainfiche.PlainFiche`, every other one is read by the model (its problems are the
    model's own), so pydantic's models are built only when a fiche needs them (docs/performance.md)."""
    from engine.yamlsource import read_models

    return read_models(paths, _fiche_model, ctx, "fiche", stdin_text, fast=plain_fiche)


def _fiche_model() -> type[Fiche]:
    from engine.fiche import Fiche

    return Fiche


def stored_caseload(ws: Workspace) -> dict[str, int] | None:
    """The stored caseloads when a store is configured (or the default file exists), else None."""
    if not ws.config.store_configured:
        return None
    with ws.quick_reads() as lite:  # a SQLite file: read with sqlite3, no SQLAlchemy (docs/performance.md)
        if lite is not None:
            return lite.caseload()
    from engine.store import queries  # SQLAlchemy: PostgreSQL, or a store that open_store must handle

    with ws.store.transaction() as conn:
        return queries.caseload(conn)


def suggest_fiches(
    ws: Workspace,
    arguments: Sequence[str],
    stdin_text: str | None = None,
    *,
    alternatives: int = 0,
    explain_structure: str | None = None,
    caseload: Mapping[str, int] | None = None,
) -> Suggestions | Explanations:
    """Read the fiches, suggest for each against the caseloads (and explain one structure when asked)."""
    rules = ws.compiled_rules  # every structure of the network, active or not, as the rule set has them
    problems: list[Problem] = []
    if explain_structure is not None and explain_structure not in rules.structures:
        problems.append(Problem("--explain", 0, 0, unknown("structure", explain_structure, sorted(rules.structures))))
    fiches: list[Fiche | PlainFiche] = []
    try:
        fiches = read_fiche_arguments(ws, arguments, stdin_text)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems=problems)
    if caseload is None:
        caseload = stored_caseload(ws)
    suggestions = [suggest(f, rules, caseload, alternatives=alternatives) for f in fiches]
    if explain_structure is not None:
        return Explanations(rules, [explain(f, rules, explain_structure, caseload) for f in fiches], suggestions)
    return Suggestions(rules, suggestions)
