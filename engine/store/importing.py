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

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine import spreadsheet
from engine.errors import InputError, Problem, excerpt
from engine.fiche import Fiche
from engine.i18n import _
from engine.lifecycle import state_problems
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
        guards = [
            Problem(doc.source, *doc.locate((*base, "stage"))[:2], f"{name}: {message}")
            for name, message in state_problems(fiche.model_dump(mode="json"))
        ]
        if guards:
            batch.rejected.append(Rejected(line, dict(item), guards))
            continue
        fiche._source = f"{doc.source}:{line}"
        batch.fiches.append(fiche)
    return batch


def _read_csv(path: Path, ctx: dict[str, Any]) -> Batch:
    source = str(path)
    text, _encoding = spreadsheet.read_text(path)  # UTF-8 (with or without BOM) or Windows-1252
    delimiter = spreadsheet.sniff_delimiter(text.split("\n", 1)[0])  # ';' from a French Excel, or ','
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _csv_rows(source, reader, ctx)
    except csv.Error as exc:  # e.g. a cell larger than the csv module's limit
        message = _("not valid CSV: {problem}").format(problem=excerpt(exc, 120))
        raise InputError(problems=[Problem(source, reader.line_num, 0, message)]) from None


def _csv_rows(source: str, reader: Any, ctx: dict[str, Any]) -> Batch:
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
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        row = dict(zip(header, cells, strict=False))
        if len(cells) != len(header):
            problem = Problem(
                source,
                start,
                1,
                _("expected {expected} cells, found {found}").format(expected=len(header), found=len(cells)),
            )
            batch.rejected.append(Rejected(start, row, [problem]))
            continue
        try:
            fiche = Fiche.model_validate(_nest(row), context=ctx)
        except ValidationError as exc:
            problems = sorted({_cell_problem(source, start, header, e) for e in exc.errors()})
            batch.rejected.append(Rejected(start, row, problems))
            continue
        guards = [
            Problem(source, start, _column(header, name), f"{name}: {message}")
            for name, message in state_problems(fiche.model_dump(mode="json"))
        ]
        if guards:
            batch.rejected.append(Rejected(start, row, guards))
            continue
        fiche._source = f"{source}:{start}"
        batch.fiches.append(fiche)
    return batch


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
