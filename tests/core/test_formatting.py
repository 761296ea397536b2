"""French as it is written: dates, counts, durations and opening hours."""

from datetime import date, datetime

import pytest
from django.template import Context, Template

from core.formatting import (
    date_text,
    datetime_text,
    duration_until,
    opening_hours_text,
    quantity,
)
from directory.standard import TIMEZONE


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "0 question"),
        (1, "1 question"),
        (2, "2 questions"),
        (12345, "12\u202f345 questions"),
    ],
)
def test_zero_and_one_are_singular(number, text):
    assert quantity(number, "question", "questions") == text


@pytest.mark.parametrize(
    ("day", "options", "text"),
    [
        (date(2027, 6, 1), {}, "1er juin 2027"),
        (date(2027, 6, 2), {}, "2 juin 2027"),
        (date(2027, 6, 1), {"weekday": True}, "mardi 1er juin 2027"),
        (date(2027, 8, 31), {"weekday": True, "year": False}, "mardi 31 août"),
    ],
)
def test_the_first_of_the_month_is_1er(day, options, text):
    assert date_text(day, **options) == text


def test_times_are_in_paris_with_spaced_hours():
    assert datetime_text(datetime(2027, 6, 1, 12, 0, tzinfo=TIMEZONE)) == (
        "1er juin 2027 à 12 h"
    )
    # 7:30 UTC in summer is 9:30 in Paris.
    utc = datetime.fromisoformat("2027-06-01T07:30:00+00:00")
    assert datetime_text(utc, weekday=True, year=False) == "mardi 1er juin à 9 h 30"


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 11, 26), "aujourd'hui"),
        (date(2026, 11, 27), "demain"),
        (date(2026, 11, 28), "dans 2 jours"),
        (date(2026, 12, 9), "dans 13 jours"),
        (date(2026, 12, 10), "dans 2 semaines"),
        (date(2027, 1, 24), "dans 8 semaines"),
        (date(2027, 1, 25), "dans 1 mois"),
        # Django said « 1 année, 1 mois ».
        (date(2028, 1, 18), "dans 13 mois"),
    ],
)
def test_durations_in_days_weeks_or_months(day, text):
    assert duration_until(day, date(2026, 11, 26)) == text


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("Mo-Su 08:30-18:30", "tous les jours de 8 h 30 à 18 h 30"),
        (
            "Mo-Fr 09:00-12:00,14:00-17:00",
            "du lundi au vendredi de 9 h à 12 h et de 14 h à 17 h ; "
            "fermé le samedi et le dimanche",
        ),
        (
            "Mo-Sa 09:00-12:00; Sa 10:00-12:00; Su off",
            "du lundi au vendredi de 9 h à 12 h ; le samedi de 10 h à 12 h ; "
            "fermé le dimanche",
        ),
        (
            "Mo-Fr 09:00-18:00; PH off",
            "du lundi au vendredi de 9 h à 18 h ; fermé le samedi et le dimanche ; "
            "fermé les jours fériés",
        ),
        (
            "Mo,We 14:00-24:00",
            "le lundi et le mercredi de 14 h à minuit ; "
            "fermé le mardi et du jeudi au dimanche",
        ),
        ("24/7", "tous les jours 24 h sur 24"),
    ],
)
def test_opening_hours_in_words(source, text):
    assert opening_hours_text(source) == text


@pytest.mark.parametrize(
    "source",
    [
        "",  # unknown
        "   ",
        "Jan-Mar Mo 10:00-12:00",  # valid, but months are left to the day-by-day view
        'Mo-Fr 09:00-12:00 "sur rendez-vous"',
        "Lu-Ve 9h",  # not OpenStreetMap at all
    ],
)
def test_opening_hours_unknown_or_unusual_are_not_guessed(source):
    assert opening_hours_text(source) is None


def test_template_filters():
    template = Template(
        "{% load french %}{{ n|quantity:'question,questions' }} · {{ d|date_fr }} · "
        "{{ d|date_fr:'jour' }} · {{ d|until:today }} · {{ hours|opening_hours }}"
    )
    text = template.render(
        Context(
            {
                "n": 0,
                "d": date(2027, 6, 1),
                "today": date(2027, 5, 1),
                "hours": "Mo-Su 08:30-18:30",
            }
        )
    )
    assert text == (
        "0 question · 1er juin 2027 · mardi 1er juin 2027 · dans 4 semaines · "
        "tous les jours de 8 h 30 à 18 h 30"
    )
