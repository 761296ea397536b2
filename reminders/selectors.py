"""Reads of a learner's own calendar, and the operators' view of the background work."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.selectors import learner_family_msa

from .models import (
    ChunkState,
    DeadlineSweep,
    DeliveryStatus,
    LearnerEvent,
    PersonalDeadline,
    ReminderDelivery,
    ReminderSettings,
)

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
    # « Ta famille dépend-elle de la MSA ? » (None: no answer).
    family_msa: bool | None = None
    soon: list[PersonalDeadline] = field(default_factory=list)
    later: list[PersonalDeadline] = field(default_factory=list)
    missed: list[PersonalDeadline] = field(default_factory=list)
    done: list[PersonalDeadline] = field(default_factory=list)


def planning_for(*, learner, today: date) -> Planning:
    """Upcoming deadlines first (the next two months), then the rest; missed ones
    with their remedy; done ones last."""
    planning = Planning(today=today, family_msa=learner_family_msa(user=learner))
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


@dataclass
class SweepReport:
    sweep: DeadlineSweep
    chunks_done: int
    chunks_failed: int
    learners_done: int
    learners_failed: int

    @property
    def chunks_left(self) -> int:
        return self.sweep.chunks - self.chunks_done - self.chunks_failed

    @property
    def duration(self) -> timedelta | None:
        if self.sweep.finished_at is None:
            return None
        return self.sweep.finished_at - self.sweep.started_at


@dataclass
class Operations:
    """What an operator needs to know about the background work, at a glance."""

    now: datetime
    due_now: int
    due_later: int
    deferred: int
    sent_today: int
    failed: int
    failures: list[ReminderDelivery]
    sweeps: list[SweepReport]


def operations_for(*, user, now: datetime, failures_shown: int = 50) -> Operations:
    """For superusers only: counts of reminders by state, the latest failures (the
    learner behind their account number), the latest sweeps with their progress."""
    if not user.is_superuser:
        raise PermissionDenied
    pending = ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING)
    start_of_day = timezone.localtime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    failed = ReminderDelivery.objects.filter(status=DeliveryStatus.FAILED)
    sweeps = DeadlineSweep.objects.annotate(
        chunks_done=Count("chunk_rows", filter=Q(chunk_rows__state=ChunkState.DONE)),
        chunks_failed=Count(
            "chunk_rows", filter=Q(chunk_rows__state=ChunkState.FAILED)
        ),
        learners_done=Sum("chunk_rows__learners_done", default=0),
        learners_failed=Sum("chunk_rows__learners_failed", default=0),
    ).order_by("-started_at")[:5]
    return Operations(
        now=now,
        due_now=pending.filter(due_at__lte=now).count(),
        due_later=pending.filter(due_at__gt=now).count(),
        deferred=pending.filter(attempts__gt=0).count(),
        sent_today=ReminderDelivery.objects.filter(
            status=DeliveryStatus.SENT, sent_at__gte=start_of_day
        ).count(),
        failed=failed.count(),
        failures=list(
            failed.select_related("deadline__rule").order_by("-due_at", "-pk")[
                :failures_shown
            ]
        ),
        sweeps=[
            SweepReport(
                sweep=sweep,
                chunks_done=sweep.chunks_done,
                chunks_failed=sweep.chunks_failed,
                learners_done=sweep.learners_done,
                learners_failed=sweep.learners_failed,
            )
            for sweep in sweeps
        ],
    )
