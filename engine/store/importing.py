"""Reading many fiches at once from CSV, YAML or JSON, with every bad row located.

CSV files may come from a French spreadsheet: ``;`` or ``,`` between cells, UTF-8 (with or without
a byte-order mark) or Windows-1252, dates as JJ/MM/AAAA, VRAI/FAUX or oui/non (:mod:`engine.spreadsheet`).
CSV columns are the fiche's field names; the porteur's fields are ``porteur.name``,
``porteur.email``, ``porteur.phone``, ``porteur.consent_network``; lists (``needs``, ``publics``,
``supporting``) are separated by ``|``; an empty cell is an absent field.  A column named
``errors`` is ignored, so a rejects file can be fixed and imported again as it is.

Problems are reported as ``file:line:column: field: message`` (for CSV the column is the cell's
position in the row).  A problem in the header (an unknown column) concerns every row, so it stops
the import even with ``--skip-invalid``; so does a YAML or JSON file that holds no fiche at all.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from engine import spreadsheet
from engine.errors import InputError, Problem, excerpt
from engine.fiche import TEXT_LIMITS, Fiche, Porteur, normalise_email, normalise_phone
from engine.i18n import _
from engine.lifecycle import state_problems
from engine.limits import DATE_FLOOR
from engine.output import unneutralise
from engine.paths import write_private
from engine.store.exporting import COLUMNS, LIST_COLUMNS
from engine.vocabulary import unknown
from engine.yamlsource import plain_message, read_document, validation_problems

IGNORED = ("errors",)
DATE_COLUMNS = ("received", "installed_on")
FORMATS = {".csv": "csv", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}


@dataclass
class Rejected:
    """One row that cannot be imported: where it was, what it said, and why it was refused."""

    line: int
    data: dict[str, Any]
    problems: list[Problem]


@dataclass
class Batch:
    """The result of reading an import file: the valid fiches and the rejected rows, in file order."""

    source: str
    fmt: str
    fiches: list[Fiche] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    dicts: list[dict[str, Any]] = field(default_factory=list)
    """The fiche dict of each of ``fiches`` (``records.to_dict``), made once for the guards and handed to
    ``repository.add_fiches`` rather than made again there (the model dumped once per row, not twice)."""

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.rejected for p in r.problems]


def file_format(path: str | Path) -> str:
    """``csv``, ``yaml`` or ``json`` from the file's extension; anything else is an input error."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(problems=[Problem(str(path), 0, 0, _("unknown file type: give a .csv, .yaml or .json file"))])
    return FORMATS[suffix]


def read_import(path: str | Path, ctx: dict[str, Any]) -> Batch:
    """Read and validate every row of an import file (see the module docstring)."""
    fmt = file_format(path)
    if fmt == "csv":
        return _read_csv(Path(path), ctx)
    doc = read_document(path)
    if not isinstance(doc.data, list | dict):
        # Empty, comments only or a bare value: the whole file is wrong (as for ``fiche add``), not a row.
        message = _("a fiche file must hold a fiche (field: value lines) or a list of fiches")
        raise InputError(problems=[Problem(doc.source, 1, 1, message)])
    batch = Batch(doc.source, fmt)
    items = doc.data if isinstance(doc.data, list) else [doc.data]
    base: tuple[Any, ...]
    for index, item in enumerate(items):
        base = (index,) if isinstance(doc.data, list) else ()
        line = doc.locate(base)[0]
        if not isinstance(item, dict):
            problem = Problem(doc.source, line, 1, _("each fiche must be a mapping of fields (key: value)"))
            batch.rejected.append(Rejected(line, {"value": item}, [problem]))
            continue
        data = {k: v for k, v in item.items() if k not in IGNORED}
        try:
            fiche = Fiche.model_validate(data, context=ctx)
        except ValidationError as exc:
            batch.rejected.append(Rejected(line, dict(item), validation_problems(doc, exc, Fiche, base)))
            continue
        data = fiche.model_dump(mode="json")
        guards = [
            Problem(doc.source, *doc.locate((*base, "stage"))[:2], f"{name}: {message}")
            for name, message in state_problems(data)
        ]
        if guards:
            batch.rejected.append(Rejected(line, dict(item), guards))
            continue
        fiche._source = f"{doc.source}:{line}"
        batch.fiches.append(fiche)
        batch.dicts.append(data)
    return batch


