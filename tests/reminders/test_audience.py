"""Whom each deadline rule concerns, and how long a missed one stays « à rattraper »."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from reminders.models import EventKind, PersonalDeadline, Timing
from reminders.selectors import planning_for
from reminders.services import deadline_mark_done, deadlines_compute, occurrences_for
from tests.factories import LearnerProfileFactory

from .conftest import TODAY, make_rule

pytestmark = pytest.mark.django_db


def closing_dates(rules, code, birth_date, *, today=TODAY, events=None, concerns=()):
    return [
        window.closes_on
        for rule, window in occurrences_for(
            rules=[rules[code]],
            birth_date=birth_date,
            events=events or {},
            concerns=set(concerns),
            today=today,
        )
    ]


TAX_2027 = date(2027, 6, 3)  # the 2027 declaration, of the 2026 income
TAX_2028 = date(2028, 6, 1)  # the 2028 declaration, of the 2027 income


@pytest.mark.parametrize("code", ["IMP-DECL", "IMP-RATT"])
@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [
        # 18 on the last day of 2026: she declares (or chooses) for 2026 in 2027.
        (date(2008, 12, 31), [TAX_2027, TAX_2028]),
        # 18 on New Year's Day 2027: a minor all through 2026, first time in 2028.
        (date(2009, 1, 1), [TAX_2028]),
        # The learner of the issue: 18 in March 2027, still a minor in 2026.
        (date(2009, 3, 10), [TAX_2028]),
        # 18 in 2028: neither 2027 nor 2028 income is hers to declare.
        (date(2010, 1, 1), []),
        # 25 at the end of 2026: still concerned by the 2027 declaration (26 at the
        # end of 2027: not by the 2028 one)…
        (date(2001, 12, 31), [TAX_2027]),
        # …26 at the end of 2026: no longer in 2027, nor in 2028.
        (date(2000, 12, 31), []),
    ],
)
def test_tax_rules_concern_those_adult_in_the_income_year(
    rules, code, birth_date, expected
):
    assert closing_dates(rules, code, birth_date) == expected


@pytest.mark.parametrize(
    ("code", "birth_date", "expected"),
    [
        # Parcoursup and the DSE from 16: 16 on the last day of the 2027 window…
        ("ETU-PSUP-V", date(2011, 3, 11), [date(2027, 3, 11), date(2028, 3, 9)]),
        # …or the day after: only next year's window.
        ("ETU-PSUP-V", date(2011, 3, 12), [date(2028, 3, 9)]),
        ("ETU-DSE", date(2011, 5, 31), [date(2027, 5, 31), date(2028, 5, 31)]),
        ("ETU-DSE", date(2011, 6, 1), [date(2028, 5, 31)]),
        # The vote check: 18 on the day it opens, whatever the birthday.
        ("CIT-ELEC", date(2009, 3, 10), [date(2027, 5, 31)]),
        # Bank account from 18; the medical card only up to 18.
        ("BQ-COMPTE", date(2009, 3, 10), [date(2027, 5, 10)]),
        ("SAN-VITALE", date(2010, 12, 20), [date(2027, 3, 31)]),
    ],
)
def test_rules_with_an_age_condition(rules, code, birth_date, expected):
    assert closing_dates(rules, code, birth_date) == expected


@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [
        # The prime d'activité is from 18: 18 on the declaration day…
        (date(2009, 1, 20), [date(2027, 1, 20)]),
        # …or 18 the day after: not yet.
        (date(2009, 1, 21), []),
    ],
)
def test_event_rule_from_18(rules, birth_date, expected):
    events = {EventKind.PRIME_ACTIVITE: date(2027, 1, 20)}
    assert closing_dates(rules, "CAF-PA-DTR", birth_date, events=events) == expected


@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [
        # The JDC is up to 25: 25 on the day the convocation arrives…
        (date(2002, 1, 5), [date(2027, 1, 12)]),
        # …26 that day: no longer.
        (date(2001, 1, 5), []),
    ],
)
def test_event_rule_up_to_25(rules, birth_date, expected):
    events = {EventKind.JDC_CONVOCATION: date(2027, 1, 5)}
    assert closing_dates(rules, "CIT-JDC", birth_date, events=events) == expected


@pytest.mark.parametrize(
    ("birth_date", "kept"),
    [
        # Census due at 16 (closed on 30 June 2025): the most useful remedy at 17.
        (date(2009, 3, 10), True),
        # The day before the 25th birthday, it can still be done…
        (date(2001, 11, 27), True),
        # …on the 25th birthday, it can no longer.
        (date(2001, 11, 26), False),
    ],
)
def test_missed_census_stays_to_catch_up_until_25(rules, birth_date, kept):
    assert bool(closing_dates(rules, "CIT-RECENS", birth_date)) is kept


def test_missed_census_shows_under_a_rattraper_until_done(rules, learner):
    deadlines_compute(learner=learner, today=TODAY)
    planning = planning_for(learner=learner, today=TODAY)
    census = [d for d in planning.missed if d.rule.code == "CIT-RECENS"]
    assert [d.closes_on for d in census] == [date(2025, 6, 30)]
    deadline_mark_done(learner=learner, deadline_id=census[0].pk, done=True)
    deadlines_compute(learner=learner, today=TODAY)
    planning = planning_for(learner=learner, today=TODAY)
    assert [d.rule.code for d in planning.done] == ["CIT-RECENS"]
    assert "CIT-RECENS" not in [d.rule.code for d in planning.missed]


def test_missed_parcoursup_goes_when_the_complementary_phase_ends(rules):
    learner = LearnerProfileFactory(birth_date=date(2009, 3, 10)).user
    deadlines_compute(learner=learner, today=date(2027, 9, 10))
    missed = PersonalDeadline.objects.filter(
        learner=learner, rule__code="ETU-PSUP-V", closes_on__year=2027
    )
    assert [d.closes_on for d in missed] == [date(2027, 3, 11)]
    # The complementary phase ends around 10 September: no remedy after it.
    deadlines_compute(learner=learner, today=date(2027, 9, 11))
    assert not missed.all().exists()


def test_monthly_rule_keeps_only_the_months_still_to_catch_up(rules):
    # France Travail: a missed month can be caught up by re-registering, the month
    # after; older months would only pile up.
    birth_date = date(2008, 1, 1)
    found = closing_dates(
        rules, "FT-ACTU", birth_date, today=date(2027, 1, 10), concerns=["job_seeker"]
    )
    assert found[:2] == [date(2026, 12, 15), date(2027, 1, 15)]


def test_a_monthly_rule_needs_a_catch_up_limit_in_days(db):
    rule = make_rule(
        "MENSUEL", timing=Timing.MONTHLY, opens_day=1, closes_day=10, catch_up_days=31
    )
    rule.catch_up_days = None
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "doit avoir une durée en jours" in str(error.value)
