"""Reads of a learner's own calendar."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import QuerySet

from .models import LearnerEvent, PersonalDeadline, ReminderSettings

SOON_DAYS = 60


def personal_deadline_list(*, learner) -> QuerySet[PersonalDeadline]:
    return (
        PersonalDeadline.objects.filter(learner=learner)
        .select_related("rule__module", "rule__procedure")
        .order_by("closes_on", "rule__code")
    )


@dataclass
class Planning:
    today: date
    soon: list[PersonalDeadline] = field(default_factory=list)
    later: list[PersonalDeadline] = field(default_factory=list)
    missed: list[PersonalDeadline] = field(default_factory=list)
    done: list[PersonalDeadline] = field(default_factory=list)


def planning_for(*, learner, today: date) -> Planning:
    """Upcoming deadlines first (the next two months), then the rest; missed ones
    with their remedy; done ones last."""
    planning = Planning(today=today)
    horizon = today + timedelta(days=SOON_DAYS)
    for deadline in personal_deadline_list(learner=learner):
        deadline.days_left = (deadline.closes_on - today).days
        deadline.is_open = deadline.opens_on <= today
        if deadline.done_at:
            planning.done.append(deadline)
        elif deadline.closes_on < today:
            planning.missed.append(deadline)
        elif deadline.closes_on <= horizon:
            planning.soon.append(deadline)
        else:
            planning.later.append(deadline)
    return planning


def learner_event_dates(*, learner) -> dict[str, date]:
    return dict(LearnerEvent.objects.filter(learner=learner).values_list("kind", "day"))


def reminder_settings_get_by_feed_token(*, token: str) -> ReminderSettings | None:
    return (
        ReminderSettings.objects.select_related("learner")
        .filter(feed_token=token, learner__is_active=True)
        .first()
    )


def feed_deadline_list(*, learner, today: date) -> QuerySet[PersonalDeadline]:
    return personal_deadline_list(learner=learner).filter(
        closes_on__gte=today - timedelta(days=31)
    )
