"""No English sentence is shown to people without going through the catalog (``_()``, ``N_()``…).

The catalog test (tests/test_i18n.py) only sees the messages that are *marked*; a sentence left as a
plain string literal never reaches it and is printed in English to a French technician.  This test
reads every module of ``engine/``, ``cli.py`` and ``web/`` (``ast``, nothing imported) and fails on
each string literal or f-string that reads like an English sentence and is not:

- the argument of a translation function (``_``, ``N_``, ``ngettext``, ``pgettext``, ``_l``…),
- a key of :data:`engine.vocabulary.NOUNS` given to ``unknown()`` (translated by ``noun()``), a
  dict's key (an id),
- a docstring (an attribute's too), a ``help="…"`` of the command line (extracted into the catalog by
  ``engine/i18n_extract.py``), an ``assert``'s message, a log line, SQL, a ``__repr__``,
- or one of the few deliberate exceptions of :data:`NOT_TRANSLATED` below, each with its reason.

"Reads like an English sentence": at least three words once placeholders, options, ids and paths
are left out, one of them an English grammar word no French sentence uses; or, for the message of an
error (``raise X("…")``, ``Problem(…, "…")``, ``doc.problem(loc, "…")``), two words.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TRANSLATORS = {"_", "N_", "gettext", "ngettext", "pgettext", "_l", "lazy_gettext"}
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}

#: English words that no French sentence uses (French words such as "a", "on", "an" left out).
ENGLISH = re.compile(
    r"\b(the|is|are|was|were|be|been|of|must|cannot|can|not|no|has|have|had|with|without|should|only|this|"
    r"that|than|does|doesn't|do|did|when|because|found|unknown|expected|missing|needs?|into|from|by|for|"
    r"to|in|at|its|it|or|and|nothing|already|also|neither|nor|either|any|every|each|give|write|use|add|"
    r"remove|rename|empty|duplicate|invalid|too|there|here|after|before|same|where|which|what|who|may|"
    r"will|would|yet|still|never|always|both|other|only|then|holds?|says?|gives?|goes|leads?|covers?|"
    r"supports?|works|handles)\b"
)
#: French words that no English sentence uses: a text with two of them is French already (e-mails).
FRENCH = re.compile(r"\b(le|la|les|des|du|une|est|sont|pour|avec|dans|sur|aux|au|et|à|vous|ce|cette)\b")
SQL = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|PRAGMA|GRANT|REVOKE|COPY)\b")

#: Modules left out as a whole, and why.
MODULES_NOT_TRANSLATED = {
    # contributors' tools, run by developers who maintain the catalog (English, like the code)
    "engine/i18n_catalog.py",
    "engine/i18n_extract.py",
}
#: Folders left out as a whole: Alembic migrations (SQL and their own error for a wrong use).
FOLDERS_NOT_TRANSLATED = ("engine/store/migrations/",)

#: (module, beginning of the text) of the literals deliberately left untranslated, and why.
NOT_TRANSLATED: dict[tuple[str, str], str] = {
    ("engine/errors.py", "\nDuring the handling of the above exception"): "Python's own traceback wording (debug)",
    ("engine/errors.py", "{}.{} (message not shown"): "the debug traceback's line for a hidden message",
    ("engine/spreadsheet.py", "unreachable: the last encoding"): "an impossible case (programming error)",
    ("engine/lifecycle.py", "module {} has no attribute {}"): "Python's AttributeError of a module __getattr__",
    ("engine/accounts/passwords.py", "capactif: no account has this password"): "a password nobody can type",
    ("engine/render/report.py", "\nmain.report"): "a style sheet",
    ("engine/i18n.py", "unknown language '{}'"): "said before any language is known (--lang itself)",
    ("engine/app/desk.py", "fiche add (web form)"): "the access log's record of what was done (an id, like 'consent')",
    ("engine/output.py", "cannot render {} as JSON"): "a programming error (a type the JSON renderer lacks)",
    ("engine/render/__init__.py", "no '{}' rendering of {}"): "a programming error (a format a result lacks)",
    ("web/pages.py", "two pages are named {}"): "a programming error, raised when the web application is built",
    ("engine/store/group.py", "at most {} rows at once"): "a programming error (a caller gave too many rows)",
    ("engine/store/group.py", "every row appended to a table"): "a programming error (rows of different columns)",
    ("engine/store/bulk.py", "serialised {}: one JSON text"): "a programming error (a caller's serialised column)",
    ("engine/store/pg.py", "a write inside Store.reading()"): "a programming error (a write in a read-only block)",
}


def modules() -> Iterator[Path]:
    """The modules whose strings may reach a person: the engine and the two front ends."""
    yield ROOT / "cli.py"
    for folder in ("engine", "web"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _text(node: ast.Constant | ast.JoinedStr) -> str:
    """The literal's text, an f-string's expressions as ``{}``."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


