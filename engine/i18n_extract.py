"""Babel extractor for capactif's Python files: ``_()`` calls plus the command line's help texts.

``babel.cfg`` names it (``[capactif: **.py]``), so ``pybabel extract -F babel.cfg`` collects, besides
what Babel's own Python extractor finds (``_``, ``ngettext``, ``N_``, ``pgettext`` and here also
``_l``/``lazy_gettext``):

- the docstring of every function decorated with ``@<group>.command(…)`` / ``@<group>.group(…)``
  (click's help text of the command), as ``inspect.cleandoc`` leaves it: cli.py translates exactly
  that text when it prints the help;
- every ``help="…"`` keyword given as a plain string (click options and arguments).

So cli.py's help texts stay plain English strings and docstrings, and still reach the catalog.
Used only when the catalogs are updated (a development task, Babel installed); never at run time.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterable, Iterator
from typing import IO, Any

EXTRA_KEYWORDS: dict[str, Any] = {"_l": None, "lazy_gettext": None}
HELP_COMMENT = "command-line help text (click)"


def extract(
    fileobj: IO[bytes], keywords: Iterable[str], comment_tags: list[str], options: dict[str, Any]
) -> Iterator[tuple[int, str | None, Any, list[str]]]:
    """Babel extraction method: the Python extractor's messages, then the click help texts."""
    from babel.messages.extract import extract_python

    # Babel passes the keyword names only and looks each result's function name up in its own
    # table: our extra names are reported as plain one-argument messages (function name None).
    names = [*keywords, *EXTRA_KEYWORDS]
    for lineno, funcname, messages, comments in extract_python(fileobj, names, comment_tags, options):  # type: ignore[arg-type]
        yield lineno, (None if funcname in EXTRA_KEYWORDS else funcname), messages, comments  # type: ignore[misc]
    fileobj.seek(0)
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    yield from help_texts(source)


def help_texts(source: str) -> Iterator[tuple[int, None, str, list[str]]]:
    """(line, None, text, comments) of every command docstring and literal ``help=`` of a module."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(map(_is_command, node.decorator_list)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield node.lineno, None, inspect.cleandoc(doc), [HELP_COMMENT]
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "help" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    text = inspect.cleandoc(kw.value.value)
                    if text:
                        yield kw.value.lineno, None, text, [HELP_COMMENT]


def _is_command(decorator: ast.expr) -> bool:
    """``@x.command(...)``, ``@x.group(...)``, ``@click.command``, ``@main.command`` and the like."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name in {"command", "group"}
