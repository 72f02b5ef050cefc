"""The fiche: the record of one porteur de projet's project, as technicians write it.

Its field names are the contract with technicians (YAML/JSON files, CSV columns, JSON output).
Validation needs the territory (a commune may be written by name) and, when known, the
structure ids of the rules: both are passed as pydantic validation context.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic import ValidationInfo as Info

from engine import activities, limits
from engine.i18n import N_, _
from engine.plainfiche import (
    FICHE_ID_PATTERN,
    OFFER_ID_PATTERN,
    TEXT_LIMITS,
    FicheFacts,
    check_naf,
    check_storable,
    check_structure_id,
    context,
    normalise_email,
    normalise_phone,
)
from engine.vocabulary import lenient, unknown
from engine.yamlsource import read_models

__all__ = [
    "FICHE_ID_PATTERN",
    "OFFER_ID_PATTERN",
    "TEXT_LIMITS",
    "Fiche",
    "FicheFacts",
    "Porteur",
    "check_naf",
    "check_structure_id",
    "context",
    "normalise_email",
    "normalise_phone",
    "read_fiches",
    "resolve_commune",
    "storable_text",
]

# Each vocabulary type accepts its id, its French label and the usual French words for it
# (engine.vocabulary.canonical): what is validated and stored is always the id.
Kind = Annotated[Literal["creation", "takeover", "development"], BeforeValidator(lenient("kind"))]
Nature = Annotated[Literal["artisanal", "commercial", "agricultural", "liberal"], BeforeValidator(lenient("nature"))]
_NeedId = Literal[
    "business_plan",
    "training",
    "legal_status",
    "honour_loan",
    "microcredit",
    "bank_loan",
    "guarantee",
    "grant",
    "premises",
    "land",
    "housing",
    "spouse_job",
    "activity_test",
    "cooperative",
    "takeover_search",
    "transmission",
    "farm_installation",
    "investment",
    "post_creation",
]
Need = Annotated[_NeedId, BeforeValidator(lenient("need"))]
Public = Annotated[
    Literal["job_seeker", "no_bank_access", "benefit_recipient", "young", "farmer"], BeforeValidator(lenient("public"))
]
FarmLink = Annotated[Literal["extension", "on_farm", "equestrian"], BeforeValidator(lenient("farm_link"))]
Stage = Annotated[
    Literal["idea", "study", "financing", "installed", "follow_up", "developed", "on_hold", "abandoned", "redirected"],
    BeforeValidator(lenient("stage")),
]


class Porteur(BaseModel):
    """The porteur de projet. Name, email and phone are personal data: see ``consent_network``."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    consent_network: bool = Field(
        default=False, description=N_("the porteur agreed that the fiche is shared with the whole network")
    )

    @field_validator("phone", mode="before")
    @classmethod
    def _phone_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("name", "email", "phone", mode="after")
    @classmethod
    def _storable(cls, value: str | None, info: Info) -> str | None:
        return storable_text(value, info)

    @field_validator("email", mode="after")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return normalise_email(value)

    @field_validator("phone", mode="after")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value)


