"""Rendering helpers shared by every report: JSON, tables, CSV and Markdown, all as strings.

Reporters are pure functions returning text; only the CLI prints.  JSON keeps the keys in the
order the engine builds them (documented per command), dates as ISO strings.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from engine.i18n import _

#: Characters that make a spreadsheet run a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def to_json(data: Any) -> str:
    """Indented UTF-8 JSON, keys in the order given."""
    import json  # a text rendering never needs it: kept out of a cold command's imports

    return json.dumps(data, indent=2, ensure_ascii=False, default=_default)


def _cell(value: Any, *, read: bool = False) -> str:
    """A cell's text; ``read``: for people (a table, Markdown), a yes or no in their language, else for
    machines (CSV: ``yes``/``no`` whatever the language)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        if read:
            return _("yes") if value else _("no")
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


#: Every line break a spreadsheet or a CSV reader may start a new line or row at (str.splitlines' set).
LINE_BREAKS = re.compile(r"(\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])")


def _neutralise_line(text: str) -> str:
    if text and text.startswith(FORMULA_PREFIXES):
        # A plain negative number is data, not a formula.
        if text[0] == "-" and text[1:].replace(".", "", 1).isdigit():
            return text
        return "'" + text
    return text


def neutralise(text: str) -> str:
    """A cell a spreadsheet could run as a formula gets a leading apostrophe, on every line of it.

    A bare carriage return is written as a line feed first: the CSV writer quotes a cell holding a
    line feed, but not one holding only ``\\r``, which spreadsheets read as the start of a new row.
    Every line of a cell (split on any line break) is neutralised, so no row a spreadsheet could
    see starts with ``=cmd|…``.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = LINE_BREAKS.split(text)
    return "".join(part if i % 2 else _neutralise_line(part) for i, part in enumerate(parts))


def unneutralise(text: str) -> str:
    """The inverse of :func:`neutralise` for a cell read back from a CSV file this engine wrote."""
    if "'" not in text:  # nothing was neutralised (most cells): no need to split lines (fiche import)
        return text
    parts = LINE_BREAKS.split(text)
    return "".join(
        part[1:] if i % 2 == 0 and part.startswith("'") and part[1:2] and part[1] in "=+-@\t" else part
        for i, part in enumerate(parts)
    )


def to_csv(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], *, delimiter: str = ",", line_end: str = "\n"
) -> str:
    """CSV with a header, lists joined with '|', formula-like cells neutralised (``;`` for a French Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end, delimiter=delimiter)
    writer.writerow([neutralise(str(c)) for c in columns])
    for row in rows:
        values = []
        for col in columns:
            value = row.get(col)
            if isinstance(value, list | tuple):
                value = "|".join(str(v) for v in value)
            values.append(neutralise(_cell(value)))
        writer.writerow(values)
    return out.getvalue()


#: Width of a table when the output is no terminal (a pipe, a file) and $COLUMNS is unset.
DEFAULT_WIDTH = 120
#: Narrower than this, a table's columns fold into unreadable slivers: it overflows instead.
MIN_WIDTH = 40


def terminal_width() -> int:
    """The width tables are laid out for: $COLUMNS, else the terminal's, else :data:`DEFAULT_WIDTH`.

    Read at each call (a terminal can be resized between two commands of a session).
    """
    import shutil

    return max(shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns, MIN_WIDTH)


def to_table(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    headers: Sequence[str] | None = None,
    title: str | None = None,
    width: int | None = None,
) -> str:
    """A readable text table (rich), returned as a string, as wide as the terminal (:func:`terminal_width`)
    unless ``width`` is given; long cells fold inside their column rather than widen the table."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for header in headers or columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(col), read=True) for col in columns))
    console = Console(file=io.StringIO(), width=width or terminal_width(), force_terminal=False, color_system=None)
    console.print(table)
    return console.file.getvalue().rstrip("\n")  # type: ignore[attr-defined]


def md(value: Any) -> str:
    """A value made inert in Markdown: HTML escaped (a note may hold ``<script>``), on one line."""
    import html  # here: its entity table is 1 % of a cold `suggest`, which prints no Markdown

    return LINE_BREAKS.sub(" ", html.escape(_cell(value, read=True), quote=False))


def to_markdown(rows: Iterable[dict[str, Any]], columns: Sequence[str], headers: Sequence[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table; HTML and pipes in cells are escaped, line breaks become spaces."""
    head = [md(h).replace("|", "\\|") for h in (headers or columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(md(row.get(c)).replace("|", "\\|") for c in columns) + " |")
    return "\n".join(lines)


#: Terminal escape sequences (CSI, OSC, other ESC sequences) and control characters but line feed and tab.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def for_terminal(text: str) -> str:
    """Text safe to print on a terminal: stored text cannot move the cursor, retitle or recolour it.

    A fiche's summary or a note is typed by someone else; escape sequences and control characters
    in it are removed (line feeds and tabs are kept).
    """
    return _ESCAPES.sub("", text)
