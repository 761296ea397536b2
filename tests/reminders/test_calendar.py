from datetime import date, timedelta

import pytest

from reminders.errors import RemindersError
from reminders.models import (
    Concern,
    DeliveryStatus,
    EventKind,
    PersonalDeadline,
    ReminderDelivery,
    Timing,
)
from reminders.services import (
    deadline_mark_done,
    deadlines_compute,
    deadlines_sweep,
    learner_event_set,
    reminder_preferences_update,
)

from .conftest import TODAY, make_rule

pytestmark = pytest.mark.django_db


def codes(learner) -> list[str]:
    return sorted(
        PersonalDeadline.objects.filter(learner=learner).values_list(
            "rule__code", flat=True
        )
    )


def test_demo_rules_for_a_17_year_old(rules, learner):
    deadlines_compute(learner=learner, today=TODAY)
    found = set(codes(learner))
    # Turns 18 on 2027-03-10: ameli, bank account and electoral roll come up.
    assert {"SAN-AMELI18", "BQ-COMPTE", "CIT-ELEC"} <= found
    # Parcoursup and taxes, this year and next.
    assert codes(learner).count("ETU-PSUP-V") == 2
    # Opt-in and event rules wait until the learner says they concern them.
    assert "FT-ACTU" not in found
    assert "CAF-APL" not in found
    # The recensement window (16 years old) closed long ago: still to catch up.
    assert "CIT-RECENS" in found
    ameli = PersonalDeadline.objects.get(learner=learner, rule__code="SAN-AMELI18")
    assert ameli.opens_on == date(2027, 3, 10)
    assert ameli.closes_on == date(2027, 6, 10)


def test_recomputing_changes_nothing(
    rules, learner, django_capture_on_commit_callbacks
):
    deadlines_compute(learner=learner, today=TODAY)
    deadlines = list(PersonalDeadline.objects.order_by("pk").values())
    deliveries = ReminderDelivery.objects.count()
    assert deliveries > 0
    deadlines_compute(learner=learner, today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        sweep = deadlines_sweep(today=TODAY)
    sweep.refresh_from_db()
    assert (sweep.learners, sweep.chunks) == (1, 1)
    assert sweep.finished_at is not None
    assert list(PersonalDeadline.objects.order_by("pk").values()) == deadlines
    assert ReminderDelivery.objects.count() == deliveries


def test_birth_date_change_moves_deadlines(rules, learner):
    deadlines_compute(learner=learner, today=TODAY)
    profile = learner.learner_profile
    profile.birth_date = date(2009, 6, 1)
    profile.save()
    deadlines_compute(learner=learner, today=TODAY)
    ameli = PersonalDeadline.objects.filter(learner=learner, rule__code="SAN-AMELI18")
    assert [d.opens_on for d in ameli] == [date(2027, 6, 1)]


def test_recensement_for_a_learner_turning_16(rules, db):
    from tests.factories import LearnerProfileFactory

    young = LearnerProfileFactory(birth_date=date(2010, 12, 20)).user
    deadlines_compute(learner=young, today=TODAY)
    recens = PersonalDeadline.objects.get(learner=young, rule__code="CIT-RECENS")
    assert (recens.opens_on, recens.closes_on) == (
        date(2026, 12, 20),
        date(2027, 3, 31),
    )
    offsets = set(recens.deliveries.values_list("offset", flat=True))
    assert offsets == {"ouverture", "J-30", "J-7", "J-1"}


def test_moving_in_brings_insurance_and_housing_aid(rules, learner):
    deadlines_compute(learner=learner, today=TODAY)
    learner_event_set(
        learner=learner, kind=EventKind.MOVING_IN, day=date(2027, 1, 15), today=TODAY
    )
    assert {"AS-HAB", "CAF-APL"} <= set(codes(learner))
    learner_event_set(learner=learner, kind=EventKind.MOVING_IN, day=None, today=TODAY)
    assert not {"AS-HAB", "CAF-APL"} & set(codes(learner))


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (TODAY - timedelta(days=365 * 3), "trop ancienne"),
        (TODAY + timedelta(days=365 * 11), "trop lointaine"),
    ],
)
def test_event_dates_far_away_are_refused(rules, learner, day, message):
    with pytest.raises(RemindersError, match=message):
        learner_event_set(
            learner=learner, kind=EventKind.MOVING_IN, day=day, today=TODAY
        )
    assert not learner.events.exists()


