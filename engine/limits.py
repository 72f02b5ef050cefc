"""The limits of what capactif stores, shared by the models that validate input and the store's schema.

One place on purpose: a value the models accept must fit the columns on both backends (the
adversarial run found an 80-character offer id, 2**31 employees and a NUL character accepted by
``fiche check`` and crashing ``fiche add`` on PostgreSQL).  ``tests/test_limits.py`` stores the
boundary values on SQLite and PostgreSQL and checks the schema's lengths against these numbers.
"""

from __future__ import annotations

import datetime as dt

#: ``F-YYYY-NNNN`` and ``O-YYYY-NNNN`` ids: up to 9 digits of number, 16 characters in all.
ID_LENGTH = 16
ID_DIGITS = 9
#: Structure ids and roles (``cma-63``, ``coordinator``), and offer ids written in a fiche.
STRUCTURE_LENGTH = 64
#: Free texts: a fiche's summary, a note, an offer's description or closing reason, a comment.
TEXT_LENGTH = 10_000
#: Short texts: an offer's title and where it was published, a porteur's name.
SHORT_TEXT_LENGTH = 200
#: An e-mail address (RFC 5321's limit).
EMAIL_LENGTH = 254
#: A phone number as written (the store keeps it normalised, shorter).
PHONE_LENGTH = 40
#: Integer columns are 32-bit signed on PostgreSQL.
MAX_INT = 2**31 - 1
#: A planned headcount above this is a typing error, not a porteur's project.
MAX_EMPLOYEES = 100_000
#: No date before this one is accepted (the network did not record fiches before; a year 0001 is a typo).
DATE_FLOOR = dt.date(2000, 1, 1)
#: The last year a period or a meeting may be asked for (a year 99999 is a typo, and Python's dates end at 9999).
YEAR_CEILING = 2100


def check_text(value: str, limit: int, name: str) -> str | None:
    """What is wrong with the text of field ``name`` (too long, a NUL character), or None."""
    from engine.i18n import _

    if "\x00" in value:
        return _("'{name}' contains a NUL character (\\0): remove it").format(name=name)
    if len(value) > limit:
        return _("'{name}' is too long ({length} characters, at most {limit})").format(
            name=name, length=len(value), limit=limit
        )
    return None


def check_date(value: dt.date, name: str, *, future: bool = False, today: dt.date | None = None) -> str | None:
    """What is wrong with the date of field ``name`` (before the floor, or after today unless ``future``)."""
    from engine.i18n import _

    if value < DATE_FLOOR:
        return _("'{name}' is before {floor}: check the year").format(name=name, floor=DATE_FLOOR.isoformat())
    today = today or dt.date.today()
    if not future and value > today:
        return _("'{name}' is in the future (today is {today}): write the day it happened").format(
            name=name, today=today.isoformat()
        )
    return None


def require_text(value: str | None, name: str, limit: int = TEXT_LENGTH) -> None:
    """Refuse (:class:`~engine.errors.InputError`) a text given on the command line that cannot be stored."""
    from engine.errors import InputError

    problem = check_text(value, limit, name) if value else None
    if problem:
        raise InputError(problem)
