from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reminders.timing import (
    Offset,
    age_on,
    monthly_windows,
    offset_window,
    shift,
)


def test_recensement_window_ends_on_the_last_day_of_the_third_month():
    window = offset_window(
        date(2010, 11, 30),
        Offset(years=16),
        Offset(years=16, months=3, end_of_month=True),
    )
    assert window.opens_on == date(2026, 11, 30)
    assert window.closes_on == date(2027, 2, 28)


def test_born_on_29_february():
    born = date(2008, 2, 29)
    assert shift(born, Offset(years=18)) == date(2026, 3, 1)
    assert shift(born, Offset(years=16)) == date(2024, 2, 29)  # a leap year
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
    window = offset_window(born, Offset(years=18), Offset(years=18, months=3))
    assert (window.opens_on, window.closes_on) == (date(2026, 3, 1), date(2026, 5, 29))


def test_month_ends():
    assert shift(date(2009, 1, 31), Offset(months=1)) == date(2009, 3, 1)
    assert shift(date(2009, 1, 31), Offset(months=1, end_of_month=True)) == date(
        2009, 2, 28
    )
    assert shift(date(2009, 12, 15), Offset(months=2)) == date(2010, 2, 15)
    assert shift(date(2009, 3, 10), Offset(days=-15)) == date(2009, 2, 23)


def test_monthly_window_from_the_28th_to_the_15th_across_new_year():
    windows = monthly_windows(28, 15, date(2026, 12, 5), date(2027, 2, 1))
    pairs = [(w.opens_on, w.closes_on) for w in windows]
    assert pairs == [
        (date(2026, 11, 28), date(2026, 12, 15)),
        (date(2026, 12, 28), date(2027, 1, 15)),
        (date(2027, 1, 28), date(2027, 2, 15)),
    ]


def test_monthly_window_on_day_31_uses_the_last_day():
    windows = monthly_windows(31, 31, date(2027, 2, 1), date(2027, 4, 30))
    assert [w.opens_on for w in windows] == [
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]


def test_event_window_in_days():
    window = offset_window(date(2027, 7, 1), Offset(days=-90), Offset())
    assert (window.opens_on, window.closes_on) == (date(2027, 4, 2), date(2027, 7, 1))


@pytest.mark.parametrize(
    ("moved_in", "closes_on"),
    [
        (date(2027, 9, 10), date(2027, 10, 31)),
        (date(2027, 1, 31), date(2027, 2, 28)),
        (date(2027, 12, 1), date(2028, 1, 31)),
    ],
)
def test_event_window_to_the_end_of_the_next_month(moved_in, closes_on):
    window = offset_window(moved_in, Offset(), Offset(months=1, end_of_month=True))
    assert (window.opens_on, window.closes_on) == (moved_in, closes_on)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)))
def test_age_and_birthday_agree(born):
    birthday_18 = shift(born, Offset(years=18))
    assert age_on(born, birthday_18) == 18
    assert age_on(born, date.fromordinal(birthday_18.toordinal() - 1)) == 17


@pytest.mark.parametrize("months", range(0, 25))
def test_end_of_month_is_always_a_month_end(months):
    moved = shift(date(2009, 1, 31), Offset(months=months, end_of_month=True))
    assert date.fromordinal(moved.toordinal() + 1).day == 1
