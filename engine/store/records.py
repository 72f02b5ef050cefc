"""Converting between a :class:`~engine.fiche.Fiche`, a ``fiches`` row and the fiche dict.

The *fiche dict* is the fiche in its own field names, JSON-ready (dates as ISO text, the porteur
nested): the shape of ``fiche show/list/export --format json``, of the ``created`` event and of
fiche files.  Keeping one shape means an export can be imported again and a history replayed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import InputError, excerpt
from engine.fiche import Fiche, Porteur
from engine.i18n import _

FICHE_FIELDS: tuple[str, ...] = tuple(Fiche.model_fields)
ID_RE = re.compile(r"^F-(\d{4})-(\d{4,})$")
_DATE_FIELDS = ("received", "installed_on")
#: The fields of a fiche stored in a ``fiches`` column of their own name (the porteur's are flattened).
_ROW_FIELDS = tuple(name for name in FICHE_FIELDS if name not in ("porteur", "supporting"))


@dataclass
class StoredFiche:
    """A fiche as stored: its dict, plus what only the store knows about it."""

    fiche: dict[str, Any]
    version: int
    orphan: bool
    local_network: str | None
    updated_at: dt.datetime
    created_at: dt.datetime | None = None

    @property
    def id(self) -> str:
        return self.fiche["id"]

    def model(self) -> Fiche:
        """The pydantic fiche (for routing and the lifecycle)."""
        return to_model(self.fiche)


def split_id(fiche_id: str) -> tuple[int, int]:
    """``F-2026-0012`` → ``(2026, 12)``; anything else is an input error saying the expected shape."""
    match = ID_RE.match(fiche_id or "")
    if not match:
        raise InputError(
            _("'{id}' is not a fiche id: expected F-YYYY-NNNN, e.g. F-2026-0012").format(id=excerpt(fiche_id))
        )
    return int(match.group(1)), int(match.group(2))


def format_id(year: int, number: int) -> str:
    """``(2026, 12)`` → ``F-2026-0012`` (more digits past 9999)."""
    return f"F-{year:04d}-{number:04d}"


def to_dict(fiche: Fiche) -> dict[str, Any]:
    """The fiche dict of a validated fiche (every field, in the model's order)."""
    return fiche.model_dump(mode="json")


def to_model(data: Mapping[str, Any]) -> Fiche:
    """A fiche dict back to a Fiche, without re-checking the territory (it was checked on the way in)."""
    values = dict(data)
    values["porteur"] = Porteur.model_construct(**dict(values.get("porteur") or {}))
    for name in _DATE_FIELDS:
        if isinstance(values.get(name), str):
            values[name] = dt.date.fromisoformat(values[name])
    values["needs"] = list(values.get("needs") or [])
    values["publics"] = list(values.get("publics") or [])
    values["supporting"] = list(values.get("supporting") or [])
    return Fiche.model_construct(**values)


def to_row(data: Mapping[str, Any]) -> dict[str, Any]:
    """The ``fiches`` columns of a fiche dict (the store's own columns are added by the caller)."""
    porteur = data.get("porteur") or {}
    row = dict(zip(_ROW_FIELDS, map(data.get, _ROW_FIELDS), strict=True))  # in C: one per row on fiche import
    for name in _DATE_FIELDS:
        if isinstance(row.get(name), str):
            row[name] = dt.date.fromisoformat(str(row[name]))
    row["summary"] = row.get("summary") or ""
    row["needs"] = list(row.get("needs") or [])
    row["publics"] = list(row.get("publics") or [])
    row["porteur_name"] = porteur.get("name")
    row["porteur_email"] = porteur.get("email")
    row["porteur_phone"] = porteur.get("phone")
    row["consent_network"] = bool(porteur.get("consent_network"))
    return row


def from_row(row: Mapping[Any, Any], supporting: Iterable[str]) -> dict[str, Any]:
    """The fiche dict of a ``fiches`` row and its supporting structures (in the order they were added)."""
    out: dict[str, Any] = {}
    for name in FICHE_FIELDS:
        if name == "porteur":
            out["porteur"] = {
                "name": row["porteur_name"],
                "email": row["porteur_email"],
                "phone": row["porteur_phone"],
                "consent_network": bool(row["consent_network"]),
            }
        elif name == "supporting":
            out["supporting"] = list(supporting)
        else:
            value = row[name]
            out[name] = value.isoformat() if isinstance(value, dt.date) else value
    out["needs"] = list(out["needs"] or [])
    out["publics"] = list(out["publics"] or [])
    return out


def stored(row: Mapping[Any, Any], supporting: Iterable[str]) -> StoredFiche:
    """A StoredFiche from a full ``fiches`` row."""
    return StoredFiche(
        fiche=from_row(row, supporting),
        version=row["version"],
        orphan=bool(row["orphan"]),
        local_network=row["local_network"],
        updated_at=row["updated_at"],
        created_at=row.get("created_at"),
    )
