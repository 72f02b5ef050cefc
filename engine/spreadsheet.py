"""CSV files as French spreadsheets write them, and CSV a French Excel opens as it should.

A French Excel saves "CSV (séparateur : point-virgule)" with ``;`` between cells, in Windows-1252
(or UTF-8 with a byte-order mark for "CSV UTF-8"), and writes dates as JJ/MM/AAAA and booleans as
VRAI/FAUX.  :func:`read_text` and :func:`sniff_delimiter` accept all of these; :data:`EXCEL` is how
``fiche export --format csv --excel`` writes for it: ``;``, UTF-8 with a byte-order mark (Excel then
reads accents right), dates JJ/MM/AAAA, Windows line ends.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError, Problem
from engine.i18n import _

#: Encodings tried in order: UTF-8 (a byte-order mark is dropped), then Windows-1252 (French Excel).
ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (";", ",", "\t")

_FRENCH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_TRUE = {"true", "vrai", "oui", "yes", "1", "o", "y"}
_FALSE = {"false", "faux", "non", "no", "0", "n"}


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written: its cell separator, text encoding, date style and line ends."""

    delimiter: str = ","
    encoding: str = "utf-8"
    french_dates: bool = False
    line_end: str = "\n"


#: What a French Excel opens correctly (accents, columns, dates).
EXCEL = Dialect(delimiter=";", encoding="utf-8-sig", french_dates=True, line_end="\r\n")


def read_text(path: str | Path) -> tuple[str, str]:
    """The file's text and its encoding (``utf-8-sig`` or ``cp1252``); InputError when neither reads it."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(problems=[Problem(source, 0, 0, _("file not found"))]) from None
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    message = _("the file is neither UTF-8 nor Windows-1252 text: save it from the spreadsheet as 'CSV UTF-8'")
    raise InputError(problems=[Problem(source, 0, 0, message)])


def sniff_delimiter(header_line: str) -> str:
    """``;``, ``,`` or a tab: the one the header line (column names, never quoted commas) uses most."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_date(text: str) -> str:
    """A French date ``02/03/2026`` as ``2026-03-02``; anything else unchanged (the model checks it)."""
    match = _FRENCH_DATE.match(text)
    if not match:
        return text
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return text


def parse_bool(text: str) -> str:
    """VRAI/FAUX, oui/non (any case) as ``true``/``false``; anything else unchanged."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return "true"
    if lowered in _FALSE:
        return "false"
    return text


def format_date(value: object) -> object:
    """A date as JJ/MM/AAAA for a French spreadsheet; anything else unchanged."""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    return value


def read_rows(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """A CSV file's column names and its non-blank rows as (line number, {column: cell}).

    Any encoding and separator :func:`read_text` and :func:`sniff_delimiter` accept; a row with the
    wrong number of cells is an InputError at its line (all of them at once).
    """
    source = str(path)
    text, _encoding = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text.split("\n", 1)[0]))
    header = [h.strip() for h in next(reader, [])]
    if not header:
        raise InputError(problems=[Problem(source, 1, 1, _("empty file: the first line must name the columns"))])
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[Problem] = []
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            message = _("expected {expected} cells, found {found}").format(expected=len(header), found=len(cells))
            problems.append(Problem(source, start, 1, message))
            continue
        rows.append((start, dict(zip(header, cells, strict=True))))
    if problems:
        raise InputError(problems=problems)
    return header, rows
