"""The loaded network a command works with: the territory and the rules of its structures.

One entry point so that every command resolves the rules directory the same way and loads it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import paths
from engine.fiche import context
from engine.rules.loader import load_rules
from engine.rules.ruleset import RuleSet
from engine.territory import Territory


@dataclass
class Network:
    """A rules directory once loaded and checked: its :class:`RuleSet` and shortcuts into it."""

    rules: RuleSet

    @property
    def rules_dir(self) -> Path:
        """The directory the rules were read from."""
        return self.rules.rules_dir

    @property
    def territory(self) -> Territory:
        """The communes, departments, intercommunal bodies and local networks."""
        return self.rules.territory

    @property
    def structure_ids(self) -> frozenset[str]:
        """Ids of every structure of the network (active or not)."""
        return frozenset(self.rules.structures)

    def fiche_context(self) -> dict[str, Any]:
        """The validation context for fiches: communes by code or name, known structure ids."""
        return context(self.territory, self.structure_ids)


def load(rules_path: str | Path | None = None) -> Network:
    """Load and check the network of a rules directory (see :func:`engine.paths.rules_dir`).

    Raises :class:`engine.errors.RulesError` with every problem of every file.
    """
    return Network(load_rules(paths.rules_dir(rules_path)))
