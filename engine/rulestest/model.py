"""The shape of a routing test file (``rules/tests/*.yaml``), as the coordinator writes it.

A file holds a ``base`` fiche (the fields most cases share, written once) and a list of ``cases``;
each case writes only the fields that differ from the base, and what the network agreed the
routing must give::

    base:
      received: 2026-01-15
      kind: creation
      commune: "63003"          # Ambert
    cases:
      - name: a bakery in Ambert is led by the CMA of the Puy-de-Dôme
        fiche: {naf: 10.71C}
        expect:
          lead: cma-63
          supporting_exclude: [cci-ambert]

``covered_by`` maps a need to the structure that must cover it: the lead (which then covers the need
itself) or a supporting structure.  Every expectation is optional; a case states at least one.
``lead: null`` means "no lead" (an orphan fiche); leaving ``lead`` out means "any lead".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.fiche import Fiche, Need
from engine.i18n import N_, _


class Strict(BaseModel):
    """Every test-file model refuses unknown keys (typos are reported with a did-you-mean)."""

    model_config = ConfigDict(extra="forbid")


class ExpectSpec(Strict):
    """What the routing must give for the case's fiche (only what is written is checked)."""

    lead: str | None = Field(default=None, description=N_("the référent's structure id, or null for no lead"))
    supporting_include: list[str] = Field(default=[], description=N_("structures that must support"))
    supporting_exclude: list[str] = Field(default=[], description=N_("structures that must not support"))
    uncovered_needs: list[Need] = Field(default=[], description=N_("needs that no structure may cover"))
    covered_by: dict[Need, str] = Field(
        default={}, description=N_("need → the structure that must cover it (the lead, or a supporting structure)")
    )
    orphan: bool | None = Field(default=None, description=N_("true: no structure can lead"))
    oriented_to: dict[Need, str] = Field(
        default={},
        description=N_(
            "need → a structure outside the network (orientation.yaml) the porteur must be sent to",
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> ExpectSpec:
        if not self.model_fields_set:
            raise ValueError(
                _(
                    "'expect' states nothing to check: write lead, supporting_include, supporting_exclude, "
                    "uncovered_needs, covered_by, orphan or oriented_to"
                )
            )
        both = sorted(set(self.supporting_include) & set(self.supporting_exclude))
        if both:
            raise ValueError(
                _("structure '{structure}' is both in supporting_include and supporting_exclude").format(
                    structure=both[0]
                )
            )
        if self.lead is not None and self.lead in self.supporting_include:
            raise ValueError(
                _("structure '{structure}' cannot be expected both as lead and as support").format(structure=self.lead)
            )
        for need in sorted(set(self.covered_by) & set(self.uncovered_needs)):
            message = _("need '{need}' cannot be expected both uncovered and covered by {structure}")
            raise ValueError(message.format(need=need, structure=self.covered_by[need]))
        if self.orphan is True and self.lead is not None:
            raise ValueError(
                _("an orphan fiche has no lead: remove 'lead: {lead}' or 'orphan: true'").format(lead=self.lead)
            )
        return self


class CaseSpec(Strict):
    """One routing test: a name, the fiche (over the file's base) and what is expected."""

    name: str = Field(min_length=1)
    fiche: dict[str, Any] = Field(default={}, description=N_("fiche fields, written over the file's base"))
    expect: ExpectSpec


class CaseFileSpec(Strict):
    """A routing test file: an optional base fiche and at least one case."""

    base: dict[str, Any] = Field(default={}, description=N_("fiche fields shared by every case of the file"))
    cases: list[CaseSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Expectation:
    """What a case checks; ``lead_given`` tells 'lead: null' (no lead) from 'lead' left out (any)."""

    lead: str | None = None
    lead_given: bool = False
    supporting_include: tuple[str, ...] = ()
    supporting_exclude: tuple[str, ...] = ()
    uncovered_needs: tuple[str, ...] = ()
    covered_by: tuple[tuple[str, str], ...] = ()
    orphan: bool | None = None
    oriented_to: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_spec(cls, spec: ExpectSpec) -> Expectation:
        """The checks of a validated ``expect`` mapping."""
        return cls(
            lead=spec.lead,
            lead_given="lead" in spec.model_fields_set,
            supporting_include=tuple(spec.supporting_include),
            supporting_exclude=tuple(spec.supporting_exclude),
            uncovered_needs=tuple(spec.uncovered_needs),
            covered_by=tuple(spec.covered_by.items()),
            orphan=spec.orphan,
            oriented_to=tuple(spec.oriented_to.items()),
        )

    def to_dict(self) -> dict[str, Any]:
        """Only the expectations the case states, in a fixed key order."""
        out: dict[str, Any] = {}
        if self.lead_given:
            out["lead"] = self.lead
        if self.supporting_include:
            out["supporting_include"] = list(self.supporting_include)
        if self.supporting_exclude:
            out["supporting_exclude"] = list(self.supporting_exclude)
        if self.uncovered_needs:
            out["uncovered_needs"] = list(self.uncovered_needs)
        if self.covered_by:
            out["covered_by"] = dict(self.covered_by)
        if self.orphan is not None:
            out["orphan"] = self.orphan
        if self.oriented_to:
            out["oriented_to"] = dict(self.oriented_to)
        return out


@dataclass(frozen=True)
class Case:
    """A loaded, validated routing test: where it is written, its fiche and its expectation."""

    source: str
    line: int
    name: str
    fiche: Fiche = field(compare=False)
    expect: Expectation