class Fiche(FicheFacts, BaseModel):
    """A project record (fiche): who, where, what kind of project, what it needs, where it stands."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=FICHE_ID_PATTERN, description=N_("F-YYYY-NNNN, assigned by the store"))
    received: dt.date = Field(description=N_("date of the first contact"))
    received_by: str | None = Field(default=None, description=N_("structure id that met the porteur"))
    summary: str = ""
    porteur: Porteur = Field(default_factory=Porteur)
    commune: str = Field(description=N_("INSEE code, or an unambiguous commune name"))
    kind: Kind
    naf: str | None = Field(default=None, description=N_("NAF rév. 2 code, e.g. 10.71C"))
    nature: Nature | None = Field(default=None, description=N_("derived from naf when not given"))
    employees: int | None = Field(default=None, ge=0, le=limits.MAX_EMPLOYEES, description=N_("planned headcount"))
    artisan_registered: bool | None = Field(
        default=None,
        description=N_(
            "already registered at the répertoire des métiers (droit de suite); "
            "unset: presumed for a development, not for a creation or a takeover"
        ),
    )
    farm_link: FarmLink | None = Field(
        default=None,
        description=N_("how the activity is tied to a farm (Code rural L311-1): extension, on_farm, equestrian"),
    )
    needs: list[Need] = []
    publics: list[Public] = []
    stage: Stage = "idea"
    lead: str | None = Field(default=None, description=N_("the référent structure"))
    supporting: list[str] = []
    installed_on: dt.date | None = None
    follow_up_by: str | None = None
    held_from: Stage | None = None
    offer: str | None = Field(
        default=None, pattern=OFFER_ID_PATTERN, description=N_("the activity offer the project came from (O-YYYY-NNNN)")
    )

    _nature_finding: activities.NatureFinding | None = PrivateAttr(default=None)
    _nature_derived: bool = PrivateAttr(default=False)
    _source: str = PrivateAttr(default="")

    @field_validator("commune", mode="before")
    @classmethod
    def _resolve_commune(cls, value: Any, info: Info) -> Any:
        return resolve_commune(value, info)

    @field_validator("summary", "commune", "naf", mode="before")
    @classmethod
    def _storable(cls, value: Any, info: Info) -> Any:
        return storable_text(value, info) if isinstance(value, str) else value

    @field_validator("employees", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(
                _("'employees' must be a whole number (the planned headcount), got '{value}'").format(
                    value=str(value).lower()
                )
            )
        return value

    @field_validator("received", "installed_on", mode="after")
    @classmethod
    def _sane_date(cls, value: dt.date | None, info: Info) -> dt.date | None:
        if value is not None:
            problem = limits.check_date(value, info.field_name or "date", today=(info.context or {}).get("today"))
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("naf", mode="before")
    @classmethod
    def _check_naf(cls, value: Any) -> Any:
        return check_naf(value)

    @field_validator("received_by", "lead", "follow_up_by", mode="after")
    @classmethod
    def _check_structure(cls, value: str | None, info: Info) -> str | None:
        structures = (info.context or {}).get("structures")
        if value is not None:
            check_structure_id(value, info.field_name or "structure")
        if value is not None and structures is not None and value not in structures:
            raise ValueError(unknown("structure", value, sorted(structures)))
        return value

    @field_validator("supporting", mode="after")
    @classmethod
    def _check_supporting(cls, value: list[str], info: Info) -> list[str]:
        structures = (info.context or {}).get("structures")
        for sid in value:
            check_structure_id(sid, "supporting")
        if structures is not None:
            for sid in value:
                if sid not in structures:
                    raise ValueError(unknown("structure", sid, sorted(structures)))
        return list(dict.fromkeys(value))

    @field_validator("needs", "publics", mode="after")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _derive_nature(self) -> Fiche:
        farm = activities.farm_nature(self.farm_link, self.publics)
        if farm is not None and self.nature not in (None, farm):
            raise ValueError(
                _("nature '{nature}' contradicts farm_link '{link}': {why}; remove 'nature:' or 'farm_link:'").format(
                    nature=self.nature, link=self.farm_link, why=activities.farm_reason(self.farm_link)
                )
            )
        if self.naf:
            self._nature_finding = activities.nature_of(self.naf)
        if farm is not None and self.nature is None:
            self.nature = farm  # type: ignore[assignment]
        elif self.naf and self.nature is None:
            assert self._nature_finding is not None
            self.nature = self._nature_finding.nature  # type: ignore[assignment]
            self._nature_derived = True
        if self.artisan_registered and self.kind == "creation":
            raise ValueError(
                _(
                    "artisan_registered: a creation is a new firm, it cannot be registered at the répertoire des "
                    "métiers yet; remove the field or change 'kind'"
                )
            )
        if self.lead and self.lead in self.supporting:
            raise ValueError(
                _("structure '{structure}' cannot be both lead and supporting").format(structure=self.lead)
            )
        return self


def storable_text(value: str | None, info: Info) -> str | None:
    """A text field's validator: no NUL character, no longer than its column (engine/limits.py)."""
    if value is not None:
        check_storable(value, info.field_name or "text")
    return value


def resolve_commune(value: Any, info: Info) -> Any:
    """A commune field's validator: a code or name becomes the INSEE code (territory from the context).

    Shared by every record that names a commune (fiches, offers), so they all accept the same input.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            _('commune code {code} must be written in quotes ("{quoted}") so it stays a code').format(
                code=value, quoted=f"{value:05d}"
            )
        )
    territory = (info.context or {}).get("territory")
    if territory is None or not isinstance(value, str):
        return value
    return territory.resolve(value).insee


# --- reading fiches ------------------------------------------------------------------------------


def read_fiches(
    paths: Iterable[str | Path], ctx: dict[str, Any], stdin_text: str | None = None, *, to_store: bool = False
) -> list[Fiche]:
    """Read every fiche of every file ('-' is standard input); all problems of all files at once.

    ``to_store``: each fiche must also hold what its stage needs (the lifecycle's guards of the moves
    that lead there: a référent past ``idea``, an installation date, ``held_from`` when paused), as
    ``fiche add`` and ``fiche import`` require — so ``fiche check`` refuses exactly what they refuse,
    each problem at its line (issue 14: a fiche at ``developed`` without référent passed the check).
    """
    return read_models(paths, Fiche, ctx, "fiche", stdin_text, also=_stage_needs if to_store else None)


def _stage_needs(fiche: Fiche) -> list[tuple[str, str]]:
    from engine.lifecycle import state_problems

    return state_problems(fiche.model_dump(mode="json"))
