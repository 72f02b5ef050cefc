"""The charter's measurable commitments and the committee's alert thresholds, once loaded.

These are the contract with the alerts (:mod:`engine.alerts` reads :attr:`Charter.alert_thresholds`)
and with ``capactif charter check``.  The identifiers are closed lists: each one names a measure the
engine knows how to compute, so a new id needs code, not only a line of YAML.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.i18n import N_, _
from engine.vocabulary import ACTIVE_STAGES

Severity = Literal["info", "warning", "critical"]

#: Severities from the least to the most serious (for ``--min-severity`` and ``--fail-on``).
SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")

#: The commitments the engine measures, with what each one needs in the file.
COMMITMENTS: dict[str, str] = {
    "first_meeting": "days",
    "referent": "days",
    "reception_junction": "days",
    "follow_up_offered": "days",
    "news": "days or per_stage",
}

#: The committee's alert checks, with the thresholds each one needs ("" = severity only).
ALERT_CHECKS: dict[str, str] = {
    "no_lead": "days",
    "no_competent_structure": "",
    "stalled": "days or per_stage",
    "lead_invalid": "",
    "follow_up_missing": "days",
    "bounced": "count",
    "need_uncovered": "",
    "consent_missing": "",
    "unanswered": "days",
}

#: A delay in days: a whole number, at least 1.
Days = Annotated[int, Field(ge=1)]


class CommitmentSpec(BaseModel):
    """One commitment as written in ``commitments.yaml`` (pass 1: shapes only)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(description=N_("the commitment in words, in French, as shown to the committee"))
    days: int | None = Field(default=None, ge=1, description=N_("the delay in days"))
    per_stage: dict[str, Days] = Field(default={}, description=N_("the delay in days for each stage listed"))


class AlertSpec(BaseModel):
    """One alert check's thresholds as written in ``commitments.yaml``."""

    model_config = ConfigDict(extra="forbid")

    severity: Severity
    days: int | None = Field(default=None, ge=1)
    per_stage: dict[str, Days] = {}
    count: int | None = Field(default=None, ge=1)


class RetentionSpec(BaseModel):
    """How long the porteur's personal data are kept (``capactif porteur purge``)."""

    model_config = ConfigDict(extra="forbid")

    personal_data_years: int = Field(
        ge=1, le=30, description=N_("years after a fiche's last event; then its personal data are erased")
    )


class NotifySpec(BaseModel):
    """When ``capactif notify`` reminds people (docs/notify.md)."""

    model_config = ConfigDict(extra="forbid")

    reminders: list[Days] = Field(
        default=[9, 21, 45],
        min_length=1,
        max_length=10,
        description=N_("days after a suggestion was first made when the structure is reminded to answer it"),
    )
    agenda_days_before: int = Field(
        default=5, ge=0, le=27, description=N_("days before a local network's monthly meeting its agenda is e-mailed")
    )

    @field_validator("reminders")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError(_("the reminders must be increasing delays in days, e.g. [9, 21, 45]"))
        return value


class CommitmentsFile(BaseModel):
    """The whole ``commitments.yaml``."""

    model_config = ConfigDict(extra="forbid")

    commitments: dict[str, CommitmentSpec]
    alerts: dict[str, AlertSpec]
    retention: RetentionSpec | None = None
    notify: NotifySpec = Field(default_factory=NotifySpec)


def frozen_mapping(mapping: dict[str, int]) -> MappingProxyType[str, int]:
    """A read-only copy: a loaded charter cannot be changed by the code that reads it."""
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Commitment:
    """A measurable commitment of the network: kept when its event happens within ``days``.

    ``news`` is the one commitment with a delay per stage: :meth:`days_for` gives it.
    """

    id: str
    title: str
    days: int | None = None
    per_stage: MappingProxyType[str, int] = field(default_factory=lambda: frozen_mapping({}))

    def days_for(self, stage: str) -> int | None:
        """The delay for a fiche in ``stage``: its own, else ``days`` for an active stage, else None."""
        if stage in self.per_stage:
            return self.per_stage[stage]
        return self.days if stage in ACTIVE_STAGES else None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (keys: id, title, days, per_stage)."""
        return {"id": self.id, "title": self.title, "days": self.days, "per_stage": dict(self.per_stage)}


@dataclass(frozen=True)
class AlertThreshold:
    """The severity and thresholds of one alert check.

    ``days``: the delay (no_lead, follow_up_missing; the default of stalled); ``per_stage``: the
    delay per stage (stalled); ``count``: how many times (bounced).  Unused ones are None / empty.
    """

    severity: str
    days: int | None = None
    per_stage: MappingProxyType[str, int] = field(default_factory=lambda: frozen_mapping({}))
    count: int | None = None

    def days_for(self, stage: str) -> int | None:
        """The delay for a fiche in ``stage``: its own, else ``days`` for an active stage, else None."""
        if stage in self.per_stage:
            return self.per_stage[stage]
        return self.days if stage in ACTIVE_STAGES else None

    def at_least(self, severity: str) -> bool:
        """Whether this check's severity is ``severity`` or more serious."""
        return SEVERITIES.index(self.severity) >= SEVERITIES.index(severity)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (keys: severity, days, per_stage, count)."""
        return {"severity": self.severity, "days": self.days, "per_stage": dict(self.per_stage), "count": self.count}


@dataclass(frozen=True)
class Charter:
    """A loaded charter directory: its commitments (in file order) and the alert thresholds."""

    charter_dir: Path
    source: str
    commitments: list[Commitment]
    alert_thresholds: dict[str, AlertThreshold]
    #: years after a fiche's last event before its personal data are erased (None: not set)
    personal_data_years: int | None = None
    #: days after a suggestion was first made when ``capactif notify`` reminds the structure (increasing)
    reminder_days: tuple[int, ...] = (9, 21, 45)
    #: days before a local network's monthly meeting ``capactif notify`` e-mails its agenda
    agenda_days_before: int = 5

    def commitment(self, commitment_id: str) -> Commitment:
        """The commitment with this id (every id of :data:`COMMITMENTS` is always present)."""
        for c in self.commitments:
            if c.id == commitment_id:
                return c
        raise KeyError(commitment_id)
