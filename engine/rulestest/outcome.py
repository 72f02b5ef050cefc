"""What a suggestion decided, in the plain terms routing tests and replays compare.

Both tools read a suggestion through its stable JSON shape (``Suggestion.to_dict()``, the contract
of ``capactif suggest --format json``) so that they compare exactly what technicians see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.i18n import _


@dataclass(frozen=True, slots=True)
class Outcome:
    """The lead, the supporting structures with their needs, the uncovered needs, orphan or not.

    ``supporting`` is sorted by structure id so that two outcomes compare by value.  ``reasons``
    are the suggestion's reasons, each prefixed with the choice it explains.
    """

    lead: str | None
    supporting: tuple[tuple[str, tuple[str, ...]], ...]
    uncovered_needs: tuple[str, ...]
    orphan: bool
    reasons: tuple[str, ...] = ()
    #: Per uncovered need, the structures outside the network named for it (orientation.yaml).
    orientations: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def supporting_ids(self) -> tuple[str, ...]:
        """The supporting structures' ids, sorted."""
        return tuple(sid for sid, _ in self.supporting)

    def decision(self) -> tuple[Any, ...]:
        """Everything a replay compares (the reasons aside)."""
        return (self.lead, self.supporting, self.uncovered_needs, self.orphan)

    def to_dict(self) -> dict[str, Any]:
        """``{"lead", "supporting": [{"structure", "needs"}], "uncovered_needs", "orphan"}``."""
        return {
            "lead": self.lead,
            "supporting": [{"structure": sid, "needs": list(needs)} for sid, needs in self.supporting],
            "uncovered_needs": list(self.uncovered_needs),
            "orphan": self.orphan,
        }

    def describe(self) -> str:
        """One line: 'lead cma-63; supporting adie (microcredit); uncovered honour_loan'."""
        if self.lead:
            parts = [_("lead {structure}").format(structure=self.lead)]
        else:
            parts = [_("no lead (orphan)") if self.orphan else _("no lead")]
        if self.supporting:
            supports = ", ".join(_support(sid, needs) for sid, needs in self.supporting)
            parts.append(_("supporting {structures}").format(structures=supports))
        else:
            parts.append(_("no supporting structure"))
        if self.uncovered_needs:
            parts.append(_("uncovered {needs}").format(needs=", ".join(self.uncovered_needs)))
        return "; ".join(parts)


def _support(sid: str, needs: tuple[str, ...]) -> str:
    return f"{sid} ({', '.join(needs)})" if needs else sid


def outcome_of(suggestion: Any, *, with_reasons: bool = True) -> Outcome:
    """The outcome of an ``engine.routing.Suggestion``; ``with_reasons=False`` skips the reason texts.

    The alternatives' reasons follow (why each next candidate did not lead; for an orphan fiche,
    why each structure that came closest could not lead).
    """
    lead = suggestion.lead
    supporting = tuple(sorted((s.structure, tuple(sorted(s.needs))) for s in suggestion.supporting))
    reasons: list[str] = []
    if with_reasons:
        if lead is not None:
            reasons.extend(
                _("lead {structure}: {reason}").format(structure=lead.structure, reason=r) for r in lead.reasons
            )
        for s in suggestion.supporting:
            reasons.extend(
                _("support {structure}: {reason}").format(structure=s.structure, reason=r) for r in s.reasons
            )
        for alt in suggestion.alternatives:
            reasons.extend(
                _("not lead {structure}: {reason}").format(structure=alt.structure, reason=r) for r in alt.reasons
            )
    return Outcome(
        lead=lead.structure if lead is not None else None,
        supporting=supporting,
        uncovered_needs=tuple(sorted(suggestion.uncovered_needs)),
        orphan=lead is None,
        reasons=tuple(reasons),
        orientations=tuple(
            (o.need, tuple(x.id for x in o.structures)) for o in getattr(suggestion, "orientations", ())
        ),
    )
