"""When a local network meets: the first working day of each month.

The seed says the three local networks of technicians meet monthly; capactif fixes the day so that
"since the last meeting" means the same thing to everyone: the meeting of a month is held on its
**first working day** — Monday to Friday, not a French public holiday (1 January, Easter Monday,
1 May, 8 May, Ascension Thursday, Whit Monday, 14 July, 15 August, 1 November, 11 November,
25 December).  The agenda of a month covers the days from the previous meeting (included) to this
meeting (excluded), and is prepared with what was recorded up to the eve of the meeting.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from engine import limits
from engine.errors import InputError, Problem, excerpt
from engine.i18n import _

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def easter(year: int) -> dt.date:
    """Easter Sunday of ``year`` (Gregorian calendar; the anonymous Meeus/Jones/Butcher algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


@cache
def public_holidays(year: int) -> frozenset[dt.date]:
    """The French public holidays (jours fériés) of ``year``."""
    sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [sunday + dt.timedelta(days=n) for n in (1, 39, 50)]  # Easter Monday, Ascension, Whit Monday
    return frozenset([dt.date(year, m, d) for m, d in fixed] + movable)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, not a public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def meeting_day(year: int, month: int) -> dt.date:
    """The first working day of the month: the day the local networks meet."""
    day = dt.date(year, month, 1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class Meeting:
    """One month's meeting: its day, the previous and next meetings, and the days its agenda covers."""

    year: int
    month: int

    @property
    def label(self) -> str:
        """``2025-03``."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def day(self) -> dt.date:
        return meeting_day(self.year, self.month)

    @property
    def previous(self) -> dt.date:
        """The previous month's meeting day: where "since the last meeting" starts (included)."""
        return meeting_day(*_shift(self.year, self.month, -1))

    @property
    def next(self) -> dt.date:
        """The next month's meeting day: follow-ups due before it are on this agenda."""
        return meeting_day(*_shift(self.year, self.month, 1))

    @property
    def as_of(self) -> dt.date:
        """The eve of the meeting: the agenda shows what was recorded up to this day."""
        return self.day - dt.timedelta(days=1)

    def covers(self, day: dt.date) -> bool:
        """``day`` falls between the previous meeting (included) and this one (excluded)."""
        return self.previous <= day < self.day

    def to_dict(self) -> dict[str, str]:
        """``month``, ``meeting``, ``previous_meeting``, ``next_meeting``, ``from``, ``to`` (= ``as_of``)."""
        return {
            "month": self.label,
            "meeting": self.day.isoformat(),
            "previous_meeting": self.previous.isoformat(),
            "next_meeting": self.next.isoformat(),
            "from": self.previous.isoformat(),
            "to": self.as_of.isoformat(),
        }


def parse_month(text: str) -> Meeting:
    """``2025-03`` → the meeting of March 2025; anything else is an input error saying the shape."""
    match = MONTH_RE.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        message = _("'{text}' is not a month: write YYYY-MM, e.g. 2025-03").format(text=excerpt(text))
        raise InputError(problems=[Problem("--month", 0, 0, message)])
    if not limits.DATE_FLOOR.year <= int(match.group(1)) <= limits.YEAR_CEILING:
        message = _("'{text}': the year must be between {first} and {last}").format(
            text=excerpt(text), first=limits.DATE_FLOOR.year, last=limits.YEAR_CEILING
        )
        raise InputError(problems=[Problem("--month", 0, 0, message)])
    return Meeting(int(match.group(1)), int(match.group(2)))
