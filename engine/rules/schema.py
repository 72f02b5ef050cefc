"""JSON Schemas of the rules files, so that an editor completes and checks as the coordinator types.

Each bundled file starts with ``# yaml-language-server: $schema=<relative path>`` pointing into
``schemas/``; the YAML language server (VS Code's YAML extension and others) then offers the field
names, the closed vocabularies and their descriptions.  The schemas are generated from the pydantic
models, so they cannot drift: a test compares ``schemas/`` with a fresh generation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from engine.rules.model import OrientationFile, RoutingPolicy, StructureSpec
from engine.territory import TerritorySpec as TerritoryFileSpec

#: file name -> (model, title shown by editors)
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "structure.schema.json": (StructureSpec, "Cap Actif structure (rules/structures/<id>.yaml)"),
    "routing.schema.json": (RoutingPolicy, "Cap Actif routing policy (rules/routing.yaml)"),
    "territory.schema.json": (TerritoryFileSpec, "Cap Actif territory (rules/territory.yaml)"),
    "orientation.schema.json": (OrientationFile, "Cap Actif orientation outside the network (rules/orientation.yaml)"),
}


def schema_of(model: type[BaseModel], title: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one file kind."""
    schema = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": title}


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
