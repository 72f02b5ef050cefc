"""The activity nomenclature (NAF rév. 2) and the legal nature of each activity.

The nature decides which chamber is competent: artisanal → chamber of trades (CMA), commercial →
chamber of commerce (CCI), agricultural → chamber of agriculture, liberal → no chamber.  It is
derived from the NAF code by the longest matching prefix of ``data/naf_nature.csv`` (``10.7`` is
artisanal but ``10.71B``, a bake-off shop, is commercial).  Codes the table does not cover fall back
on their section, flagged so the technician confirms.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from engine.i18n import _, get_language

DATA = Path(__file__).parent / "data"

#: Above this planned headcount a *new* artisanal firm is handled by the chamber of commerce
#: (loi 96-603 art. 19: artisans employ no more than ten employees).
ARTISAN_MAX_EMPLOYEES = 10

#: "Droit de suite" (loi 96-603 art. 19 as amended, [S4a], [S4b]): a firm already registered at the
#: répertoire des métiers may stay registered when it grows past ten employees — below 50 employees
#: in the 2017 wording, below 250 in the last one (2023, [S4b]; recodified since in the Code de
#: l'artisanat).  Up to this headcount a registered artisan keeps the CMA.
ARTISAN_REGISTERED_MAX_EMPLOYEES = 249


def artisan_registered(kind: str | None, registered: bool | None) -> bool:
    """Whether the firm is taken as already registered at the répertoire des métiers.

    The fiche says so (``artisan_registered``); when it does not, the development of an existing
    firm is presumed registered (it exists, and an artisanal firm is registered), a creation or a
    takeover (a new registration by the buyer) is not.
    """
    return registered if registered is not None else kind == "development"


def effective_nature(
    nature: str | None, employees: int | None, kind: str | None = None, registered: bool | None = None
) -> str | None:
    """The nature routing uses: an artisanal firm above ten employees is handled as commercial,
    unless it is already registered and keeps the CMA by the droit de suite (loi 96-603 art. 19)."""
    if nature == "artisanal" and (employees or 0) > ARTISAN_MAX_EMPLOYEES:
        if artisan_registered(kind, registered) and (employees or 0) <= ARTISAN_REGISTERED_MAX_EMPLOYEES:
            return "artisanal"
        return "commercial"
    return nature


def nature_reason(
    nature: str | None, employees: int | None, kind: str | None = None, registered: bool | None = None
) -> str | None:
    """Why the effective nature differs from the activity's artisanal nature, or why it does not
    although the firm is above ten employees (the droit de suite); None when the headcount plays no part."""
    if nature != "artisanal" or (employees or 0) <= ARTISAN_MAX_EMPLOYEES:
        return None
    return _nature_reason(nature, employees, kind, registered, get_language())


@lru_cache(maxsize=1024)
def _nature_reason(
    nature: str, employees: int | None, kind: str | None, registered: bool | None, language: str
) -> str | None:
    """:func:`nature_reason` in ``language`` (the language in force: the cache key; routing says it for
    every artisanal fiche above ten employees)."""
    if effective_nature(nature, employees, kind, registered) == "artisanal":
        if registered is None:
            message = _(
                "artisanal firm already registered at the répertoire des métiers (presumed: the development of an "
                "existing firm): with {n} employees it keeps the chamber of trades (droit de suite, loi 96-603 art. 19)"
            )
        else:
            message = _(
                "artisanal firm already registered at the répertoire des métiers: with {n} employees it keeps the "
                "chamber of trades (droit de suite, loi 96-603 art. 19)"
            )
        return message.format(n=employees)
    if artisan_registered(kind, registered):
        return _(
            "artisanal activity with {n} employees (more than {most}, beyond the droit de suite): handled as commercial"
        ).format(n=employees, most=ARTISAN_REGISTERED_MAX_EMPLOYEES)
    return _("artisanal activity with {n} employees (more than {most}): handled as commercial").format(
        n=employees, most=ARTISAN_MAX_EMPLOYEES
    )


def farm_nature(farm_link: str | None, publics: Sequence[str]) -> str | None:
    """'agricultural' when Code rural L311-1 makes the activity agricultural whatever its NAF code:
    an equestrian centre (loi 2005-157), or a farmer's activity in the extension of the farm's
    production or based on the farm.  None otherwise."""
    if farm_link == "equestrian":
        return "agricultural"
    if farm_link in ("extension", "on_farm") and "farmer" in publics:
        return "agricultural"
    return None


def farm_reason(farm_link: str | None) -> str:
    """The words explaining why :func:`farm_nature` made the activity agricultural."""
    if farm_link == "equestrian":
        return _("an equestrian centre is agricultural by law whatever its NAF code (Code rural L311-1, loi 2005-157)")
    if farm_link == "extension":
        return _(
            "a farmer's activity in the extension of the farm's production is agricultural whatever its NAF code "
            "(Code rural L311-1)"
        )
    return _("a farmer's activity based on the farm is agricultural whatever its NAF code (Code rural L311-1)")


# Sections without a row in naf_nature.csv: A is agriculture (Code rural L311-1); M (professional,
# scientific and technical), P (education) and Q (health) are mostly liberal professions; the rest
# is commercial by exclusion (Code de commerce L110-1).  Always flagged for confirmation.
_SECTION_NATURE = {"A": "agricultural", "M": "liberal", "P": "liberal", "Q": "liberal"}


@dataclass(frozen=True, slots=True)
class Activity:
    """One NAF rév. 2 sub-class."""

    code: str
    label: str
    section: str
    division: str


@dataclass(frozen=True, slots=True)
class NatureFinding:
    """The nature of an activity and how sure the table is of it."""

    nature: str
    matched: str  # the code or prefix that decided, or 'section X'
    partial: bool  # only part of the code is artisanal: ask the porteur
    note: str  # the table's label for the matched row

    @property
    def needs_confirmation(self) -> bool:
        """True when a technician should confirm the nature with the porteur."""
        return self.partial or self.matched.startswith("section")


@cache
def nomenclature() -> dict[str, Activity]:
    """All 732 NAF rév. 2 sub-classes by code (``10.71C``)."""
    rows = _read(DATA / "naf_rev2.csv")
    return {r["code"]: Activity(r["code"], r["label"], r["section"], r["division"]) for r in rows}


@cache
def naf_codes() -> frozenset[str]:
    """The codes of :func:`nomenclature` alone: what checking a fiche's NAF code needs.  Every fiche read
    checks one, and building the 732 records from the 186 KB table was about 4 % of a cold ``suggest``."""
    # A row starts with its code, never quoted; a label may run over two lines, but no line of a label
    # starts with a code and a comma (tests/test_startup_work.py holds this to nomenclature()).  Found in
    # the bytes after a line break (a literal first character: the regular expression engine skips to each
    # one instead of trying every position for a line start, ten times faster; 3 % of a cold ``suggest``).
    data = b"\n" + (DATA / "naf_rev2.csv").read_bytes()
    return frozenset(code.decode("ascii") for code in re.findall(rb"\n(\d\d\.\d\d[A-Z]),", data))


@cache
def nature_table() -> dict[str, tuple[str, str]]:
    """Nature by NAF code or prefix: prefix -> (nature, label)."""
    return {r["naf_code_or_prefix"]: (r["nature"], r["label"]) for r in _read(DATA / "naf_nature.csv")}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def normalize_code(code: str) -> str:
    """``1071c`` or ``10.71c`` → ``10.71C``; anything else is returned stripped and upper-cased."""
    text = str(code).strip().upper().replace(" ", "")
    if len(text) == 5 and "." not in text:
        text = f"{text[:2]}.{text[2:]}"
    return text


def nature_of(code: str) -> NatureFinding:
    """The nature of a valid NAF code, by the longest matching prefix of the table."""
    table = nature_table()
    for length in range(len(code), 1, -1):
        prefix = code[:length]
        if prefix in table:
            nature, note = table[prefix]
            return NatureFinding(nature, prefix, "[partial" in note, note)
    section = nomenclature()[code].section
    nature = _SECTION_NATURE.get(section, "commercial")
    return NatureFinding(
        nature, f"section {section}", False, _("by default for section {section}").format(section=section)
    )
