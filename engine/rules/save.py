"""Changing a structure file from code without losing what the coordinator wrote around it.

The file is edited on ruamel's round-trip tree, so its comments, key order, quoting and list style
stay as they were; only the values asked for change.  The result is validated (pass 1) before
anything is written, and written atomically, so a bad change leaves the file untouched.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.errors import Problem, RulesError
from engine.i18n import _
from engine.rules.model import StructureSpec
from engine.yamlsource import Document, read_document

#: The layout of the bundled files: 2-space mappings, '  - item' lists, lines up to 100 characters.
WIDTH = 100


def round_trip_yaml():
    """The round-trip dumper set up like the bundled files (ruamel has no public types to annotate)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = WIDTH
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def dump_text(tree: Any) -> str:
    """The YAML text of a round-trip tree."""
    out = io.StringIO()
    round_trip_yaml().dump(tree, out)
    return out.getvalue()


def save_structure(path: Path | str, changes: Mapping[str, Any]) -> StructureSpec:
    """Set fields of a structure file and write it back with its comments and order kept.

    ``changes`` maps a field, or a dotted path into nested fields, to its new value:
    ``{"capacity": 40, "contact.phone": "04 73 00 00 00", "support.needs": [...]}``; ``None`` removes
    the field.  Missing parent mappings are created at the end of their parent.  Raises
    :class:`RulesError` (and writes nothing) when the result is not a valid structure file.
    """
    path = Path(path)
    doc = read_document(path, aliases=True)
    tree = round_trip_yaml().load(doc.text)
    for dotted, value in changes.items():
        _set(tree, dotted.split("."), value)
    text = dump_text(tree)
    spec = _validate(text, doc.source)
    _write_atomically(path, text)
    return spec


def _set(tree: Any, parts: list[str], value: Any) -> None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    node = tree
    for part in parts[:-1]:
        if part not in node or node[part] is None:
            node[part] = CommentedMap()
        node = node[part]
    last = parts[-1]
    if value is None:
        node.pop(last, None)
        return
    if isinstance(value, list | tuple):
        seq = CommentedSeq(value)
        old = node.get(last)
        if isinstance(old, CommentedSeq) and old.fa.flow_style():
            seq.fa.set_flow_style()
        elif not isinstance(old, CommentedSeq):
            seq.fa.set_flow_style()  # short lists are written [a, b] in the bundled files
        value = seq
    node[last] = value


def _validate(text: str, source: str) -> StructureSpec:
    from engine.rules.loader import shape_problems
    from engine.yamlsource import parse_text

    new_doc: Document = parse_text(text, source, aliases=True)
    try:
        return StructureSpec.model_validate(new_doc.data)
    except ValidationError as exc:
        problems: list[Problem] = shape_problems(new_doc, exc, StructureSpec)
        raise RulesError(problems=[_unsaved(p) for p in problems]) from None


def _unsaved(problem: Problem) -> Problem:
    return Problem(
        problem.source,
        problem.line,
        problem.column,
        _("{problem} (the file was not changed)").format(problem=problem.message),
    )


def _write_atomically(path: Path, text: str) -> None:
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
