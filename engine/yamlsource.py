"""Reading YAML and JSON files so that every problem can be located as ``file:line:col``.

Two loaders on purpose: ruamel's C safe loader is about ten times faster than its round-trip
loader, so data is read fast, and the file is re-read round-trip only when a problem must be
located (the round-trip nodes carry ``.lc`` line/column information).  JSON is read by the same
YAML parser (JSON is YAML) so that JSON fiches get line numbers too.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import InputError, Problem, excerpt
from engine.i18n import N_, _
from engine.vocabulary import did_you_mean, noun, unknown

if TYPE_CHECKING:  # pydantic's models are imported by the modules that define them, not to read a file
    from pydantic import BaseModel, ValidationError

#: Input limits applied to every file read (docs/security.md): a file larger than this is refused
#: before it is parsed, collections may not nest deeper than this, and a rules file (the only kind
#: where anchors and aliases are allowed, to repeat a list) may repeat at most this many values and
#: expand to at most this many nodes, so that a few hundred bytes cannot become gigabytes.
MAX_BYTES = 16 * 1024 * 1024
#: A table (a CSV of fiches to import) may be larger: it is flat (no nesting, no alias), read row by row,
#: and a national import of 100,000 fiches (issue 19) is about 24 MB at 240 bytes a row.
MAX_TABLE_BYTES = 48 * 1024 * 1024
MAX_DEPTH = 32
MAX_ALIASES = 100
MAX_NODES = 100_000


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


def is_json(source: str) -> bool:
    """Whether a file is read as JSON (strictly) rather than YAML: its name ends in ``.json``."""
    return source.lower().endswith(".json")


def _mark_problem(source: str, exc: Exception) -> Problem:
    """Turn a ruamel parser/scanner/duplicate-key error into one located problem."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "duplicate key" in str(exc):
        what = "duplicate key " + excerpt(str(exc).split("duplicate key", 1)[1].split("\n")[0].strip(), 200)
    line = mark.line + 1 if mark is not None else 0
    col = mark.column + 1 if mark is not None else 0
    return Problem(source, line, col, _not_valid(source, what))


def _not_valid(source: str, problem: Any) -> str:
    """'not valid YAML/JSON: …' (the parser's own words after the colon)."""
    if is_json(source):
        return _("not valid JSON: {problem}").format(problem=problem)
    return _("not valid YAML: {problem}").format(problem=problem)


def _at(source: str, mark: Any, message: str) -> InputError:
    """An input error located at a ruamel mark (0-based line and column)."""
    line = mark.line + 1 if mark is not None else 0
    column = mark.column + 1 if mark is not None else 0
    return InputError(problems=[Problem(source, line, column, message)])


def _too_deep() -> str:
    return _("nested more than {depth} levels deep: a fiche or rules file never needs that many").format(
        depth=MAX_DEPTH
    )


