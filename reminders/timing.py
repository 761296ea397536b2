"""Pure date rules of the deadline calendar: no database, no clock."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Offset:
    years: int = 0
    months: int = 0
    days: int = 0
    end_of_month: bool = False


@dataclass(frozen=True)
class Window:
    opens_on: date
    closes_on: date


def last_day_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def shift(day: date, offset: Offset) -> date:
    """Add years and months, then days. A date that does not exist in the target
    month moves to the first day of the next month: someone born on 29 February
    turns 18 on 1 March in a common year (never a day early). With end_of_month,
    the result is the last day of the target month ("the end of the third month
    after the 16th birthday")."""
    months = day.month - 1 + offset.months + 12 * offset.years
    year, month = day.year + months // 12, months % 12 + 1
    last = last_day_of_month(year, month)
    if offset.end_of_month:
        moved = last
    elif day.day <= last.day:
        moved = date(year, month, day.day)
    else:
        moved = last + timedelta(days=1)
    return moved + timedelta(days=offset.days)


def age_on(birth_date: date, day: date) -> int:
    """Full years on `day` (a 29 February birthday counts from 1 March)."""
    age = day.year - birth_date.year
    if shift(birth_date, Offset(years=age)) > day:
        age -= 1
    return age


def offset_window(start: date, opens: Offset, closes: Offset) -> Window:
    """The window between two offsets from a birth date or from an event's date."""
    return Window(shift(start, opens), shift(start, closes))


def monthly_windows(
    opens_day: int, closes_day: int, start: date, end: date
) -> list[Window]:
    """Windows from `opens_day` to `closes_day` (in the following month when it is
    smaller), for every opening month between start and end. Days beyond the end of
    a month mean its last day."""
    windows = []
    year, month = start.year, start.month
    if closes_day < opens_day:
        # The window that opened last month may still be running at `start`.
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    while True:
        opens = date(year, month, min(opens_day, calendar.monthrange(year, month)[1]))
        if opens > end:
            break
        close_year, close_month = year, month
        if closes_day < opens_day:
            close_year, close_month = (
                (year + 1, 1) if month == 12 else (year, month + 1)
            )
        last = calendar.monthrange(close_year, close_month)[1]
        closes = date(close_year, close_month, min(closes_day, last))
        windows.append(Window(opens, closes))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return windows
