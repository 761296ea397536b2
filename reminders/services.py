import smtplib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from core.services import journal_record

from . import timing
from .emails import UNSUBSCRIBE_SALT, reminder_message
from .errors import RemindersError
from .mailer import open_transport
from .models import (
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

PARIS = ZoneInfo("Europe/Paris")
HORIZON_DAYS = 548  # about 18 months ahead
PAST_DAYS = 92  # missed deadlines stay visible, with their remedy, for 3 months
SEND_AT = time(9, 0)  # reminders are due at 9:00, Paris time
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
SMTP_ERRORS = (smtplib.SMTPException, OSError)
MAX_ATTEMPTS = 5


def reminder_settings_for(*, learner) -> ReminderSettings:
    settings, _ = ReminderSettings.objects.get_or_create(
        learner=learner, defaults={"days_before": list(STANDARD_DAYS_BEFORE)}
    )
    return settings


def _windows(rule: DeadlineRule, *, birth_date, events, start, end):
    if rule.timing == Timing.BIRTHDAY:
        return [timing.birthday_window(birth_date, rule.opens, rule.closes)]
    if rule.timing == Timing.YEARLY:
        return [timing.Window(w.opens_on, w.closes_on) for w in rule.windows.all()]
    if rule.timing == Timing.MONTHLY:
        return timing.monthly_windows(rule.opens_day, rule.closes_day, start, end)
    if rule.event in events:
        return [
            timing.event_window(events[rule.event], rule.opens_days, rule.closes_days)
        ]
    return []


def occurrences_for(
    *, rules, birth_date: date, events: dict, concerns: set, today: date
) -> list[tuple[DeadlineRule, timing.Window]]:
    """Every (rule, window) that concerns this learner between 3 months ago and
    about 18 months ahead."""
    start, end = today - timedelta(days=PAST_DAYS), today + timedelta(days=HORIZON_DAYS)
    found = []
    for rule in rules:
        # Entering an event's date says it concerns the learner: no opt-in needed.
        if rule.opt_in and rule.opt_in not in concerns and rule.timing != Timing.EVENT:
            continue
        for window in _windows(
            rule, birth_date=birth_date, events=events, start=start, end=end
        ):
            if window.closes_on < start or window.opens_on > end:
                continue
            if timing.age_on(birth_date, window.closes_on) < rule.min_age:
                continue
            if timing.age_on(birth_date, window.opens_on) > rule.max_age:
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


@transaction.atomic
def deadlines_compute(*, learner, today: date | None = None) -> dict:
    """Store the learner's deadline occurrences and their reminders. Running it again
    changes nothing; occurrences that no longer apply go, unless marked done."""
    today = today or timezone.localdate()
    profile = getattr(learner, "learner_profile", None)
    if profile is None:
        return {"created": 0, "removed": 0}
    settings = reminder_settings_for(learner=learner)
    events = dict(
        LearnerEvent.objects.filter(learner=learner).values_list("kind", "day")
    )
    rules = DeadlineRule.objects.filter(is_active=True).prefetch_related("windows")
    wanted = {
        (rule.pk, window.closes_on): (rule, window)
        for rule, window in occurrences_for(
            rules=rules,
            birth_date=profile.birth_date,
            events=events,
            concerns=set(settings.concerns),
            today=today,
        )
    }
    existing = {
        (d.rule_id, d.closes_on): d
        for d in PersonalDeadline.objects.filter(learner=learner)
    }
    stale = [
        d.pk for key, d in existing.items() if key not in wanted and d.done_at is None
    ]
    PersonalDeadline.objects.filter(pk__in=stale).delete()
    created = []
    for key, (rule, window) in wanted.items():
        deadline = existing.get(key)
        if deadline is None:
            created.append(
                PersonalDeadline(
                    learner=learner,
                    rule=rule,
                    opens_on=window.opens_on,
                    closes_on=window.closes_on,
                )
            )
        elif deadline.opens_on != window.opens_on:
            deadline.opens_on = window.opens_on
            deadline.save(update_fields=["opens_on"])
    PersonalDeadline.objects.bulk_create(created, ignore_conflicts=True)
    deadlines = PersonalDeadline.objects.filter(
        learner=learner, done_at__isnull=True, closes_on__gte=today
    ).select_related("rule")
    ReminderDelivery.objects.bulk_create(
        [delivery for d in deadlines for delivery in _deliveries(d, today)],
        ignore_conflicts=True,
    )
    return {"created": len(created), "removed": len(stale)}


def deadlines_sweep(*, today: date | None = None, batch_size: int = 500) -> int:
    """Recompute every learner's calendar (after a rule changed, and each night to
    move the horizon on)."""
    learners = (
        get_user_model()
        .objects.filter(learner_profile__isnull=False, is_active=True)
        .select_related("learner_profile")
        .order_by("pk")
    )
    count = 0
    for learner in learners.iterator(chunk_size=batch_size):
        deadlines_compute(learner=learner, today=today)
        count += 1
    return count


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


def is_quiet_hour(moment: datetime) -> bool:
    local = timezone.localtime(moment, PARIS).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=2**attempts)


