"""Activities (NAF rév. 2): finding the code of what a porteur does, for the command line and the forms.

Public reference data (the INSEE nomenclature and the nature table): no identity, no store.
``capactif naf search`` and the web form's activity field both call :func:`search_activities`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.naf_search import NafMatch, search

#: The most answers a caller may ask for (a form shows a few; the command line a page).
MAX_ANSWERS = 50


@dataclass(frozen=True)
class NafSearch:
    """The codes found for the words searched, best first (none: exit 1 on the command line)."""

    words: str
    matches: list[NafMatch]

    @property
    def exit_code(self) -> int:
        return 0 if self.matches else 1

    def to_dict(self) -> list[dict[str, Any]]:
        """A list of :meth:`NafMatch.to_dict` (the JSON of ``naf search`` is a list, docs/naf.md)."""
        return [m.to_dict() for m in self.matches]


def search_activities(words: str, limit: int = 10) -> NafSearch:
    """The NAF codes best matching everyday French words, best first, each with its legal nature.

    ``words`` may also be a code (``10.71C``, ``1071c``).  No match when nothing matches.
    """
    return NafSearch(words, search(words, max(1, min(limit, MAX_ANSWERS))))