def _read_csv(path: Path, ctx: dict[str, Any], *, fast: bool = True) -> Batch:
    source = str(path)
    # One "today" for every row of the file (dates after it are refused), read once rather than per date.
    ctx = {**ctx, "today": ctx.get("today") or dt.date.today()}
    text, _encoding = spreadsheet.read_text(path)  # UTF-8 (with or without BOM) or Windows-1252
    delimiter = spreadsheet.sniff_delimiter(text.split("\n", 1)[0])  # ';' from a French Excel, or ','
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _csv_rows(source, reader, ctx, fast=fast)
    except csv.Error as exc:  # e.g. a cell larger than the csv module's limit
        message = _("not valid CSV: {problem}").format(problem=excerpt(exc, 120))
        raise InputError(problems=[Problem(source, reader.line_num, 0, message)]) from None


def _csv_rows(source: str, reader: Any, ctx: dict[str, Any], *, fast: bool = True) -> Batch:
    header = next(reader, None)
    if not header:
        raise InputError(problems=[Problem(source, 1, 1, _("empty file: the first line must name the columns"))])
    header = [h.strip() for h in header]
    known = set(COLUMNS)
    bad = [
        Problem(source, 1, i + 1, unknown("column", h, COLUMNS))
        for i, h in enumerate(header)
        if h not in known and h not in IGNORED
    ]
    missing = _("missing column '{column}'")
    bad += [Problem(source, 1, 1, missing.format(column=c)) for c in ("received", "commune", "kind") if c not in header]
    if bad:
        raise InputError(problems=bad)
    batch = Batch(source, "csv", columns=header)
    rows = RowValidator(header, ctx) if fast else None
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not "".join(cells).strip():  # a row of empty or blank cells (one C pass, not a generator per row)
            continue
        if len(cells) != len(header):
            row = dict(zip(header, cells, strict=False))
            problem = Problem(
                source,
                start,
                1,
                _("expected {expected} cells, found {found}").format(expected=len(header), found=len(cells)),
            )
            batch.rejected.append(Rejected(start, row, [problem]))
            continue
        fiche = rows.fiche(cells) if rows is not None else None
        if fiche is None:  # not sure without the model: the model decides, and says what is wrong
            row = dict(zip(header, cells, strict=True))
            try:
                fiche = Fiche.model_validate(_nest(row), context=ctx)
            except ValidationError as exc:
                problems = sorted({_cell_problem(source, start, header, e) for e in exc.errors()})
                batch.rejected.append(Rejected(start, row, problems))
                continue
        data = fiche.model_dump(mode="json")
        guards = [
            Problem(source, start, _column(header, name), f"{name}: {message}")
            for name, message in state_problems(data)
        ]
        if guards:
            batch.rejected.append(Rejected(start, dict(zip(header, cells, strict=True)), guards))
            continue
        fiche._source = f"{source}:{start}"
        batch.fiches.append(fiche)
        batch.dicts.append(data)
    return batch


def _defaults(model: type[BaseModel]) -> tuple[list[tuple[str, Any, Any]], dict[str, Any]]:
    """``(field, default, factory)`` of each field of ``model`` that has a default (a mutable default is
    copied, as pydantic copies it), and the default of each private attribute."""
    plan: list[tuple[str, Any, Any]] = []
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            plan.append((name, None, info.default_factory))
        elif not info.is_required():
            default = info.default
            if default == []:
                plan.append((name, None, list))
            elif isinstance(default, list | dict):
                plan.append((name, None, lambda d=default: copy.deepcopy(d)))
            else:
                plan.append((name, default, None))
    private = {name: attr.get_default() for name, attr in model.__private_attributes__.items()}
    return plan, private


