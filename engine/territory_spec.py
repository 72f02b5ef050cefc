"""The shape of ``rules/territory.yaml`` as pydantic models, read by :func:`engine.territory.build_territory`.

Apart from :mod:`engine.territory` so that routing with cached rules (a cold ``capactif suggest``) imports
no pydantic model (docs/performance.md).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from engine.i18n import N_


class LocalNetworkSpec(BaseModel):
    """A local network as written in territory.yaml: by arrondissements, departments or communes."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built when a territory file is read

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    arrondissements: list[str] = []
    departments: list[str] = []
    communes: list[str] = []


class TerritorySpec(BaseModel):
    """The shape of ``rules/territory.yaml``."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built when a territory file is read

    communes: str = Field(description=N_("path of the communes CSV, relative to the rules directory"))
    departments: dict[str, str]
    local_networks: list[LocalNetworkSpec]
