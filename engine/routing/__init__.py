"""Routing: the lead (référent) and supporting structures of a fiche, with the reasons.

``compile_rules(ruleset)`` compiles the loaded rules once into indexes (by commune, nature and need);
``suggest(fiche, compiled, caseload=None)`` is the pure function the ``suggest`` command calls;
``explain(fiche, compiled, structure)`` says why one structure was or was not chosen.  The
semantics are in :mod:`engine.routing.suggest` and ``docs/suggest.md``.
"""

from engine.routing.compile import CompiledRules, compile_rules
from engine.routing.explain import Explanation, explain
from engine.routing.suggest import Choice, Declined, Suggestion, Support, suggest

__all__ = [
    "Choice",
    "CompiledRules",
    "Declined",
    "Explanation",
    "Suggestion",
    "Support",
    "compile_rules",
    "explain",
    "suggest",
]
