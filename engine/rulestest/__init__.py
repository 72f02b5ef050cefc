"""Routing tests: cases the network agreed on, checked against what the rules suggest.

``load_cases(paths, fiche_context)`` reads ``rules/tests/*.yaml`` (every problem located),
``run_cases(cases, compiled)`` routes each case and returns a :class:`TestReport`.  The command's use
case is :func:`engine.app.rules.test`; the text view is :mod:`engine.render.rulestest`.
"""

from engine.rulestest.loader import default_case_files, load_cases, merge_fiche
from engine.rulestest.model import Case, Expectation
from engine.rulestest.outcome import Outcome, outcome_of
from engine.rulestest.runner import Failure, TestReport, differences, run_cases

__all__ = [
    "Case",
    "Expectation",
    "Failure",
    "Outcome",
    "TestReport",
    "default_case_files",
    "differences",
    "load_cases",
    "merge_fiche",
    "outcome_of",
    "run_cases",
]