@dataclass
class Document:
    """One parsed file: its data and a way to find where any part of it was written.

    ``root`` is the node tree the data was built from (same parser, same pass): every location
    comes from it, so a file that parses always locates its problems.
    """

    source: str
    text: str
    data: Any
    root: Any = field(default=None, repr=False)

    def locate(self, loc: Iterable[Any], *, key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the value at ``loc``, or of its key when ``key`` is true.

        Falls back to the deepest known parent when a part of the path is missing (a missing
        field is reported where its mapping starts).
        """
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        node = self.root
        if node is None:
            return 1, 1
        mark = node.start_mark
        parts = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, MappingNode):
                found = [(k, v) for k, v in node.value if _key_matches(k, part)]
                if not found:
                    break
                key_node, value_node = found[-1]
                mark = key_node.start_mark if (key and last) else value_node.start_mark
                node = value_node
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        return mark.line + 1, mark.column + 1

    def problem(self, loc: Iterable[Any], message: str, *, key: bool = False) -> Problem:
        """A problem located at ``loc`` in this document."""
        line, col = self.locate(loc, key=key)
        return Problem(self.source, line, col, message)


def _key_matches(node: Any, part: Any) -> bool:
    """Whether a mapping's key node is the key ``part`` (keys are compared as written)."""
    from ruamel.yaml.nodes import ScalarNode

    if not isinstance(node, ScalarNode):
        return False
    if isinstance(part, bool) or not isinstance(part, str | int | float):
        return str(node.value).lower() == str(part).lower()
    return node.value == str(part)


def parse_text(text: str, source: str, *, aliases: bool = False) -> Document:
    """Parse YAML or JSON text within the input limits; every problem is a located :class:`InputError`.

    ``.json`` files are read by a strict JSON parser (no anchors, no trailing comma, no duplicate
    key).  YAML anchors and aliases are refused unless ``aliases`` (rules files), where their
    number and the size they expand to are bounded.
    """
    if len(text) > MAX_BYTES:
        raise InputError(problems=[Problem(source, 0, 0, _too_big())])
    if is_json(source):
        data = _strict_json(text, source)
        return Document(source=source, text=text, data=data, root=_json_nodes(text))
    root, data = _load_yaml(text, source, aliases)
    return Document(source=source, text=text, data=data, root=root)


def _too_big(limit: int | None = None) -> str:
    size = (MAX_BYTES if limit is None else limit) // 2**20
    return _("file too large (more than {size} MB): split it into several files").format(size=size)


def _load_yaml(text: str, source: str, aliases: bool) -> tuple[Any, Any]:
    """Check the events (depth, aliases) before building anything, then compose and construct."""
    from ruamel.yaml.error import YAMLError

    yaml = _safe_yaml()
    try:
        _check_events(text, source, aliases)
        loader, parser = yaml.get_constructor_parser(text)
        try:
            root = loader.get_single_node()
            if root is not None and aliases:
                _check_expansion(root, source)
            data = loader.construct_document(root) if root is not None else None
        finally:
            parser.dispose()
    except InputError:
        raise
    except YAMLError as exc:
        raise InputError(problems=[_mark_problem(source, exc)]) from None
    except RecursionError:
        raise InputError(problems=[Problem(source, 0, 0, _too_deep())]) from None
    except Exception as exc:  # the C loader raises a few non-YAMLError types (e.g. a bad character)
        message = _not_valid(source, excerpt(exc, 120))
        raise InputError(problems=[Problem(source, 0, 0, message)]) from None
    return root, data


def _events(text: str) -> Any:
    """The parser's events one by one (the C parser when available: it uses no recursion)."""
    try:
        from _ruamel_yaml import CParser
    except ImportError:  # pragma: no cover - the pure parser is used where the C one is missing
        from ruamel.yaml import YAML

        yield from YAML(typ="safe", pure=True).parse(text)
        return
    parser = CParser(text)
    try:
        while True:
            event = parser.get_event()
            if event is None:
                return
            yield event
    finally:
        parser.dispose()


def _check_events(text: str, source: str, aliases: bool) -> None:
    """Refuse deep nesting and aliases (or too many of them) from the event stream alone.

    Composing the node tree recurses (ruamel's C composer crashes the process around 100,000
    levels), so the depth is measured on the flat event stream first.
    """
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

    depth = 0
    count = 0
    for event in _events(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _at(source, event.start_mark, _too_deep())
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        elif isinstance(event, AliasEvent):
            if not aliases:
                message = _(
                    "alias '*{name}' not allowed here: anchors and aliases (&name, *name) are refused in this "
                    "kind of file; write the value again"
                ).format(name=excerpt(event.anchor))
                raise _at(source, event.start_mark, message)
            count += 1
            if count > MAX_ALIASES:
                message = _("more than {count} aliases (*name): write the values out instead").format(count=MAX_ALIASES)
                raise _at(source, event.start_mark, message)


def _check_expansion(root: Any, source: str) -> None:
    """Refuse a node tree whose aliases expand to more than ``MAX_NODES`` nodes, or refer to themselves."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: Any) -> int:  # depth is at most MAX_DEPTH here, so recursion is safe
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in open_nodes:
            raise _at(source, node.start_mark, _("an alias (*name) refers to the value that contains it"))
        open_nodes.add(id(node))
        total = 1
        if isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            total += sum(size(v) for v in node.value)
        open_nodes.discard(id(node))
        if total > MAX_NODES:
            message = _("the aliases (*name) of this file expand to more than {count} values: write them out").format(
                count=MAX_NODES
            )
            raise _at(source, node.start_mark, message)
        sizes[id(node)] = total
        return total

    size(root)


# --- strict JSON ---------------------------------------------------------------------------------

_JSON_WORDS = (
    ("Expecting ',' delimiter", N_("a comma ',' is missing between two values")),
    ("Expecting ':' delimiter", N_("a colon ':' is missing after a field name")),
    ("Expecting property name", N_("expected a field name in double quotes (a comma before '}'?)")),
    ("Expecting value", N_("expected a value (a comma before ']' or '}', or text without double quotes?)")),
    ("Extra data", N_("more text after the end of the JSON value")),
    ("Unterminated string", N_("a text in double quotes is not closed")),
    ("Invalid control character", N_("a line break or tab inside a text: write \\n or \\t")),
    ("Invalid \\escape", N_("a backslash '\\' that is not a valid escape")),
    ("Invalid \\uXXXX escape", N_("a backslash '\\u' that is not followed by 4 hex digits")),
)
_JSON_DEPTH = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class _JsonProblem(ValueError):
    """A value the strict JSON reader refuses, located by character offset."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def _strict_json(text: str, source: str) -> Any:
    """JSON as the standard defines it: no trailing comma, no comment, no duplicate key, no NaN."""
    import json  # a YAML fiche (the common case) never needs it: kept out of a cold command's imports

    depth = 0
    for match in _JSON_DEPTH.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(problems=[_offset_problem(source, text, match.start(), _too_deep())])
        elif token in "]}":
            depth -= 1

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in items:
            if name in out:
                message = _("duplicate key '{key}': each field is written once").format(key=excerpt(name))
                raise _JsonProblem(message, _duplicate_offset(text, name))
            out[name] = value
        return out

    def constant(name: str) -> Any:
        outside_strings = re.compile(r'"(?:[^"\\]|\\.)*"|' + re.escape(name))
        offset = next((m.start() for m in outside_strings.finditer(text) if m.group() == name), 0)
        raise _JsonProblem(_("'{name}' is not a JSON number").format(name=name), offset)

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        what = next((_(plain) for raw, plain in _JSON_WORDS if exc.msg.startswith(raw)), exc.msg)
        raise InputError(problems=[Problem(source, exc.lineno, exc.colno, _not_valid(source, what))]) from None
    except _JsonProblem as exc:
        raise InputError(problems=[_offset_problem(source, text, exc.offset, _not_valid(source, exc))]) from None
    except RecursionError:
        raise InputError(problems=[Problem(source, 0, 0, _too_deep())]) from None


def _duplicate_offset(text: str, name: str) -> int:
    """Where the second occurrence of a duplicated key is written (-1 when it cannot be told)."""
    import json

    quoted = json.dumps(name, ensure_ascii=False)
    first = text.find(quoted)
    return text.find(quoted, first + 1) if first >= 0 else -1


def _offset_problem(source: str, text: str, offset: int, message: str) -> Problem:
    if offset < 0:
        return Problem(source, 0, 0, message)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Problem(source, line, column, message)


def _json_nodes(text: str) -> Any:
    """The node tree of a valid JSON text, only to locate problems (JSON is YAML; tabs become spaces).

    None when the YAML composer reads it differently: problems are then located at the file's start.
    """
    try:
        _check_events(text.replace("\t", " "), "", aliases=False)
        loader, parser = _safe_yaml().get_constructor_parser(text.replace("\t", " "))
        try:
            return loader.get_single_node()
        finally:
            parser.dispose()
    except Exception:
        return None


def read_document(path: Path | str, source: str | None = None, *, aliases: bool = False) -> Document:
    """Read and parse one file; an unreadable, too large or badly encoded file is a located :class:`InputError`."""
    name = source or str(path)
    return parse_text(read_text(path, name), name, aliases=aliases)


def read_text(path: Path | str, source: str | None = None, *, limit: int | None = None) -> str:
    """A UTF-8 text file (a leading BOM dropped), size-limited; an encoding error is located."""
    name = source or str(path)
    return decode(read_bytes(path, name, limit=limit), name)


def read_bytes(path: Path | str, source: str | None = None, *, limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else is a located InputError.

    Every file capactif reads goes through here (YAML, JSON and CSV alike): a folder, a missing file,
    a pipe or a device (reading one would wait forever, or never end) and a file over the size limit
    are refused before anything is read.
    """
    import stat

    limit = MAX_BYTES if limit is None else limit
    path = Path(path)
    name = source or str(path)
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise InputError(problems=[Problem(name, 0, 0, _("this is a folder, not a file"))])
        if not stat.S_ISREG(mode):
            raise InputError(problems=[Problem(name, 0, 0, _("not a regular file (a pipe or a device): give a file"))])
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError(problems=[Problem(name, 0, 0, _("file not found"))]) from None
    except IsADirectoryError:
        raise InputError(problems=[Problem(name, 0, 0, _("this is a folder, not a file"))]) from None
    except OSError as exc:
        raise InputError(
            problems=[Problem(name, 0, 0, _("cannot read: {reason}").format(reason=exc.strerror))]
        ) from None
    if len(raw) > limit:
        raise InputError(problems=[Problem(name, 0, 0, _too_big(limit))])
    return raw


def decode(raw: bytes, source: str) -> str:
    """UTF-8 bytes as text; an invalid byte is reported at its line and column."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = raw.count(b"\n", 0, start) + 1
        line_start = raw.rfind(b"\n", 0, start) + 1
        column = len(raw[line_start:start].decode("utf-8", errors="replace")) + 1
        message = _("not UTF-8 text (byte 0x{byte:02x}): save the file as UTF-8").format(byte=raw[start])
        raise InputError(problems=[Problem(source, line, column, message)]) from None


# --- pydantic errors in plain words -------------------------------------------------------------


def _model_fields_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """Field names (aliases included) of the sub-model reached by ``loc``, for did-you-mean."""
    from pydantic import BaseModel

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
    from pydantic import BaseModel

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
        return _("'{name}' must be a date written YYYY-MM-DD, got '{given}'").format(name=name, given=excerpt(given))
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("'{name}' must be a whole number, got '{given}'").format(name=name, given=excerpt(given))
    if kind in ("bool_type", "bool_parsing"):
        return _("'{name}' must be true or false, got '{given}'").format(name=name, given=excerpt(given))
    if kind in ("list_type",):
        return _("'{name}' must be a list (one '- item' per line), got '{given}'").format(
            name=name, given=excerpt(given)
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("'{name}' must be a mapping of fields (key: value), got '{given}'").format(
            name=name, given=excerpt(given)
        )
    if kind == "string_type":
        if isinstance(given, int) and not isinstance(given, bool):
            return _("'{name}' must be text: write it in quotes (\"{given}\")").format(name=name, given=excerpt(given))
        return _("'{name}' must be text, got '{given}'").format(name=name, given=excerpt(given))
    if kind == "greater_than_equal":
        return _("'{name}' must be at least {minimum}, got '{given}'").format(
            name=name, minimum=error["ctx"]["ge"], given=excerpt(given)
        )
    if kind == "greater_than":
        return _("'{name}' must be more than {minimum}, got '{given}'").format(
            name=name, minimum=error["ctx"]["gt"], given=excerpt(given)
        )
    if kind in ("less_than_equal", "less_than"):
        bound = error["ctx"].get("le", error["ctx"].get("lt"))
        return _("'{name}' must be at most {bound}, got '{value}'").format(name=name, bound=bound, value=excerpt(given))
    if kind == "int_parsing_size":
        return _("'{name}' is far too large a number: '{value}'").format(name=name, value=excerpt(given))
    if kind == "string_too_long":
        limit = error["ctx"]["max_length"]
        return _("'{name}' is too long (at most {limit} characters)").format(name=name, limit=limit)
    if kind == "string_pattern_mismatch" and name == "id":
        return _("'{value}' is not a fiche id: write it F-YYYY-NNNN, e.g. F-2026-0012").format(value=excerpt(given))
    if kind == "string_pattern_mismatch" and name == "offer":
        return _("'{value}' is not an offer id: write it O-YYYY-NNNN, e.g. O-2026-0003").format(value=excerpt(given))
    if kind == "invalid_key":  # a YAML key that is a number, null or a list: field names are words
        return _("'{key}' is not a field name: field names are words, such as 'received:' or 'kind:'").format(
            key=excerpt(given)
        )
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind == "assertion_error":
        return error["msg"].removeprefix("Assertion failed, ")
    return _("'{name}': the value '{value}' cannot be accepted ({reason})").format(
        name=name, value=excerpt(given), reason=kind
    )


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


#: A check of a valid record beyond its model: ``(field, message)`` pairs, each located at its field.
Also = Callable[[Any], list[tuple[str, str]]]
#: A plain validator of a record: ``(data, context)`` → the record, built without pydantic, when it is sure the
#: model accepts ``data`` and gives the same record; None for anything else (the model then reads it and
#: says what is wrong, in its own words).
Fast = Callable[[Any, dict[str, Any]], Any]


def models_from_document(
    doc: Document,
    model: type[Any] | Callable[[], type[Any]],
    ctx: dict[str, Any],
    what: str,
    also: Also | None = None,
    fast: Fast | None = None,
) -> tuple[list[Any], list[Problem]]:
    """One record (a mapping) or several (a list of mappings) of ``model`` from a parsed file.

    Each valid record remembers where it came from in its ``_source`` private attribute
    (``file`` or ``file#N`` for the N-th of a list); every problem is located.  ``also`` checks a
    valid record further (a fiche's stage and what it needs); its problems are located at the field
    they name, or at ``stage`` when the field is missing.  ``fast``: a plain validator tried first on each
    record (see :data:`Fast`); ``model`` may then be a function that gives the model class, called only
    for a record ``fast`` leaves to it.
    """
    from pydantic_core import ValidationError  # what pydantic raises (pydantic_core is loaded with pydantic)

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
    model_class: type[Any] | None = model if isinstance(model, type) else None
    for base, item in items:
        record = fast(item, ctx) if fast is not None else None
        if record is None:
            if model_class is None:
                model_class = model()
            try:
                record = model_class.model_validate(item, context=ctx)
            except ValidationError as exc:
                problems.extend(validation_problems(doc, exc, model_class, base))
                continue
        more = also(record) if also else []
        for name, message in more:
            where = name if isinstance(item, dict) and name in item else "stage"
            problems.append(Problem(doc.source, *doc.locate((*base, where)), f"{name}: {message}"))
        if more:
            continue
        record._source = doc.source + (f"#{base[0] + 1}" if base else "")
        found.append(record)
    return found, problems


def read_models(
    paths: Iterable[str | Path],
    model: type[Any] | Callable[[], type[Any]],
    ctx: dict[str, Any],
    what: str,
    stdin_text: str | None = None,
    also: Also | None = None,
    fast: Fast | None = None,
) -> list[Any]:
    """Every record of every file ('-' is standard input); all problems of all files at once (``also``,
    ``fast``: see :func:`models_from_document`)."""
    records: list[Any] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            doc = parse_text(stdin_text or "", "stdin") if str(path) == "-" else read_document(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        found, bad = models_from_document(doc, model, ctx, what, also, fast)
        records.extend(found)
        problems.extend(bad)
    if problems:
        raise InputError(problems=problems)
    return records