def _prose(text: str) -> str:
    """The words of a text once placeholders, options, paths, ids and quoted values are left out."""
    prose = re.sub(r"\{[^}]*\}|%\(\w+\)[sd]|%[sd]", " ", text)  # placeholders
    prose = re.sub(r"--?[\w-]+", " ", prose)  # options
    prose = re.sub(r"\S*[/_.<>=\\^$]\S*", " ", prose)  # paths, ids, file names, regular expressions
    prose = re.sub(r"'[^']*'|`[^`]*`", " ", prose)  # quoted values
    return " ".join(re.findall(r"[A-Za-zÀ-ÿ]{2,}", prose))


def reads_as_english(text: str) -> bool:
    """Three words or more, one an English grammar word, once what is not prose is left out."""
    if SQL.match(text):
        return False
    words = _prose(text)
    if len(FRENCH.findall(words)) >= 2:
        return False
    return len(words.split()) >= 3 and bool(ENGLISH.search(words))


def is_error_message(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """The message of an error: ``raise X("…")``, ``Problem(source, line, col, "…")``, ``doc.problem(loc, "…")``."""
    call = parents.get(node)
    if not isinstance(call, ast.Call) or node not in call.args:
        return False
    position, name = call.args.index(node), _name(call.func)
    return (
        (name == "Problem" and position == 3)
        or (name == "problem" and position == 1)
        or (isinstance(parents.get(call), ast.Raise) and position == 0)
    )


def reads_as_a_message(text: str) -> bool:
    """Two words or more of English prose (an error's message is never an id)."""
    words = _prose(text)
    return len(words.split()) >= 2 and len(FRENCH.findall(words)) < 2


def _exempt(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside a translation call, a log call, an assert, a ``help=`` keyword or a ``__repr__``; a dict's
    key; the name of a kind of value (``unknown("kind of action", …)``, ``NOUNS``' keys)."""
    from engine.vocabulary import NOUNS

    parent = parents.get(node)
    if isinstance(parent, ast.Dict) and node in parent.keys:
        return True
    if isinstance(parent, ast.Call) and _name(parent.func) in {"unknown", "noun"} and parent.args[:1] == [node]:
        return isinstance(node, ast.Constant) and node.value in NOUNS  # else: a kind that noun() cannot name
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in TRANSLATORS:
                return True
            if name in LOG_METHODS and "log" in ast.unparse(node.func).lower():
                return True
        if isinstance(node, ast.keyword) and node.arg == "help":
            return True
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.FunctionDef) and node.name == "__repr__":
            return True
    return False


def untranslated(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every English sentence of a module outside the catalog."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    docstrings = {
        node.body[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, str) or isinstance(parents.get(node), ast.JoinedStr):
                continue
        elif not isinstance(node, ast.JoinedStr):
            continue
        if node in docstrings or isinstance(parents.get(node), ast.Expr):
            continue  # a docstring, or an attribute's docstring: read by developers
        text = _text(node)
        english = reads_as_english(text) or (is_error_message(node, parents) and reads_as_a_message(text))
        if english and not _exempt(node, parents):
            yield node.lineno, text


def findings() -> list[str]:
    found = []
    for path in modules():
        rel = path.relative_to(ROOT).as_posix()
        if rel in MODULES_NOT_TRANSLATED or rel.startswith(FOLDERS_NOT_TRANSLATED):
            continue
        for line, text in untranslated(path):
            if not any(rel == module and text.startswith(start) for module, start in NOT_TRANSLATED):
                found.append(f"{rel}:{line}: {text[:100]!r}")
    return found


def test_no_english_sentence_outside_the_catalog():
    """Every sentence a person may read goes through gettext (docs/i18n.md, 'Writing a message')."""
    found = findings()
    assert [] == found, f"{len(found)} English sentence(s) outside _():\n" + "\n".join(found)


def test_every_exception_is_still_there():
    """An exception of the list that no longer matches anything is removed (the list stays small)."""
    texts = {(path.relative_to(ROOT).as_posix(), text) for path in modules() for _line, text in untranslated(path)}
    gone = [key for key in NOT_TRANSLATED if not any(m == key[0] and t.startswith(key[1]) for m, t in texts)]
    assert [] == gone


def test_the_scan_sees_a_sentence():
    """The detector itself: an English message is caught, ids, paths, SQL and French text are not."""
    assert reads_as_english("structure '{sid}' is not active (active: false in its file)")
    assert reads_as_english("rules directory not found: give an existing one")
    assert not reads_as_english("SELECT id FROM fiches WHERE stage = :stage")
    assert not reads_as_english("capactif fiche move {} start_follow_up --follow-up-by {}")
    assert not reads_as_english("la structure référente a changé plusieurs fois")
    assert not reads_as_english("^[a-z0-9][a-z0-9-]*$")
    assert not reads_as_english("honour_loan")