def test_unknown_event_kind_is_refused(learner):
    with pytest.raises(RemindersError):
        learner_event_set(learner=learner, kind="naissance", day=TODAY, today=TODAY)


def test_opt_in_rules_follow_what_concerns_the_learner(rules, learner):
    reminder_preferences_update(
        learner=learner,
        enabled=True,
        remind_on_opening=True,
        days_before=[7],
        concerns=[Concern.JOB_SEEKER],
    )
    assert "FT-ACTU" in codes(learner)
    reminder_preferences_update(
        learner=learner,
        enabled=True,
        remind_on_opening=True,
        days_before=[],
        concerns=[],
    )
    assert "FT-ACTU" not in codes(learner)


def test_audience_age_range(learner):
    make_rule(
        "TOO-OLD",
        timing=Timing.YEARLY,
        min_age=20,
        windows=[(date(2027, 1, 1), date(2027, 2, 1))],
    )
    make_rule(
        "FOR-ALL",
        timing=Timing.YEARLY,
        windows=[(date(2027, 1, 1), date(2027, 2, 1))],
    )
    deadlines_compute(learner=learner, today=TODAY)
    assert codes(learner) == ["FOR-ALL"]


def test_yearly_window_across_new_year(learner):
    make_rule(
        "HIVER",
        timing=Timing.YEARLY,
        reminder_days="30,1",
        windows=[(date(2026, 12, 15), date(2027, 1, 10))],
    )
    deadlines_compute(learner=learner, today=TODAY)
    deadline = PersonalDeadline.objects.get(learner=learner)
    due = {d.offset: d.due_at for d in deadline.deliveries.all()}
    # 30 days before 10 January is 11 December: before the window opens, so none.
    assert set(due) == {"ouverture", "J-1"}
    assert due["J-1"].date() == date(2027, 1, 9)


def test_reminders_are_due_at_9_paris_time_across_summer_time(learner):
    make_rule(
        "ETE",
        timing=Timing.YEARLY,
        reminder_days="1",
        remind_on_opening=False,
        windows=[
            (date(2027, 3, 1), date(2027, 3, 29)),  # day before: summer time starts
            (date(2027, 10, 1), date(2027, 11, 1)),  # day before: winter time
        ],
    )
    deadlines_compute(learner=learner, today=TODAY)
    due = sorted(ReminderDelivery.objects.values_list("due_at", flat=True))
    # 9:00 in Paris is 7:00 UTC in summer, 8:00 UTC in winter.
    assert [(d.date(), d.hour) for d in due] == [
        (date(2027, 3, 28), 7),
        (date(2027, 10, 31), 8),
    ]


def test_marking_done_cancels_reminders_and_survives_recompute(rules, learner):
    deadlines_compute(learner=learner, today=TODAY)
    ameli = PersonalDeadline.objects.get(learner=learner, rule__code="SAN-AMELI18")
    deadline_mark_done(learner=learner, deadline_id=ameli.pk, done=True)
    assert set(ameli.deliveries.values_list("status", flat=True)) == {
        DeliveryStatus.CANCELLED
    }
    deadlines_compute(learner=learner, today=TODAY)
    ameli.refresh_from_db()
    assert ameli.done_at is not None


def test_someone_elses_deadline_cannot_be_marked(rules, learner):
    from tests.factories import LearnerProfileFactory

    deadlines_compute(learner=learner, today=TODAY)
    other = LearnerProfileFactory().user
    deadline = PersonalDeadline.objects.filter(learner=learner).first()
    with pytest.raises(RemindersError):
        deadline_mark_done(learner=other, deadline_id=deadline.pk, done=True)
    deadline.refresh_from_db()
    assert deadline.done_at is None


def test_bad_preferences_are_refused(learner):
    with pytest.raises(RemindersError):
        reminder_preferences_update(
            learner=learner,
            enabled=True,
            remind_on_opening=True,
            days_before=[12],
            concerns=[],
        )


def test_editing_a_rule_in_the_cms_recomputes_calendars(
    rules, learner, django_capture_on_commit_callbacks
):
    from reminders.wagtail_hooks import recompute_calendars_after_rule_change

    deadlines_compute(learner=learner, today=TODAY)
    rule = rules["SAN-AMELI18"]
    rule.closes_months = 4
    rule.save()
    with django_capture_on_commit_callbacks(execute=True):
        recompute_calendars_after_rule_change(None, rule)
    ameli = PersonalDeadline.objects.get(learner=learner, rule=rule)
    assert ameli.closes_on == date(2027, 7, 10)
