"""Static coverage of the rules: where a porteur would find no structure, before one falls into it.

Public API::

    from engine.coverage import coverage
    cov = coverage(compiled_rules)          # Coverage: entries per local network, counts()
    cov.lead_gap                            # some commune × nature × kind has no possible lead

The command's use case is :func:`engine.app.rules.coverage`; renderings: :mod:`engine.render.coverage`.

The semantics (gap, conditional, tie; commune classes) are in :mod:`engine.coverage.analyse`.
"""

from __future__ import annotations

from engine.coverage.analyse import analyse, commune_classes
from engine.coverage.report import Coverage, coverage

__all__ = ["Coverage", "analyse", "commune_classes", "coverage"]
