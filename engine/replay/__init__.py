"""Replaying a rules change over fiches: what it changes for real porteurs, before it is adopted.

``run_replay(base, rules_path, fiches, as_of)`` loads the base rules (a directory or a git revision,
read with git without touching the working tree) and the working rules, routes every fiche through
both and returns a :class:`ReplayReport` (``to_dict()`` for JSON; text: :mod:`engine.render.replay`).
"""

from engine.replay.delta import RulesDelta, rules_delta
from engine.replay.diff import FicheChange, NetworkCounts, ReplayReport, StructureCounts, replay
from engine.replay.progress import DelayedProgress
from engine.replay.run import load_sides, run_replay
from engine.replay.sides import Side, base_side, load_side, working_side

__all__ = [
    "DelayedProgress",
    "FicheChange",
    "NetworkCounts",
    "ReplayReport",
    "RulesDelta",
    "Side",
    "StructureCounts",
    "base_side",
    "load_side",
    "load_sides",
    "replay",
    "rules_delta",
    "run_replay",
    "working_side",
]
