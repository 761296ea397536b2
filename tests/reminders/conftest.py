from datetime import date

import pytest

from demo.content import curriculum_load
from demo.deadlines import deadline_rules_load
from reminders.models import DeadlineRule, DeadlineWindow, Timing
from tests.factories import LearnerProfileFactory

TODAY = date(2026, 11, 26)


@pytest.fixture
def rules(site):
    """The demo curriculum and the 20 deadline rules."""
    from django.utils import timezone

    curriculum_load(home=site, now=timezone.now())
    deadline_rules_load()
    return {rule.code: rule for rule in DeadlineRule.objects.all()}


@pytest.fixture
def learner(db):
    """17 years old on TODAY: 18 on 2027-03-10."""
    return LearnerProfileFactory(birth_date=date(2009, 3, 10)).user


def make_rule(code="TEST-R", **fields):
    values = {
        "title": "Une démarche",
        "body": "Un organisme",
        "official_url": "https://www.service-public.gouv.fr/",
        "severity": "moyenne",
        "what_to_do": "Fais-la.",
        "remedy": "Pas de panique : tu peux la faire plus tard.",
        "timing": Timing.BIRTHDAY,
        "reminder_days": "30,7,1",
    }
    values.update(fields)
    windows = values.pop("windows", [])
    rule = DeadlineRule(code=code, **values)
    rule.windows = [DeadlineWindow(opens_on=o, closes_on=c) for o, c in windows]
    rule.save()
    return rule
