"""JSON Schemas of the rules files, so that an editor completes and checks as the coordinator types.

Each bundled file starts with ``# yaml-language-server: $schema=<relative path>`` pointing into
``schemas/``; the YAML language server (VS Code's YAML extension and others) then offers the field
names, the closed vocabularies and their descriptions.  The schemas are generated from the pydantic
models, so they cannot drift: a test compares ``schemas/`` with a fresh generation.

The texts an editor shows (titles, each model's and each field's description) are said in the
language in force, French by default: the fields' descriptions are catalog messages (``N_`` in the
models) and each model's docstring, written for developers, is replaced by :data:`MODEL_DESCRIPTIONS`.
The bundled ``schemas/`` are the French ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from engine.i18n import N_, _
from engine.rules.model import OrientationFile, RoutingPolicy, StructureSpec
from engine.territory_spec import TerritorySpec as TerritoryFileSpec

#: file name -> (model, title shown by editors)
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "structure.schema.json": (StructureSpec, N_("Cap Actif structure (rules/structures/<id>.yaml)")),
    "routing.schema.json": (RoutingPolicy, N_("Cap Actif routing policy (rules/routing.yaml)")),
    "territory.schema.json": (TerritoryFileSpec, N_("Cap Actif territory (rules/territory.yaml)")),
    "orientation.schema.json": (
        OrientationFile,
        N_("Cap Actif orientation outside the network (rules/orientation.yaml)"),
    ),
}

#: What an editor says of each model (its docstring is for developers: reStructuredText, English).
MODEL_DESCRIPTIONS: dict[str, str] = {
    "StructureSpec": N_("One member structure of the network (rules/structures/<id>.yaml)."),
    "CompetenceSpec": N_("Filters on the fiche, for lead and support alike; an empty list means 'any'."),
    "Contact": N_("How porteurs and technicians reach the structure."),
    "LeadSpec": N_("The structure can be the référent: for these natures (empty = any nature)."),
    "SupportSpec": N_("The needs the structure answers as a supporting structure."),
    "TerritorySpec": N_(
        "Where a structure works: the union of what is listed, minus the exclusions. "
        "'whole_network: true' covers every commune of the territory."
    ),
    "RoutingPolicy": N_("rules/routing.yaml: how the référent is chosen and the coordinator's explicit rules."),
    "Condition": N_("'when': conditions on the fiche, all of which must hold (an empty condition always holds)."),
    "RoutingRule": N_(
        "An explicit rule of the coordinator: when the fiche matches, prefer, require or exclude a structure."
    ),
    "TerritoryFileSpec": N_("The shape of rules/territory.yaml."),
    "LocalNetworkSpec": N_(
        "A local network as written in territory.yaml: by arrondissements, departments or communes."
    ),
    "OrientationFile": N_("rules/orientation.yaml: the structures outside the network, for orientation only."),
    "OrientationSpec": N_(
        "A structure outside the network a porteur can be sent to when no member covers a need: it never "
        "leads nor supports a fiche."
    ),
}


def schema_of(model: type[BaseModel], title: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one file kind."""
    schema = model.model_json_schema()
    _describe(schema, "TerritoryFileSpec" if model is TerritoryFileSpec else model.__name__)
    for name, definition in schema.get("$defs", {}).items():
        _describe(definition, name)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": _(title)}


def _describe(definition: dict[str, Any], name: str) -> None:
    """A model's and its fields' descriptions in the language in force (in place)."""
    if name in MODEL_DESCRIPTIONS:
        definition["description"] = _(MODEL_DESCRIPTIONS[name])
    else:
        definition.pop("description", None)
    for field in definition.get("properties", {}).values():
        if "description" in field:
            field["description"] = _(field["description"])


def schema_texts() -> dict[str, str]:
    """Each schema file's name and exact text (sorted keys, 2-space indent, final newline)."""
    return {
        name: json.dumps(schema_of(model, title), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        for name, (model, title) in SCHEMAS.items()
    }


def write_schemas(out_dir: Path) -> list[Path]:
    """Write the three schemas into ``out_dir`` (created if needed); returns the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
