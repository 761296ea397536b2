"""A learner's calendar: deadline occurrences, their reminders, the dates and
choices the learner enters."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.utils import timezone

from core.services import journal_record

from .. import timing
from ..emails import UNSUBSCRIBE_SALT
from ..errors import RemindersError
from ..models import (
    STANDARD_DAYS_BEFORE,
    Concern,
    DeadlineRule,
    DeliveryStatus,
    EventKind,
    LearnerEvent,
    PersonalDeadline,
    ReminderDelivery,
    ReminderSettings,
    Timing,
    new_feed_token,
)

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
HORIZON_DAYS = 548  # about 18 months ahead
SEND_AT = time(9, 0)  # reminders are due at 9:00, Paris time
BULK_BATCH = 2000


def reminder_settings_for(*, learner) -> ReminderSettings:
    settings, _ = ReminderSettings.objects.get_or_create(
        learner=learner, defaults={"days_before": list(STANDARD_DAYS_BEFORE)}
    )
    return settings


def _windows(rule: DeadlineRule, *, birth_date, events, today, end):
    if rule.timing == Timing.BIRTHDAY:
        return [timing.offset_window(birth_date, rule.opens, rule.closes)]
    if rule.timing == Timing.YEARLY:
        return [timing.Window(w.opens_on, w.closes_on) for w in rule.windows.all()]
    if rule.timing == Timing.MONTHLY:
        # Only the months that can still be caught up (a monthly rule always has a
        # limit in days: DeadlineRule.clean).
        start = today - timedelta(days=rule.catch_up_days or 0)
        return timing.monthly_windows(rule.opens_day, rule.closes_day, start, end)
    if rule.event in events:
        return [timing.offset_window(events[rule.event], rule.opens, rule.closes)]
    return []


def occurrences_for(
    *, rules, birth_date: date, events: dict, concerns: set, today: date
) -> list[tuple[DeadlineRule, timing.Window]]:
    """Every (rule, window) that concerns this learner: from the missed ones that
    can still be caught up (each rule says how long) to about 18 months ahead."""
    end = today + timedelta(days=HORIZON_DAYS)
    found = []
    for rule in rules:
        # Entering an event's date says it concerns the learner: no opt-in needed.
        if rule.opt_in and rule.opt_in not in concerns and rule.timing != Timing.EVENT:
            continue
        for window in _windows(
            rule, birth_date=birth_date, events=events, today=today, end=end
        ):
            if window.opens_on > end:
                continue
            if window.closes_on < today and not rule.can_catch_up(
                closes_on=window.closes_on, birth_date=birth_date, today=today
            ):
                continue
            if rule.audience_age(birth_date, window.closes_on) < rule.min_age:
                continue
            if rule.audience_age(birth_date, window.opens_on) > rule.max_age:
                continue
            found.append((rule, window))
    return found


def _due_at(day: date) -> datetime:
    return datetime.combine(day, SEND_AT, tzinfo=PARIS)


def _deliveries(deadline: PersonalDeadline, today: date) -> list[ReminderDelivery]:
    rule = deadline.rule
    planned = [
        (f"J-{days}", deadline.closes_on - timedelta(days=days))
        for days in rule.reminder_day_list
    ]
    if rule.remind_on_opening:
        planned.append((ReminderDelivery.OPENING, deadline.opens_on))
    return [
        ReminderDelivery(
            deadline=deadline,
            learner_id=deadline.learner_id,
            offset=offset,
            due_at=_due_at(day),
        )
        for offset, day in planned
        # Never a reminder for a day already gone, nor before the window opens.
        if day >= today and day >= deadline.opens_on
    ]


def _active_rules() -> list[DeadlineRule]:
    return list(DeadlineRule.objects.filter(is_active=True).prefetch_related("windows"))


@transaction.atomic
def deadlines_compute(*, learner, today: date | None = None) -> dict:
    """Store the learner's deadline occurrences and their reminders. Running it again
    changes nothing; occurrences that no longer apply go, unless marked done."""
    counts = deadlines_compute_many(learner_ids=[learner.pk], today=today)
    return {"created": counts.created, "removed": counts.removed}


@dataclass
class ComputeCounts:
    learners: int = 0
    failed: int = 0
    created: int = 0
    removed: int = 0


@transaction.atomic
def deadlines_compute_many(
    *,
    learner_ids: list[int],
    rules: list[DeadlineRule] | None = None,
    today: date | None = None,
) -> ComputeCounts:
    """`deadlines_compute` for many learners at once, in a fixed number of queries
    whatever their number. Learners without a profile are left alone; one whose
    calendar cannot be computed is logged and skipped, never the others."""
    today = today or timezone.localdate()
    rules = _active_rules() if rules is None else rules
    counts = ComputeCounts()
    births = dict(
        get_user_model()
        .objects.filter(pk__in=learner_ids, learner_profile__isnull=False)
        .values_list("pk", "learner_profile__birth_date")
    )
    if not births:
        return counts
    ReminderSettings.objects.bulk_create(
        [
            ReminderSettings(learner_id=pk, days_before=list(STANDARD_DAYS_BEFORE))
            for pk in births
        ],
        ignore_conflicts=True,
    )
    concerns = dict(
        ReminderSettings.objects.filter(learner_id__in=births).values_list(
            "learner_id", "concerns"
        )
    )
    events: dict[int, dict] = defaultdict(dict)
    for learner_id, kind, day in LearnerEvent.objects.filter(
        learner_id__in=births
    ).values_list("learner_id", "kind", "day"):
        events[learner_id][kind] = day
    existing = {
        (d.learner_id, d.rule_id, d.closes_on): d
        for d in PersonalDeadline.objects.filter(learner_id__in=births)
    }

    wanted = {}
    for learner_id, birth_date in births.items():
        try:
            found = occurrences_for(
                rules=rules,
                birth_date=birth_date,
                events=events[learner_id],
                concerns=set(concerns.get(learner_id) or ()),
                today=today,
            )
        except Exception:  # noqa: BLE001 (one learner never stops the others)
            logger.exception("Planning du compte %s impossible à calculer", learner_id)
            counts.failed += 1
            existing = {k: d for k, d in existing.items() if k[0] != learner_id}
            continue
        counts.learners += 1
        for rule, window in found:
            wanted[(learner_id, rule.pk, window.closes_on)] = window

    stale = [
        d.pk for key, d in existing.items() if key not in wanted and d.done_at is None
    ]
    PersonalDeadline.objects.filter(pk__in=stale).delete()
    created, moved = [], []
    for (learner_id, rule_id, closes_on), window in wanted.items():
        deadline = existing.get((learner_id, rule_id, closes_on))
        if deadline is None:
            created.append(
                PersonalDeadline(
                    learner_id=learner_id,
                    rule_id=rule_id,
                    opens_on=window.opens_on,
                    closes_on=closes_on,
                )
            )
        elif deadline.opens_on != window.opens_on:
            deadline.opens_on = window.opens_on
            moved.append(deadline)
    PersonalDeadline.objects.bulk_create(
        created, ignore_conflicts=True, batch_size=BULK_BATCH
    )
    PersonalDeadline.objects.bulk_update(moved, ["opens_on"], batch_size=BULK_BATCH)
    open_deadlines = PersonalDeadline.objects.filter(
        learner_id__in=births, done_at__isnull=True, closes_on__gte=today
    ).select_related("rule")
    ReminderDelivery.objects.bulk_create(
        [delivery for d in open_deadlines for delivery in _deliveries(d, today)],
        ignore_conflicts=True,
        batch_size=BULK_BATCH,
    )
    counts.created, counts.removed = len(created), len(stale)
    return counts


def learner_event_set(
    *, learner, kind: str, day: date | None, today: date | None = None
) -> None:
    """Record (or clear, with no date) a date the learner entered, then recompute."""
    today = today or timezone.localdate()
    if kind not in EventKind.values:
        raise RemindersError("Ce type de date n'existe pas.")
    if day is not None:
        if day < today - timedelta(days=365 * 2):
            raise RemindersError(
                "Cette date est trop ancienne : indique une date des deux dernières "
                "années au plus.",
                field=kind,
            )
        if day > today + timedelta(days=365 * 10):
            raise RemindersError(
                "Cette date est trop lointaine : indique une date dans les dix "
                "prochaines années au plus.",
                field=kind,
            )
    with transaction.atomic():
        if day is None:
            LearnerEvent.objects.filter(learner=learner, kind=kind).delete()
        else:
            LearnerEvent.objects.update_or_create(
                learner=learner, kind=kind, defaults={"day": day}
            )
        deadlines_compute(learner=learner, today=today)


def deadline_mark_done(*, learner, deadline_id: int, done: bool) -> PersonalDeadline:
    with transaction.atomic():
        deadline = (
            PersonalDeadline.objects.select_for_update()
            .filter(pk=deadline_id, learner=learner)
            .first()
        )
        if deadline is None:
            raise RemindersError("Cette échéance n'existe pas.")
        deadline.done_at = timezone.now() if done else None
        deadline.save(update_fields=["done_at"])
        if done:
            deadline.deliveries.filter(status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.CANCELLED
            )
    if not done:
        deadlines_compute(learner=learner)
    return deadline


def feed_token_regenerate(*, learner) -> ReminderSettings:
    settings = reminder_settings_for(learner=learner)
    settings.feed_token = new_feed_token()
    settings.save(update_fields=["feed_token"])
    journal_record(actor=learner, action="reminders.feed_regenerated", target=settings)
    return settings


def reminder_preferences_update(
    *,
    learner,
    enabled: bool,
    remind_on_opening: bool,
    days_before: list[int],
    concerns: list[str],
) -> ReminderSettings:
    if any(days not in STANDARD_DAYS_BEFORE for days in days_before):
        raise RemindersError("Choisis parmi les rappels proposés.", field="days_before")
    if any(concern not in Concern.values for concern in concerns):
        raise RemindersError(
            "Choisis parmi les situations proposées.", field="concerns"
        )
    with transaction.atomic():
        settings = reminder_settings_for(learner=learner)
        settings.enabled = enabled
        settings.remind_on_opening = remind_on_opening
        settings.days_before = sorted(set(days_before), reverse=True)
        settings.concerns = sorted(set(concerns))
        settings.save()
        deadlines_compute(learner=learner)
    return settings


def reminders_unsubscribe(*, token: str) -> ReminderSettings:
    """Turn reminders off from the link of an e-mail, without logging in."""
    try:
        learner_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as error:
        raise RemindersError(
            "Ce lien de désinscription n'est pas valide : ouvre le lien complet du "
            "dernier e-mail reçu, ou change tes réglages depuis ton compte."
        ) from error
    learner = get_user_model().objects.filter(pk=learner_id).first()
    if learner is None:
        raise RemindersError("Ce compte n'existe plus : tu ne recevras plus d'e-mail.")
    with transaction.atomic():
        settings = reminder_settings_for(learner=learner)
        if settings.enabled:
            settings.enabled = False
            settings.save(update_fields=["enabled"])
            journal_record(
                actor=None,
                action="reminders.unsubscribed",
                target=settings,
                details={"learner": learner.pk},
            )
    return settings


def planning_ensure(*, learner, today: date | None = None) -> ReminderSettings:
    """A learner's first visit computes their calendar; the nightly sweep keeps it."""
    if not ReminderSettings.objects.filter(learner=learner).exists():
        deadlines_compute(learner=learner, today=today)
    return reminder_settings_for(learner=learner)