def _skip_reason(delivery: ReminderDelivery, settings: ReminderSettings) -> str:
    """Why a due reminder must not go out any more ("" when it must)."""
    if not settings.enabled:
        return "rappels désactivés"
    if settings.email_failing_since is not None:
        return "adresse refusée par le serveur de courrier"
    if not delivery.learner.is_active:
        return "compte désactivé"
    if delivery.deadline.done_at is not None:
        return "démarche déjà faite"
    if delivery.offset == ReminderDelivery.OPENING:
        return "" if settings.remind_on_opening else "rappel d'ouverture non voulu"
    days = int(delivery.offset.removeprefix("J-"))
    if days in STANDARD_DAYS_BEFORE and days not in settings.days_before:
        return f"rappel {delivery.offset} non voulu"
    return ""


def _commit_without_waiting_for_disk() -> None:
    """Between the database commit and the final "." of the SMTP message, a killed
    worker would leave a reminder recorded as sent but not delivered. Not waiting for
    the disk flush at commit narrows that gap from milliseconds to microseconds; the
    price, a database crash losing the last instants of commits, means at worst a
    reminder sent twice."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _claim_next(now: datetime) -> ReminderDelivery | None:
    return (
        ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("deadline__rule__module", "learner__reminder_settings")
        .filter(status=DeliveryStatus.PENDING, due_at__lte=now)
        .order_by("due_at")
        .first()
    )


def reminders_send_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Send the reminders that are due, each exactly once, and return how many went.

    Rows are claimed one at a time with SKIP LOCKED, so workers share the work; the
    claim holds until the row is marked sent (see mailer.py for the last step)."""
    now = now or timezone.now()
    if is_quiet_hour(now):
        return 0  # deferred: the first scan after 8:00 sends them
    transport = open_transport()
    sent = 0
    try:
        for _ in range(limit):
            with transaction.atomic():
                _commit_without_waiting_for_disk()
                delivery = _claim_next(now)
                if delivery is None:
                    break
                settings = getattr(
                    delivery.learner, "reminder_settings", None
                ) or reminder_settings_for(learner=delivery.learner)
                reason = _skip_reason(delivery, settings)
                if reason:
                    delivery.status = DeliveryStatus.CANCELLED
                    delivery.last_error = reason
                    delivery.save(update_fields=["status", "last_error"])
                    continue
                delivery.attempts += 1
                try:
                    transport.begin(reminder_message(delivery))
                except SMTP_ERRORS as error:
                    _record_failure(delivery, settings, error, now)
                    continue
                delivery.status = DeliveryStatus.SENT
                delivery.sent_at = now
                delivery.save(update_fields=["status", "sent_at", "attempts"])
            try:
                transport.finish()
            except SMTP_ERRORS as error:
                with transaction.atomic():
                    delivery.status = DeliveryStatus.PENDING
                    delivery.sent_at = None
                    _record_failure(delivery, settings, error, now)
                continue
            sent += 1
    finally:
        transport.close()
    return sent


def _record_failure(delivery, settings, error, now: datetime) -> None:
    permanent = isinstance(error, smtplib.SMTPRecipientsRefused) and all(
        code >= 500 for code, _ in error.recipients.values()
    )
    permanent = permanent or (
        isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500
    )
    delivery.last_error = str(error)[:300]
    if permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        if permanent:
            settings.email_failing_since = now
            settings.save(update_fields=["email_failing_since"])
    else:
        delivery.status = DeliveryStatus.PENDING
        delivery.due_at = now + _backoff(delivery.attempts)
    delivery.save(
        update_fields=["status", "last_error", "attempts", "due_at", "sent_at"]
    )


def planning_ensure(*, learner, today: date | None = None) -> ReminderSettings:
    """A learner's first visit computes their calendar; the nightly sweep keeps it."""
    if not ReminderSettings.objects.filter(learner=learner).exists():
        deadlines_compute(learner=learner, today=today)
    return reminder_settings_for(learner=learner)
