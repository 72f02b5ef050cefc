"""The loaded network a command works with: the territory and the rules of its structures.

One entry point so that every command resolves the rules directory the same way and loads it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import paths
from engine.fiche import context
from engine.territory import Territory, load_territory


@dataclass
class Network:
    """A rules directory once loaded."""

    rules_dir: Path
    territory: Territory
    structure_ids: frozenset[str]

    def fiche_context(self) -> dict[str, Any]:
        """The validation context for fiches: communes by code or name, known structure ids."""
        return context(self.territory, self.structure_ids)


def load(rules_path: str | Path | None = None) -> Network:
    """Load the network of a rules directory (see :func:`engine.paths.rules_dir`)."""
    rules_dir = paths.rules_dir(rules_path)
    territory = load_territory(rules_dir)
    structures_dir = rules_dir / "structures"
    ids = frozenset(p.stem for p in structures_dir.glob("*.yaml")) if structures_dir.is_dir() else frozenset()
    return Network(rules_dir, territory, ids)
