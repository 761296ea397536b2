import logging
import smtplib
import time as time_module
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from core.services import journal_record

from . import timing
from .emails import UNSUBSCRIBE_SALT, module_links, reminder_message
from .errors import RemindersError
from .mailer import open_transport
from .models import (
    STANDARD_DAYS_BEFORE,
    ChunkState,
    Concern,
    DeadlineRule,
    DeadlineSweep,
    DeadlineSweepChunk,
    DeliveryFailure,
    DeliveryStatus,
    EventKind,
    LearnerEvent,
    PersonalDeadline,
    ReminderDelivery,
    ReminderSettings,
    SweepTrigger,
    Timing,
    new_feed_token,
)

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
HORIZON_DAYS = 548  # about 18 months ahead
PAST_DAYS = 92  # missed deadlines stay visible, with their remedy, for 3 months
SEND_AT = time(9, 0)  # reminders are due at 9:00, Paris time
SMTP_ERRORS = (smtplib.SMTPException, OSError)
MAX_ATTEMPTS = 5
BULK_BATCH = 2000
SWEEP_CHUNK_MAX_RESUMES = 3


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


def deadlines_sweep(
    *,
    trigger: str = SweepTrigger.MANUAL,
    today: date | None = None,
    now: datetime | None = None,
    chunk_size: int | None = None,
) -> DeadlineSweep:
    """Recompute every learner's calendar (each night to move the horizon on, and
    after a rule changed): record the sweep and its chunks of learner ids, then
    hand each chunk to a worker."""
    now = now or timezone.now()
    chunk_size = chunk_size or django_settings.DEADLINES_SWEEP_CHUNK
    ids = list(
        get_user_model()
        .objects.filter(learner_profile__isnull=False, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        sweep = DeadlineSweep.objects.create(
            trigger=trigger,
            today=today or timezone.localdate(now),
            started_at=now,
            learners=len(ids),
        )
        chunks = DeadlineSweepChunk.objects.bulk_create(
            DeadlineSweepChunk(
                sweep=sweep,
                first_id=ids[start],
                last_id=ids[min(start + chunk_size, len(ids)) - 1],
                enqueued_at=now,
            )
            for start in range(0, len(ids), chunk_size)
        )
        sweep.chunks = len(chunks)
        if not chunks:
            sweep.finished_at = now
        sweep.save(update_fields=["chunks", "finished_at"])
        _enqueue_chunks([chunk.pk for chunk in chunks])
    logger.info(
        "Recalcul des plannings n°%s (%s) : %s jeunes en %s lots",
        sweep.pk,
        trigger,
        len(ids),
        len(chunks),
    )
    return sweep


def _enqueue_chunks(chunk_ids: list[int]) -> None:
    from .tasks import deadlines_sweep_chunk

    def enqueue():
        for chunk_id in chunk_ids:
            deadlines_sweep_chunk.delay(chunk_id)

    transaction.on_commit(enqueue)


def deadlines_sweep_chunk(*, chunk_id: int, now: datetime | None = None) -> int:
    """Compute the learners of one chunk, once: a chunk already done, or being done
    by another worker, is left alone. Returns how many learners were computed."""
    started = time_module.monotonic()
    with transaction.atomic():
        chunk = (
            # Only the chunk's row: locking its sweep too would make every other
            # chunk of the sweep look taken.
            DeadlineSweepChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("sweep")
            .filter(pk=chunk_id, state=ChunkState.PENDING)
            .first()
        )
        if chunk is None:
            return 0
        learner_ids = list(
            get_user_model()
            .objects.filter(
                pk__gte=chunk.first_id,
                pk__lte=chunk.last_id,
                learner_profile__isnull=False,
                is_active=True,
            )
            .values_list("pk", flat=True)
        )
        counts = deadlines_compute_many(
            learner_ids=learner_ids, today=chunk.sweep.today
        )
        chunk.state = ChunkState.DONE
        chunk.finished_at = now or timezone.now()
        chunk.learners_done = counts.learners
        chunk.learners_failed = counts.failed
        chunk.seconds = time_module.monotonic() - started
        chunk.save()
    # After the commit: of chunks finishing together, the last sees all of them done.
    _sweep_finish_if_done(chunk.sweep, chunk.finished_at)
    logger.info(
        "Lot %s du recalcul n°%s : %s jeunes (%s en échec) en %.2f s",
        chunk.pk,
        chunk.sweep_id,
        counts.learners,
        counts.failed,
        chunk.seconds,
    )
    return counts.learners


def _sweep_finish_if_done(sweep: DeadlineSweep, now: datetime) -> None:
    left = sweep.chunk_rows.filter(state=ChunkState.PENDING).count()
    if left == 0:
        DeadlineSweep.objects.filter(pk=sweep.pk, finished_at__isnull=True).update(
            finished_at=now
        )


def deadlines_sweep_resume(
    *, now: datetime | None = None, stale_after: timedelta | None = None
) -> int:
    """Hand again to the workers the chunks whose message was lost or whose worker
    died (killed, time limit): pending for longer than a chunk ever takes. A chunk
    that keeps failing is given up after a few runs, and logged."""
    now = now or timezone.now()
    stale_after = stale_after or timedelta(
        seconds=django_settings.DEADLINES_SWEEP_RESUME_AFTER
    )
    with transaction.atomic():
        stale = list(
            DeadlineSweepChunk.objects.select_for_update(skip_locked=True)
            .filter(state=ChunkState.PENDING, enqueued_at__lte=now - stale_after)
            .order_by("enqueued_at")
        )
        again = []
        for chunk in stale:
            chunk.resumes += 1
            if chunk.resumes > SWEEP_CHUNK_MAX_RESUMES:
                chunk.state = ChunkState.FAILED
                chunk.last_error = "abandonné après plusieurs essais (délai dépassé)"
                logger.error(
                    "Lot %s du recalcul n°%s abandonné après %s essais",
                    chunk.pk,
                    chunk.sweep_id,
                    chunk.resumes,
                )
            else:
                chunk.enqueued_at = now
                again.append(chunk.pk)
        DeadlineSweepChunk.objects.bulk_update(
            stale, ["resumes", "state", "enqueued_at", "last_error"]
        )
        for sweep in {
            chunk.sweep for chunk in stale if chunk.state == ChunkState.FAILED
        }:
            _sweep_finish_if_done(sweep, now)
        _enqueue_chunks(again)
    if again:
        logger.warning("%s lot(s) de recalcul relancé(s)", len(again))
    return len(again)


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
    """No reminder at night (REMINDERS_QUIET_HOURS, Paris time; empty: none)."""
    hours = django_settings.REMINDERS_QUIET_HOURS
    if not hours:
        return False
    start, end = (time.fromisoformat(part) for part in hours.split("-"))
    local = timezone.localtime(moment, PARIS).time()
    return local >= start or local < end


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


@contextmanager
def _commits_without_waiting_for_disk():
    """Between the database commit and the final "." of the SMTP message, a killed
    worker would leave a reminder recorded as sent but not delivered. Not waiting for
    the disk flush at commit narrows that gap from milliseconds to microseconds; the
    price, a database crash losing the last instants of commits, means at worst a
    reminder sent twice. Set for the sender's session, not once per message."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


# The next due reminder, locked until the transaction ends; other senders skip it.
# Plain SQL on one table: the partial index reminder_pending_due serves it (the cost
# follows what is due, not the number of learners), and PostgreSQL plans it in a
# fraction of the time the ORM's five-table join took.
CLAIM_SQL = (
    f"SELECT id FROM {ReminderDelivery._meta.db_table} "  # noqa: S608 (no user input)
    "WHERE status = %s AND due_at <= %s "
    "ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED"
)


def _claim_next(
    now: datetime, rules: dict[int, DeadlineRule] | None = None
) -> ReminderDelivery | None:
    """Claim the next due reminder; `rules` (by id) saves reading its rule again."""
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, [DeliveryStatus.PENDING, now])
        row = cursor.fetchone()
    if row is None:
        return None
    delivery = ReminderDelivery.objects.select_related(
        "deadline", "learner__reminder_settings"
    ).get(pk=row[0])
    rule = (rules or {}).get(delivery.deadline.rule_id)
    if rule is not None:
        delivery.deadline.rule = rule
    return delivery


@dataclass
class SendRun:
    """What one sender did before it found nothing due or spent its time budget."""

    sent: int = 0
    cancelled: int = 0
    deferred: int = 0  # a transient error: the row is due again later
    failed: int = 0
    exhausted: bool = False  # stopped by its time budget, with work maybe left


def reminders_dispatch(*, now: datetime | None = None) -> int:
    """Wake as many senders as there are worker processes when reminders are due
    (each beat tick): they drain the due rows side by side."""
    now = now or timezone.now()
    if is_quiet_hour(now) or not _due(now).exists():
        return 0
    from .tasks import reminders_send_due as sender

    count = django_settings.REMINDERS_SENDERS
    for _ in range(count):
        sender.delay(now.isoformat())
    return count


def _due(now: datetime):
    return ReminderDelivery.objects.filter(
        status=DeliveryStatus.PENDING, due_at__lte=now
    )


def reminders_send_due(
    *,
    now: datetime | None = None,
    budget: float | None = None,
    clock=time_module.monotonic,
) -> SendRun:
    """Send the reminders that are due, each exactly once, until none is due or the
    time budget (seconds, well inside the task's time limit) is spent.

    Rows are claimed one at a time with SKIP LOCKED, so any number of senders share
    the work; the claim holds until the row is marked sent (see mailer.py for the
    last step). A row that fails for any reason is recorded and logged, and the
    others go on."""
    now = now or timezone.now()
    run = SendRun()
    if is_quiet_hour(now):
        return run  # deferred: the first tick after 8:00 sends them
    stop_at = clock() + (budget or django_settings.REMINDERS_SEND_BUDGET)
    transport = open_transport()
    # Read once per run: a few rows each, needed by every message.
    links = module_links()
    rules = {rule.pk: rule for rule in DeadlineRule.objects.all()}
    try:
        with _commits_without_waiting_for_disk():
            while (
                outcome := _send_next(
                    now=now, transport=transport, links=links, rules=rules
                )
            ) is not None:
                setattr(run, outcome, getattr(run, outcome) + 1)
                if clock() >= stop_at:  # after a row: every sender makes progress
                    run.exhausted = True
                    break
    finally:
        transport.close()
    logger.info(
        "Rappels : %s envoyés, %s annulés, %s reportés, %s en échec%s",
        run.sent,
        run.cancelled,
        run.deferred,
        run.failed,
        " (budget de temps épuisé)" if run.exhausted else "",
    )
    return run


def _send_next(
    *, now: datetime, transport, links: dict[int, str], rules: dict[int, DeadlineRule]
) -> str | None:
    """Claim, check, build and send the next due reminder. Returns what became of
    it ("sent", "cancelled", "deferred", "failed"), or None when nothing is due."""
    with transaction.atomic():
        delivery = _claim_next(now, rules)
        if delivery is None:
            return None
        settings = getattr(
            delivery.learner, "reminder_settings", None
        ) or reminder_settings_for(learner=delivery.learner)
        try:
            # Python only (everything was read above): the transaction stays usable.
            reason = _skip_reason(delivery, settings)
            message = None if reason else reminder_message(delivery, links=links)
        except Exception as error:  # noqa: BLE001 (one bad row never stops the rest)
            return _record_poison(delivery, error)
        if reason:
            delivery.status = DeliveryStatus.CANCELLED
            delivery.last_error = reason
            delivery.save(update_fields=["status", "last_error"])
            return "cancelled"
        delivery.attempts += 1
        try:
            transport.begin(message)
        except SMTP_ERRORS as error:
            return _record_failure(delivery, settings, error, now)
        except Exception as error:  # noqa: BLE001 (a message the server cannot take)
            transport.abort()
            return _record_poison(delivery, error)
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = now
        delivery.save(update_fields=["status", "sent_at", "attempts"])
    try:
        transport.finish()
    except SMTP_ERRORS as error:
        with transaction.atomic():
            delivery.status = DeliveryStatus.PENDING
            delivery.sent_at = None
            return _record_failure(delivery, settings, error, now)
    return "sent"


def _record_poison(delivery: ReminderDelivery, error: Exception) -> str:
    logger.exception("Rappel %s impossible à préparer ou à envoyer", delivery.pk)
    delivery.status = DeliveryStatus.FAILED
    delivery.failure = DeliveryFailure.PREPARATION
    delivery.last_error = f"message impossible à préparer : {error!r}"[:300]
    delivery.save(update_fields=["status", "failure", "last_error"])
    return "failed"


def _record_failure(delivery, settings, error, now: datetime) -> str:
    permanent = isinstance(error, smtplib.SMTPRecipientsRefused) and all(
        code >= 500 for code, _ in error.recipients.values()
    )
    permanent = permanent or (
        isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500
    )
    delivery.last_error = str(error)[:300]
    if permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.failure = (
            DeliveryFailure.REFUSED if permanent else DeliveryFailure.EXHAUSTED
        )
        if permanent:
            settings.email_failing_since = now
            settings.save(update_fields=["email_failing_since"])
        logger.warning("Rappel %s en échec définitif : %s", delivery.pk, error)
    else:
        delivery.status = DeliveryStatus.PENDING
        delivery.due_at = now + _backoff(delivery.attempts)
        logger.info(
            "Rappel %s reporté (essai %s) : %s", delivery.pk, delivery.attempts, error
        )
    delivery.save(
        update_fields=[
            "status",
            "failure",
            "last_error",
            "attempts",
            "due_at",
            "sent_at",
        ]
    )
    return "failed" if delivery.status == DeliveryStatus.FAILED else "deferred"


def planning_ensure(*, learner, today: date | None = None) -> ReminderSettings:
    """A learner's first visit computes their calendar; the nightly sweep keeps it."""
    if not ReminderSettings.objects.filter(learner=learner).exists():
        deadlines_compute(learner=learner, today=today)
    return reminder_settings_for(learner=learner)


def reminder_delivery_retry(
    *, actor, delivery_id: int, now: datetime | None = None
) -> ReminderDelivery:
    """Put a failed reminder back in the queue, due now (an operator's decision once
    the cause is fixed). An address the mail server refused stays refused."""
    if not actor.is_superuser:
        raise RemindersError("Seule l'équipe d'exploitation peut renvoyer un rappel.")
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            ReminderDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        )
        if delivery is None or not delivery.can_be_retried:
            raise RemindersError(
                "Ce rappel ne peut pas être renvoyé : il n'est pas en échec, ou son "
                "adresse a été refusée par le serveur de courrier."
            )
        previous = delivery.failure
        delivery.status = DeliveryStatus.PENDING
        delivery.failure = ""
        delivery.last_error = ""
        delivery.attempts = 0
        delivery.due_at = now
        delivery.save(
            update_fields=["status", "failure", "last_error", "attempts", "due_at"]
        )
        journal_record(
            actor=actor,
            action="reminders.delivery_retried",
            target=delivery,
            # The failure's kind, not its text: an SMTP reply may quote the address.
            details={"failure": previous},
        )
    return delivery
