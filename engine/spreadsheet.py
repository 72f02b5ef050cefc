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
    """The file's text and its encoding (``utf-8-sig`` or ``cp1252``).

    InputError, located at ``line:col``, with what to do, when the bytes are not a spreadsheet's text:
    a byte neither UTF-8 nor Windows-1252 reads, or a control character in the text one of them gives
    (a workbook ``.xlsx``, UTF-16 or a binary file renamed ``.csv``: Windows-1252 reads any byte, and
    would silently turn them into garbage).
    """
    from engine import yamlsource

    source = str(path)
    # a regular file within the size limit, like every file capactif reads (a table's limit is larger)
    raw = yamlsource.read_bytes(path, source, limit=yamlsource.MAX_TABLE_BYTES)
    if raw.startswith(b"PK\x03\x04"):
        message = _("this is an Excel workbook (.xlsx), not CSV: {hint}").format(hint=_save_as())
        raise InputError(problems=[Problem(source, 1, 1, message)])
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == ENCODINGS[-1]:
                line, column = _byte_position(raw, exc.start)
                message = _("byte 0x{byte:02x} is neither UTF-8 nor Windows-1252 text: {hint}").format(
                    byte=raw[exc.start], hint=_save_as()
                )
                raise InputError(problems=[Problem(source, line, column, message)]) from None
            continue
        control = _first_control(text)
        if control is not None:
            line, column = _text_position(text, control)
            message = _("control character U+{code:04X} in the text (not a CSV file, or not its encoding): {hint}")
            raise InputError(
                problems=[Problem(source, line, column, message.format(code=ord(text[control]), hint=_save_as()))]
            )
        return text.removesuffix("\x1a"), encoding
    raise AssertionError("unreachable: the last encoding either reads the file or raises")  # pragma: no cover


def _save_as() -> str:
    """What to do about a file that is not a spreadsheet's text."""
    return _("save the file as UTF-8 or as CSV (séparateur : point-virgule)")


#: Control characters no spreadsheet's CSV holds (tab, line feed and carriage return are text; a final
#: Ctrl-Z, the end-of-file mark of old DOS files, is tolerated by :func:`_first_control`).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _first_control(text: str) -> int | None:
    """The index of the first control character of ``text`` (a trailing Ctrl-Z aside), or None."""
    match = _CONTROL.search(text.removesuffix("\x1a"))
    return match.start() if match else None


def _text_position(text: str, index: int) -> tuple[int, int]:
    """``(line, column)`` of ``text[index]``, both from 1."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _byte_position(raw: bytes, start: int) -> tuple[int, int]:
    """``(line, column)`` of the byte at ``start``: the column counts the characters before it on its line."""
    line_start = raw.rfind(b"\n", 0, start) + 1
    before = raw[line_start:start]
    try:
        width = len(before.decode("utf-8"))
    except UnicodeDecodeError:
        width = len(before.decode("cp1252", errors="replace"))
    return raw.count(b"\n", 0, start) + 1, width + 1


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
