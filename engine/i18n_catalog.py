"""Maintaining the French catalog: extract, update, compile, check (a contributor's tool, needs Babel).

    python -m engine.i18n_catalog update    # new messages into capactif.po (untranslated), gone ones dropped
    python -m engine.i18n_catalog compile   # capactif.po -> capactif.mo (committed, shipped in the wheel)
    python -m engine.i18n_catalog check     # what the test checks: every message translated, nothing stale

The messages are those of capactif's sources, as ``babel.cfg`` maps them (``_()`` calls, command
help texts, Jinja2 templates), plus click's own messages ("Usage:", "No such option…"), which cli.py
routes through the same catalog.  Babel is imported here only: capactif itself reads the compiled
``.mo`` with the standard library.  See docs/i18n.md.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from engine.i18n import DOMAIN, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "babel.cfg"
LANGUAGE = "fr"
PO = LOCALE_DIR / LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")

#: click's modules whose messages a capactif user can see (cli.py re-points exactly these).
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "utils", "termui")


def extract() -> Any:
    """A Babel catalog template of every message of the sources and of click's user-facing modules."""
    import click
    from babel.messages.catalog import Catalog
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
    from babel.messages.frontend import parse_mapping_cfg

    template = Catalog(project="capactif", domain=DOMAIN, charset="utf-8", fuzzy=False)
    with CONFIG.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(CONFIG))
    keywords = dict(DEFAULT_KEYWORDS)

    def keep(path: str) -> bool:
        return not any(part in {".venv", "_bundled", "node_modules"} for part in Path(path).parts)

    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords, directory_filter=keep
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    click_dir = Path(click.__file__).parent
    for name in CLICK_MODULES:
        path = click_dir / f"{name}.py"
        for lineno, message, comments, context in extract_from_file("python", str(path), keywords=keywords):
            template.add(message, None, [(f"click/{name}.py", lineno)], auto_comments=comments, context=context)
    return template


def read_po(path: Path = PO) -> Any:
    """The French catalog as Babel reads it."""
    from babel.messages.pofile import read_po as _read

    with path.open("rb") as fh:
        return _read(fh, locale=LANGUAGE, domain=DOMAIN)


def write_po(catalog: Any, path: Path = PO) -> None:
    """Write the catalog sorted by message (stable diffs; the locations are left out on purpose).

    Locations (file:line) would change with every edit of the code above a message and make every
    commit touch the catalog; a message's comment says where it is used when the text alone is unclear.
    """
    from babel.messages.pofile import write_po as _write

    buf = io.BytesIO()
    _write(buf, catalog, width=100, no_location=True, sort_output=True, ignore_obsolete=True, include_previous=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


def compiled(catalog: Any) -> bytes:
    """The .mo bytes of a catalog (fuzzy entries left out, as gettext would ignore them)."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def update() -> tuple[int, int]:
    """Merge the sources' messages into capactif.po; returns (new untranslated, dropped)."""
    from babel.messages.catalog import Catalog

    template = extract()
    catalog = read_po() if PO.exists() else Catalog(locale=LANGUAGE, domain=DOMAIN, project="capactif", fuzzy=False)
    before = {m.id for m in catalog if m.id}
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    after = {m.id for m in catalog if m.id}
    dropped = len(catalog.obsolete)
    write_po(catalog)
    return len(after - before), dropped


def compile_catalog() -> None:
    """capactif.po -> capactif.mo."""
    MO.write_bytes(compiled(read_po()))


def _key(msgid: Any) -> Any:
    return msgid if isinstance(msgid, str) else tuple(msgid)


def check() -> list[str]:
    """Every problem of the French catalog, one line each: missing, untranslated, fuzzy, stale, not compiled."""
    from babel.messages.checkers import checkers

    problems: list[str] = []
    template = extract()
    catalog = read_po()
    wanted = {(_key(m.id), m.context) for m in template if m.id}
    present = {(_key(m.id), m.context): m for m in catalog if m.id}
    for key in sorted(wanted - set(present), key=str):
        problems.append(f"not in capactif.po (run `python -m engine.i18n_catalog update`): {key[0]!r}")
    for key in sorted(set(present) - wanted, key=str):
        problems.append(f"stale entry of capactif.po (no longer in the code): {key[0]!r}")
    for key, message in sorted(present.items(), key=lambda kv: str(kv[0])):
        if key not in wanted:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if not all(strings):
            problems.append(f"no French translation: {key[0]!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy (to review, then remove the flag): {key[0]!r}")
        else:
            for check_fn in checkers:
                try:
                    check_fn(catalog, message)
                except Exception as exc:  # TranslationError: placeholders differ
                    problems.append(f"{exc}: {key[0]!r}")
    if not MO.exists() or MO.read_bytes() != compiled(catalog):
        problems.append(
            "capactif.mo is not the compilation of capactif.po (run `python -m engine.i18n_catalog compile`)"
        )
    return problems


def main(argv: list[str]) -> int:
    """``update``, ``compile`` or ``check``."""
    command = argv[0] if argv else ""
    if command == "update":
        new, dropped = update()
        print(f"{PO.relative_to(ROOT)}: {new} new message(s) to translate, {dropped} dropped")
        return 0
    if command == "compile":
        compile_catalog()
        print(f"{MO.relative_to(ROOT)} written")
        return 0
    if command == "check":
        problems = check()
        for line in problems:
            print(line)
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
