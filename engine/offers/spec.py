"""Offer files: one offer (a mapping) or several (a list), in YAML or JSON, validated like fiches.

The coordinator writes what was published, where and when::

    kind: takeover                  # takeover (entreprise à reprendre) or sought (activité recherchée)
    title: Boulangerie à reprendre
    commune: Ambert                 # INSEE code or unambiguous name
    naf: 10.71C                     # optional; the nature is derived from it when not given
    published_on: 2025-03-14
    published_in: Villages Magazine

Every problem of every file is reported at once as ``file:line:col: message`` before anything is
stored, with the same plain messages as fiche files (:func:`engine.yamlsource.validation_problems`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic import ValidationInfo as Info

from engine import activities
from engine.errors import InputError, Problem
from engine.fiche import Nature, check_naf, check_structure_id, resolve_commune
from engine.i18n import N_, _
from engine.limits import SHORT_TEXT_LENGTH, TEXT_LENGTH, check_date, check_text
from engine.offers.model import OFFER_KINDS  # noqa: F401 - registers the 'offer kind' vocabulary
from engine.vocabulary import lenient, unknown
from engine.yamlsource import plain_message, read_models


class OfferSpec(BaseModel):
    """An offer as written in an offer file (the store gives it its id ``O-YYYY-NNNN``)."""

    model_config = ConfigDict(extra="forbid")

    kind: Annotated[Literal["takeover", "sought"], BeforeValidator(lenient("offer kind"))] = Field(
        description=N_("takeover: a business to take over; sought: a commune seeks")
    )
    title: str = Field(description=N_("what is offered, in a few words"))
    description: str = ""
    commune: str = Field(description=N_("INSEE code, or an unambiguous commune name"))
    naf: str | None = Field(default=None, description=N_("NAF rév. 2 code of the activity, e.g. 10.71C"))
    nature: Nature | None = Field(default=None, description=N_("derived from naf when not given"))
    published_on: dt.date = Field(description=N_("the day it was published"))
    published_in: str = Field(description=N_("where it was published, e.g. Villages Magazine"))
    published_by: str | None = Field(default=None, description=N_("structure id that published it (default: --as)"))

    _source: str = PrivateAttr(default="")

    @field_validator("title", "published_in", mode="after")
    @classmethod
    def _not_blank(cls, value: str, info: Info) -> str:
        if not value.strip():
            example = "Boulangerie à reprendre" if info.field_name == "title" else "Villages Magazine"
            raise ValueError(
                _("'{field}' is empty: write it, e.g. '{example}'").format(field=info.field_name, example=example)
            )
        return value.strip()

    @field_validator("title", "description", "published_in", "commune", "naf", mode="before")
    @classmethod
    def _storable(cls, value: Any, info: Info) -> Any:
        if not isinstance(value, str):
            return value
        short = info.field_name in ("title", "published_in", "commune", "naf")
        problem = check_text(value, SHORT_TEXT_LENGTH if short else TEXT_LENGTH, info.field_name or "text")
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("published_on", mode="after")
    @classmethod
    def _sane_date(cls, value: dt.date, info: Info) -> dt.date:
        problem = check_date(value, "published_on", today=(info.context or {}).get("today"))
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("commune", mode="before")
    @classmethod
    def _resolve_commune(cls, value: Any, info: Info) -> Any:
        return resolve_commune(value, info)

    @field_validator("naf", mode="before")
    @classmethod
    def _check_naf(cls, value: Any) -> Any:
        return check_naf(value)

    @field_validator("published_by", mode="after")
    @classmethod
    def _check_structure(cls, value: str | None, info: Info) -> str | None:
        structures = (info.context or {}).get("structures")
        if value is not None:
            check_structure_id(value, "published_by")
        if value is not None and structures is not None and value not in structures:
            raise ValueError(unknown("structure", value, sorted(structures)))
        return value

    @model_validator(mode="after")
    def _derive_nature(self) -> OfferSpec:
        if self.naf and self.nature is None:
            self.nature = activities.nature_of(self.naf).nature  # type: ignore[assignment]
        return self

    @property
    def source(self) -> str:
        """Where the offer was read from (file, or file#index for a list)."""
        return self._source


def read_offers(paths: Iterable[str | Path], ctx: dict[str, Any], stdin_text: str | None = None) -> list[OfferSpec]:
    """Every offer of every file ('-' is standard input); all problems of all files at once.

    A ``.csv`` file (one offer per row, the field names as columns) may come from a French
    spreadsheet: ``;`` or ``,``, UTF-8 or Windows-1252, dates JJ/MM/AAAA (:mod:`engine.spreadsheet`).
    """
    offers: list[OfferSpec] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            if str(path).lower().endswith(".csv"):
                offers.extend(_read_csv(Path(path), ctx))
            else:
                offers.extend(read_models([path], OfferSpec, ctx, "offer", stdin_text))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems=problems)
    return offers


def _read_csv(path: Path, ctx: dict[str, Any]) -> list[OfferSpec]:
    """The offers of a CSV file, every bad cell located (line, column)."""
    from engine import spreadsheet

    source = str(path)
    header, rows = spreadsheet.read_rows(path)
    known = set(OfferSpec.model_fields)
    bad = [
        Problem(source, 1, i + 1, unknown("column", h, sorted(known))) for i, h in enumerate(header) if h not in known
    ]
    if bad:
        raise InputError(problems=bad)
    offers: list[OfferSpec] = []
    problems: list[Problem] = []
    for line, row in rows:
        data = {k: v.strip() for k, v in row.items() if v.strip()}
        if "published_on" in data:
            data["published_on"] = spreadsheet.parse_date(data["published_on"])
        try:
            offer = OfferSpec.model_validate(data, context=ctx)
        except ValidationError as exc:
            for error in exc.errors():
                column = str(error["loc"][0]) if error["loc"] else ""
                position = header.index(column) + 1 if column in header else 1
                problems.append(Problem(source, line, position, plain_message(error, OfferSpec)))
            continue
        offer._source = f"{source}:{line}"
        offers.append(offer)
    if problems:
        raise InputError(problems=problems)
    return offers