_PLANS: dict[type[BaseModel], tuple[list[tuple[str, Any, Any]], dict[str, Any]]] = {
    Fiche: _defaults(Fiche),
    Porteur: _defaults(Porteur),
}
_REQUIRED = frozenset(name for name, info in Fiche.model_fields.items() if info.is_required())
#: Per model, the plan split once: ``{field: immutable default}`` and ``[(field, factory)]``.
_DEFAULTS: dict[type[BaseModel], tuple[dict[str, Any], list[tuple[str, Any]]]] = {
    model: (
        {name: default for name, default, factory in plan if factory is None},
        [(name, factory) for name, _default, factory in plan if factory is not None],
    )
    for model, (plan, _private) in _PLANS.items()
}


def _construct(model: type[BaseModel], values: dict[str, Any]) -> Any:
    """``model.model_construct(**values)`` for values already validated field by field, in a third of its time:
    the fields given, the others' defaults, the private attributes' defaults (what ``model_construct`` sets,
    without looking up aliases at every call; ``tests/test_import_fast_rows.py`` holds them equal)."""
    _plan, private = _PLANS[model]
    plain, factories = _DEFAULTS[model]
    data = {**plain, **values}  # the immutable defaults, then the fields given
    for name, factory in factories:  # a fresh list (or copy) for each fiche, as pydantic makes
        if name not in values:
            data[name] = factory()
    made = model.__new__(model)
    object.__setattr__(made, "__dict__", data)
    object.__setattr__(made, "__pydantic_fields_set__", set(values))
    object.__setattr__(made, "__pydantic_extra__", None)
    object.__setattr__(made, "__pydantic_private__", dict(private) if private else None)
    return made


_ABSENT = object()  # an empty cell: the field keeps its default
_UNSURE = object()  # a cell the model alone decides on (the row goes through Fiche.model_validate)
#: Cells checked directly (a different value on nearly every row): the text fields and the porteur's contacts.
_TEXTS = {"summary": "summary", "porteur.name": "name", "porteur.email": "email", "porteur.phone": "phone"}


class RowValidator:
    """The fiche of a CSV row, validated without building a pydantic model for it when that is sure.

    Why: ``fiche import`` validated every row with :class:`~engine.fiche.Fiche` (pydantic with the
    territory, a dozen Python validators per row).  Yet most cells repeat across a file (communes, NAF
    codes, kinds, stages, structures, needs, dates): each distinct cell of a column is validated once,
    *by the model itself* (a small fiche holding that cell, :meth:`_probe`), and the value it gives is
    reused.  A field's validators read only that field and the context (territory, structures, today),
    never another field, so the value is the same in any row.  The cells that differ on every row (the
    summary, the porteur's name, e-mail and phone) go through the same functions the model calls
    (:func:`~engine.limits.check_text`, :func:`~engine.fiche.normalise_email`,
    :func:`~engine.fiche.normalise_phone`).  The row's fiche is then built from those values
    (``model_construct``) and the model's own after-validator (``_derive_nature``: the nature, farm link,
    artisan registration, lead among the supporting) runs on it.

    Whenever anything is unsure — a cell the model refuses, a check that fails, the after-validator
    refusing — :meth:`fiche` returns None and the row goes through ``Fiche.model_validate`` as before:
    every problem is reported by the model, with its own messages.  ``tests/test_import_fast_rows.py``
    holds the two to the same fiches (hypothesis over valid, odd and invalid cells of every column).
    """

    def __init__(self, header: list[str], ctx: dict[str, Any]) -> None:
        self.header = header
        self.ctx = ctx
        # Per column: its name, the field name when checked directly (else None), the memo of its cells.
        self.columns: list[tuple[str, str | None, dict[str, Any]]] = [
            (column, _TEXTS.get(column), {}) for column in header
        ]
        territory = ctx.get("territory")
        communes = getattr(territory, "communes", None) or {"63003": None}
        # A small valid fiche that each probed cell is put into (its kind allows artisan_registered).
        self.base = {"received": DATE_FLOOR, "commune": next(iter(communes)), "kind": "development"}

    def fiche(self, cells: list[str]) -> Fiche | None:
        """The validated fiche of a row's cells (one per header column), or None when the model must decide."""
        values: dict[str, Any] = {}
        porteur: dict[str, Any] = {}
        for (column, name, memo), cell in zip(self.columns, cells, strict=True):
            if name is not None:  # a text or a contact: checked as the model checks it
                text = unneutralise(cell).strip()
                if text == "":
                    continue
                if "\x00" in text or len(text) > TEXT_LIMITS[name]:  # what check_text refuses: the model says why
                    return None
                value: str | None = text
                try:
                    if name == "email":
                        value = normalise_email(value)
                    elif name == "phone":
                        value = normalise_phone(value)
                except ValueError:
                    return None
                if name == "summary":
                    values[name] = value
                else:
                    porteur[name] = value
                continue
            found = memo.get(cell, _UNSURE)
            if found is _UNSURE:
                found = memo[cell] = self._probe(column, cell)
                if found is _UNSURE:
                    return None
            if found is _ABSENT:
                continue
            if column == "porteur.consent_network":
                porteur["consent_network"] = found
            else:
                values[column] = list(found) if type(found) is list else found
        if not _REQUIRED <= values.keys():
            return None  # a required cell is empty: the model says so
        if porteur:
            values["porteur"] = _construct(Porteur, porteur)
        fiche = _construct(Fiche, values)
        try:
            fiche._derive_nature()  # the model's after-validator (nature, farm link, lead not supporting…)
        except ValueError:
            return None
        return fiche

    def _probe(self, column: str, cell: str) -> Any:
        """What the model makes of one cell (``_ABSENT`` when empty, ``_UNSURE`` when it refuses it)."""
        data = _nest({column: cell})
        if not data:
            return _ABSENT
        try:
            fiche = Fiche.model_validate({**self.base, **data}, context=self.ctx)
        except ValidationError:
            return _UNSURE
        if column.startswith("porteur."):
            return getattr(fiche.porteur, column.split(".", 1)[1])
        return getattr(fiche, column)


