from datetime import datetime

import pytest

from directory.standard import (
    TIMEZONE,
    column,
    opening_hours_error,
    opening_hours_parse,
)


@pytest.mark.parametrize(
    "value",
    [
        "Mo-Fr 09:00-18:00",
        "Mo-Su 08:30-18:30",
        "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00",
        "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00; PH off",
        "Tu,Th 14:00-17:00",
        "24/7",
    ],
)
def test_valid_opening_hours(value):
    assert opening_hours_error(value) is None
    assert column("horaires").check(value) == (value, None)


@pytest.mark.parametrize(
    "value",
    ["Lu-Ve 9h", "Mo-Fr 9h-12h", "du lundi au vendredi", "Mo-Fr 09:00-", "25:00"],
)
def test_invalid_opening_hours_get_a_french_reason(value):
    reason = (
        f"« {value} » n'est pas au format OpenStreetMap (exemple : Mo-Fr 09:00-12:00)."
    )
    assert opening_hours_error(value) == reason
    assert column("horaires").check(value) == (None, reason)


def test_empty_hours_are_allowed():
    assert column("horaires").check("  ") == ("", None)


def test_french_public_holidays_are_known():
    hours = opening_hours_parse("Mo-Fr 09:00-18:00; PH off")
    # 14 July 2026 is a Tuesday and a public holiday; 15 July a plain Wednesday.
    assert hours.is_closed(datetime(2026, 7, 14, 10, 0, tzinfo=TIMEZONE))
    assert hours.is_open(datetime(2026, 7, 15, 10, 0, tzinfo=TIMEZONE))
    assert hours.next_change(datetime(2026, 7, 14, 10, 0, tzinfo=TIMEZONE)) == (
        datetime(2026, 7, 15, 9, 0, tzinfo=TIMEZONE)
    )
