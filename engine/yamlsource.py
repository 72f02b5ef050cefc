"""Reading YAML and JSON files so that every problem can be located as ``file:line:col``.

Two loaders on purpose: ruamel's C safe loader is about ten times faster than its round-trip
loader, so data is read fast, and the file is re-read round-trip only when a problem must be
located (the round-trip nodes carry ``.lc`` line/column information).  JSON is read by the same
YAML parser (JSON is YAML) so that JSON fiches get line numbers too.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.errors import InputError, Problem
from engine.i18n import _
from engine.vocabulary import did_you_mean, noun, unknown


def _safe_yaml():
    """The fast loader; dates stay text so that pydantic reports a bad date with its location."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor

    class TextDates(SafeConstructor):
        """Safe constructor that leaves timestamps as strings."""

    TextDates.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
    yaml = YAML(typ="safe", pure=False)
    yaml.Constructor = TextDates
    return yaml


def _rt_yaml():
    """The round-trip loader, used only to locate problems (same scalar rules as the fast one)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import RoundTripConstructor

    class TextDatesRT(RoundTripConstructor):
        """Round-trip constructor that leaves timestamps as strings."""

    TextDatesRT.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)
    yaml = YAML(typ="rt")
    yaml.Constructor = TextDatesRT
    return yaml


def _syntax(source: str) -> str:
    """The language a file is written in, as its author knows it (JSON files are read as YAML)."""
    return "JSON" if source.lower().endswith(".json") else "YAML"


def _mark_problem(source: str, exc: Exception) -> Problem:
    """Turn a ruamel parser/scanner/duplicate-key error into one located problem."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "duplicate key" in str(exc):
        what = "duplicate key " + str(exc).split("duplicate key", 1)[1].split("\n")[0].strip()
    line = mark.line + 1 if mark is not None else 0
    col = mark.column + 1 if mark is not None else 0
    return Problem(source, line, col, _("not valid {syntax}: {problem}").format(syntax=_syntax(source), problem=what))


