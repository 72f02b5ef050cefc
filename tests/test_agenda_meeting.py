"""The meeting day: the first working day of the month (weekends and French public holidays skipped)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.agenda.meeting import Meeting, easter, is_working_day, meeting_day, parse_month
from engine.errors import InputError


@pytest.mark.parametrize(
    ("year", "sunday"), [(2020, dt.date(2020, 4, 12)), (2024, dt.date(2024, 3, 31)), (2025, dt.date(2025, 4, 20))]
)
def test_easter(year, sunday):
    """Easter Sunday as in the French calendar."""
    assert easter(year) == sunday


@pytest.mark.parametrize(
    ("year", "month", "day"),
    [
        (2025, 3, dt.date(2025, 3, 3)),  # 1 March is a Saturday
        (2025, 1, dt.date(2025, 1, 2)),  # 1 January
        (2025, 5, dt.date(2025, 5, 2)),  # 1 May, a Thursday
        (2025, 11, dt.date(2025, 11, 3)),  # 1 November on a Saturday, then Sunday
        (2024, 4, dt.date(2024, 4, 2)),  # Easter Monday on 1 April 2024
        (2020, 6, dt.date(2020, 6, 2)),  # Whit Monday on 1 June 2020
        (2025, 10, dt.date(2025, 10, 1)),  # an ordinary Wednesday
    ],
)
def test_meeting_day_is_the_first_working_day(year, month, day):
    """Weekends and public holidays move the meeting to the next working day."""
    assert meeting_day(year, month) == day


def test_meeting_across_the_year_boundary():
    """January's agenda starts at December's meeting and ends on the eve of January's."""
    meeting = Meeting(2025, 1)
    assert (meeting.previous, meeting.day, meeting.next, meeting.as_of) == (
        dt.date(2024, 12, 2),
        dt.date(2025, 1, 2),
        dt.date(2025, 2, 3),
        dt.date(2025, 1, 1),
    )
    assert meeting.covers(dt.date(2024, 12, 2)) and meeting.covers(dt.date(2025, 1, 1))
    assert not meeting.covers(dt.date(2024, 12, 1)) and not meeting.covers(dt.date(2025, 1, 2))


@given(st.integers(1990, 2100), st.integers(1, 12))
def test_meeting_day_is_a_working_day_with_none_before_it(year, month):
    """No working day of the month comes before the meeting, and consecutive meetings tile the calendar."""
    day = meeting_day(year, month)
    assert day.month == month and is_working_day(day)
    assert not any(is_working_day(dt.date(year, month, d)) for d in range(1, day.day))
    this = Meeting(year, month)
    after = Meeting(year + month // 12, month % 12 + 1)
    assert after.previous == this.day == meeting_day(year, month) and this.next == after.day


@pytest.mark.parametrize("text", ["2025-3", "2025-13", "March 2025", ""])
def test_bad_month(text):
    """A month that is not YYYY-MM is an input error on --month saying the expected shape."""
    with pytest.raises(InputError) as caught:
        parse_month(text)
    assert caught.value.lines() == [f"--month: '{text}' n'est pas un mois : écrivez AAAA-MM, par ex. 2025-03"]


@pytest.mark.parametrize("text", ["9999-12", "1999-12", "0001-01"])
def test_a_month_outside_the_sane_years_is_an_input_error(text):
    """9999-12 crashed the agenda (its next meeting is in year 10000): refused like any bad month (issue 14)."""
    with pytest.raises(InputError) as caught:
        parse_month(text)
    assert caught.value.lines() == [f"--month: '{text}' : l'année doit être entre 2000 et 2100"]
