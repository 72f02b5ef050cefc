"""Static coverage of the rules: where a porteur would find no structure, before one falls into it.

Public API::

    from engine.coverage import rules_coverage
    cov = rules_coverage(rules_path)        # Coverage: entries per local network, counts()
    cov.lead_gap                            # some commune × nature × kind has no possible lead
    engine.coverage.render.render(cov, "json")

The semantics (gap, conditional, tie; commune classes) are in :mod:`engine.coverage.analyse`.
"""

from __future__ import annotations

from pathlib import Path

from engine.coverage.analyse import analyse, commune_classes
from engine.coverage.report import Coverage, coverage


def rules_coverage(rules_path: str | Path | None = None) -> Coverage:
    """``capactif rules coverage``: load and compile the rules, analyse them."""
    from engine import network
    from engine.routing import compile_rules

    return coverage(compile_rules(network.load(rules_path).rules))


__all__ = ["Coverage", "analyse", "commune_classes", "coverage", "rules_coverage"]