@dataclass
class Document:
    """One parsed file: its data and a way to find where any part of it was written."""

    source: str
    text: str
    data: Any
    _rt: Any = field(default=None, repr=False)

    @property
    def tree(self) -> Any:
        """The round-trip tree (with line/column marks), parsed on first use only."""
        if self._rt is None:
            self._rt = _rt_yaml().load(self.text)
        return self._rt

    def locate(self, loc: Iterable[Any], *, key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the value at ``loc``, or of its key when ``key`` is true.

        Falls back to the deepest known parent when a part of the path is missing (a missing
        field is reported where its mapping starts).
        """
        node = self.tree
        line, col = 1, 1
        parts = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            lc = getattr(node, "lc", None)
            if lc is None:
                break
            try:
                if isinstance(node, list) and isinstance(part, int) and part < len(node):
                    line, col = lc.item(part)
                    node = node[part]
                elif isinstance(node, dict) and part in node:
                    line, col = lc.key(part) if (key and last) else lc.value(part)
                    node = node[part]
                else:
                    line, col = lc.line, lc.col
                    break
            except (KeyError, TypeError, AttributeError):
                line, col = lc.line, lc.col
                break
        return line + 1, col + 1

    def problem(self, loc: Iterable[Any], message: str, *, key: bool = False) -> Problem:
        """A problem located at ``loc`` in this document."""
        line, col = self.locate(loc, key=key)
        return Problem(self.source, line, col, message)


def parse_text(text: str, source: str) -> Document:
    """Parse YAML or JSON text; a syntax error becomes a located :class:`InputError`."""
    from ruamel.yaml.error import YAMLError

    try:
        data = _safe_yaml().load(text)
    except YAMLError as exc:
        problem = _mark_problem(source, exc)
        raise InputError(problems=[problem]) from None
    except Exception as exc:  # the C loader raises a few non-YAMLError types
        message = _("not valid {syntax}: {problem}").format(syntax=_syntax(source), problem=exc)
        raise InputError(problems=[Problem(source, 0, 0, message)]) from None
    return Document(source=source, text=text, data=data)


def read_document(path: Path | str, source: str | None = None) -> Document:
    """Read and parse one file; an unreadable file is an :class:`InputError`, not a traceback."""
    path = Path(path)
    name = source or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(problems=[Problem(name, 0, 0, _("file not found"))]) from None
    except UnicodeDecodeError:
        raise InputError(problems=[Problem(name, 0, 0, _("not UTF-8 text: save the file as UTF-8"))]) from None
    except OSError as exc:
        raise InputError(problems=[Problem(name, 0, 0, _("cannot read: {error}").format(error=exc.strerror))]) from None
    return parse_text(text, name)


# --- pydantic errors in plain words -------------------------------------------------------------


def _model_fields_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """Field names (aliases included) of the sub-model reached by ``loc``, for did-you-mean."""
    current: Any = model
    for part in loc:
        current = _step_type(current, part)
        if current is None:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        names = []
        for name, info in current.model_fields.items():
            names.append(info.alias or name)
        return names
    return []


def _step_type(tp: Any, part: Any) -> Any:
    """The type found one step down ``tp`` along ``part`` (a field name or a list index)."""
    for candidate in _unwrap(tp):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel) and isinstance(part, str):
            for name, info in candidate.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
        origin = typing.get_origin(candidate)
        args = typing.get_args(candidate)
        if origin in (list, tuple, set, frozenset) and isinstance(part, int) and args:
            return args[0]
        if origin is dict and args:
            return args[1]
    return None


def _unwrap(tp: Any) -> list[Any]:
    """The alternatives of an Optional/Union/Annotated type."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_unwrap(arg))
        return out
    return [tp]


def _field_name(loc: tuple[Any, ...]) -> str:
    """The field an error is about; an item of a list field is named in the singular (need, not needs)."""
    named = [str(p) for p in loc if isinstance(p, str)]
    name = named[-1] if named else "value"
    if loc and isinstance(loc[-1], int) and name.endswith("s"):
        name = name[:-1]
    return name


def plain_message(error: Mapping[str, Any], model: type[BaseModel] | None = None) -> str:
    """One pydantic error rewritten for a technician: what is wrong and how to fix it."""
    kind = error["type"]
    loc = tuple(error["loc"])
    name = _field_name(loc)
    given = error.get("input")
    if kind == "extra_forbidden":
        hint = did_you_mean(name, _model_fields_at(model, loc[:-1]))
        return _("unknown field '{name}'{hint}").format(name=name, hint=hint)
    if kind == "missing":
        return _("missing required field '{name}'").format(name=name)
    if kind in ("literal_error", "enum"):
        expected = error.get("ctx", {}).get("expected", "")
        choices = [c.strip(" '\"") for c in expected.replace(" or ", ",").split(",") if c.strip()]
        return unknown(name, given, choices, as_written=True)
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return _("'{name}' must be a date written YYYY-MM-DD, got '{given}'").format(name=name, given=given)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("'{name}' must be a whole number, got '{given}'").format(name=name, given=given)
    if kind in ("bool_type", "bool_parsing"):
        return _("'{name}' must be true or false, got '{given}'").format(name=name, given=given)
    if kind in ("list_type",):
        return _("'{name}' must be a list (one '- item' per line), got '{given}'").format(name=name, given=given)
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("'{name}' must be a mapping of fields (key: value), got '{given}'").format(name=name, given=given)
    if kind == "string_type":
        if isinstance(given, int) and not isinstance(given, bool):
            return _("'{name}' must be text: write it in quotes (\"{given}\")").format(name=name, given=given)
        return _("'{name}' must be text, got '{given}'").format(name=name, given=given)
    if kind == "greater_than_equal":
        return _("'{name}' must be at least {minimum}, got '{given}'").format(
            name=name, minimum=error["ctx"]["ge"], given=given
        )
    if kind == "greater_than":
        return _("'{name}' must be more than {minimum}, got '{given}'").format(
            name=name, minimum=error["ctx"]["gt"], given=given
        )
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind == "assertion_error":
        return error["msg"].removeprefix("Assertion failed, ")
    return f"'{name}': {error['msg']}"


def validation_problems(
    doc: Document,
    exc: ValidationError,
    model: type[BaseModel] | None = None,
    base_loc: tuple[Any, ...] = (),
) -> list[Problem]:
    """All errors of one pydantic validation, each located in ``doc`` and sorted by position."""
    problems = []
    for error in exc.errors():
        loc = base_loc + tuple(error["loc"])
        is_key = error["type"] == "extra_forbidden"
        message = plain_message(error, model)
        problems.append(doc.problem(loc, message, key=is_key))
    return sorted(set(problems))


def to_plain(value: Any) -> Any:
    """Round-trip containers to plain dict/list/str, dates kept as dates."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value
    return value


# --- files of records (fiches, offers) -----------------------------------------------------------


def models_from_document(
    doc: Document, model: type[Any], ctx: dict[str, Any], what: str
) -> tuple[list[Any], list[Problem]]:
    """One record (a mapping) or several (a list of mappings) of ``model`` from a parsed file.

    Each valid record remembers where it came from in its ``_source`` private attribute
    (``file`` or ``file#N`` for the N-th of a list); every problem is located.
    """
    data = doc.data
    items: list[tuple[tuple[Any, ...], Any]]
    if isinstance(data, list):
        items = [((i,), item) for i, item in enumerate(data)]
    elif isinstance(data, dict):
        items = [((), data)]
    else:
        message = _("a {what} file must hold a {what} (field: value lines) or a list of them").format(what=noun(what))
        return [], [Problem(doc.source, 1, 1, message)]
    found, problems = [], []
    for base, item in items:
        try:
            record = model.model_validate(item, context=ctx)
        except ValidationError as exc:
            problems.extend(validation_problems(doc, exc, model, base))
            continue
        record._source = doc.source + (f"#{base[0] + 1}" if base else "")
        found.append(record)
    return found, problems


def read_models(
    paths: Iterable[str | Path], model: type[Any], ctx: dict[str, Any], what: str, stdin_text: str | None = None
) -> list[Any]:
    """Every record of every file ('-' is standard input); all problems of all files at once."""
    records: list[Any] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            doc = parse_text(stdin_text or "", "stdin") if str(path) == "-" else read_document(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        found, bad = models_from_document(doc, model, ctx, what)
        records.extend(found)
        problems.extend(bad)
    if problems:
        raise InputError(problems=problems)
    return records
