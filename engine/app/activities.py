"""Activities (NAF rév. 2): finding the code of what a porteur does, for the command line and the forms.

Public reference data (the INSEE nomenclature and the nature table): no identity, no store.
``capactif naf search`` and the web form's activity field both call :func:`search_activities`.
"""

from __future__ import annotations

from engine.naf_search import NafMatch, search

#: The most answers a caller may ask for (a form shows a few; the command line a page).
MAX_ANSWERS = 50


def search_activities(words: str, limit: int = 10) -> list[NafMatch]:
    """The NAF codes best matching everyday French words, best first, each with its legal nature.

    ``words`` may also be a code (``10.71C``, ``1071c``).  An empty list when nothing matches.
    """
    return search(words, max(1, min(limit, MAX_ANSWERS)))