def _column(header: list[str], name: str) -> int:
    """The 1-based column of ``name`` in the CSV header, else that of ``stage`` (what the guard is about)."""
    for wanted in (name, "stage"):
        if wanted in header:
            return header.index(wanted) + 1
    return 1


def _nest(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as fiche data: empty cells dropped, ``porteur.*`` nested, lists split on ``|``."""
    data: dict[str, Any] = {}
    for column, raw in row.items():
        value = unneutralise(raw).strip()
        if column in IGNORED or value == "":
            continue
        if column in LIST_COLUMNS:
            data[column] = [v.strip() for v in value.split("|") if v.strip()]
        elif column == "porteur.consent_network":
            data.setdefault("porteur", {})["consent_network"] = spreadsheet.parse_bool(value)  # VRAI, oui
        elif column.startswith("porteur."):
            data.setdefault("porteur", {})[column.split(".", 1)[1]] = value
        elif column in DATE_COLUMNS:
            data[column] = spreadsheet.parse_date(value)  # 02/03/2026 as a French spreadsheet writes it
        else:
            data[column] = value
    return data


def _cell_problem(source: str, line: int, header: list[str], error: Any) -> Problem:
    loc = tuple(error["loc"])
    column = ".".join(str(p) for p in loc if isinstance(p, str)) or "row"
    position = header.index(column) + 1 if column in header else 1
    return Problem(source, line, position, f"{column}: {plain_message(error, Fiche)}")


def write_rejects(path: str | Path, batch: Batch) -> None:
    """The rejected rows with their errors: CSV keeps the input's columns after an ``errors`` column."""
    from engine.output import to_json

    target = Path(path)
    if batch.fmt == "csv":
        from engine.output import to_csv

        rows = [{"errors": "; ".join(_short(p) for p in r.problems), **r.data} for r in batch.rejected]
        write_private(target, to_csv(rows, ["errors", *batch.columns]))
        return
    items = [{"errors": [_short(p) for p in r.problems], **r.data} for r in batch.rejected]
    if file_format(target) == "json":
        write_private(target, to_json(items) + "\n")
    else:
        from engine.store.exporting import to_yaml

        write_private(target, to_yaml(items))


def _short(problem: Problem) -> str:
    """A problem without the file name (the rejects file is the file)."""
    if not problem.line:
        return problem.message
    return _("line {line}: {problem}").format(line=problem.line, problem=problem.message)
