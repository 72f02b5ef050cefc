"""Use case of ``capactif lifecycle``: the stages, triggers and guards of a fiche, from the engine's machine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.lifecycle import Lifecycle, lifecycle

__all__ = ["LifecycleView", "describe"]


@dataclass
class LifecycleView:
    """The lifecycle machine, to be shown as text, JSON or a Mermaid diagram."""

    machine: Lifecycle

    def to_dict(self) -> dict[str, Any]:
        return self.machine.describe()


def describe() -> LifecycleView:
    """The one lifecycle every fiche follows."""
    return LifecycleView(lifecycle())
