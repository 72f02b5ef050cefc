"""Rendering helpers shared by every report: JSON, tables, CSV and Markdown, all as strings.

Reporters are pure functions returning text; only the CLI prints.  JSON keeps the keys in the
order the engine builds them (documented per command), dates as ISO strings.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

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
    return json.dumps(data, indent=2, ensure_ascii=False, default=_default)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def neutralise(text: str) -> str:
    """A cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if text and text.startswith(FORMULA_PREFIXES):
        # A plain negative number is data, not a formula.
        if text[0] == "-" and text[1:].replace(".", "", 1).isdigit():
            return text
        return "'" + text
    return text


def to_csv(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], *, delimiter: str = ",", line_end: str = "\n"
) -> str:
    """CSV with a header, lists joined with '|', formula-like cells neutralised (``;`` for a French Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        values = []
        for col in columns:
            value = row.get(col)
            if isinstance(value, list | tuple):
                value = "|".join(str(v) for v in value)
            values.append(neutralise(_cell(value)))
        writer.writerow(values)
    return out.getvalue()


def to_table(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    headers: Sequence[str] | None = None,
    title: str | None = None,
    width: int = 120,
) -> str:
    """A readable text table (rich), returned as a string."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for header in headers or columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(col)) for col in columns))
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    console.print(table)
    return console.file.getvalue().rstrip("\n")  # type: ignore[attr-defined]


def to_markdown(rows: Iterable[dict[str, Any]], columns: Sequence[str], headers: Sequence[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table; pipes in cells are escaped."""
    head = list(headers or columns)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c)).replace("|", "\\|") for c in columns) + " |")
    return "\n".join(lines)
