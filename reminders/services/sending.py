"""Reminder e-mails: senders that share the due rows, each sent exactly once."""

import logging
import random
import smtplib
import time as time_module
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from core.services import journal_record

from ..emails import ReminderTexts, reminder_message
from ..errors import RemindersError
from ..mailer import open_transport
from ..models import (
    STANDARD_DAYS_BEFORE,
    DeadlineRule,
    DeliveryFailure,
    DeliveryStatus,
    ReminderDelivery,
    ReminderSettings,
)
from .planning import PARIS, reminder_settings_for

logger = logging.getLogger(__name__)

SMTP_ERRORS = (smtplib.SMTPException, OSError)
MAX_ATTEMPTS = 5


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


class _OneTransactionPerReminder:
    """Each reminder is locked, checked and marked in a transaction of its own.

    A worker's sender owns its database connection: on PostgreSQL that connection
    then stays in a transaction between reminders, so that a reminder costs two round
    trips to the database instead of four (BEGIN, lock, mark, COMMIT): its lock, then
    its mark sent with the commit and the next reminder's BEGIN. Elsewhere (SQLite,
    or inside a caller's transaction, as in tests) each reminder is an atomic block.

    Commits do not wait for the disk flush: between the database commit and the final
    "." of the SMTP message, a killed worker would leave a reminder recorded as sent
    but not delivered; not waiting narrows that gap from milliseconds to
    microseconds. The price, a database crash losing the last instants of commits,
    means at worst a reminder sent twice."""

    def __init__(self):
        self.postgresql = connection.vendor == "postgresql"
        self.chained = self.postgresql and not connection.in_atomic_block
        self.with_commit: tuple[str, list] | None = None

    def __enter__(self):
        if self.postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")
        if self.chained:
            transaction.set_autocommit(False)
        return self

    def __exit__(self, *error):
        if self.chained:
            transaction.rollback()  # the transaction opened for a next reminder
            transaction.set_autocommit(True)
        if self.postgresql:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")

    @contextmanager
    def reminder(self):
        """One reminder's transaction: committed when the block ends, rolled back if
        it raises."""
        if not self.chained:
            with transaction.atomic():
                yield
            return
        try:
            yield
        except BaseException:
            self.with_commit = None
            transaction.rollback()
            raise
        sql, params = self.with_commit or ("", None)
        self.with_commit = None
        with connection.cursor() as cursor:
            cursor.execute(f"{sql}; COMMIT; BEGIN" if sql else "COMMIT; BEGIN", params)

    def execute_with_commit(self, sql: str, params: list) -> None:
        """Run this statement with the commit, in the same round trip."""
        if not self.chained:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
            return
        self.with_commit = (sql, params)


# A sender reads the due reminders a batch at a time, with everything their messages
# need, then locks each row just before sending it: SKIP LOCKED lets another sender
# take the rows in between, and the status check finds those it has already sent.
# Plain SQL on one table: the primary key and a status check, a few microseconds.
LOCK_SQL = (
    f"SELECT attempts FROM {ReminderDelivery._meta.db_table} "  # noqa: S608 (no user input)
    "WHERE id = %s AND status = %s AND due_at <= %s FOR UPDATE SKIP LOCKED"
)
MARK_SENT_SQL = (
    f"UPDATE {ReminderDelivery._meta.db_table} "  # noqa: S608 (no user input)
    "SET status = %s, sent_at = %s, attempts = %s WHERE id = %s"
)
BATCH_SIZE = 100


def _due_batch_query(now: datetime, size: int = BATCH_SIZE):
    """The ids of the `size` oldest due reminders, in the order of the partial index
    reminder_pending_due: a plan that stays fast however many rows are due."""
    return _due(now).order_by("due_at").values_list("pk", flat=True)[:size]


def _due_batch_ids(now: datetime, share: tuple[int, int]) -> list[int]:
    """The next due reminders of this sender's `share` (index, count): the oldest
    due rows are dealt by id among `count` senders. Dealt in Python: a condition on
    the id in SQL sends the planner to sort every due row. The window is wide
    enough for a sender to run well ahead of the others; past it (its share done,
    or another sender dead) it helps with the oldest rows of any share."""
    index, count = share
    window = list(_due_batch_query(now, BATCH_SIZE * (1 if count == 1 else 10 * count)))
    mine = [pk for pk in window if pk % count == index][:BATCH_SIZE]
    return mine or window[:BATCH_SIZE]


def _due_batch(
    now: datetime, rules: dict[int, DeadlineRule], share: tuple[int, int] = (0, 1)
) -> list[ReminderDelivery]:
    """The next due reminders of this sender's share, with everything their messages
    need, in random order: two senders reading the same rows (once their shares are
    done) rarely reach for the same one at the same time."""
    batch = list(
        ReminderDelivery.objects.filter(
            pk__in=_due_batch_ids(now, share)
        ).select_related("deadline", "learner__reminder_settings")
    )
    for delivery in batch:
        rule = rules.get(delivery.deadline.rule_id)
        if rule is not None:
            delivery.deadline.rule = rule
    random.shuffle(batch)
    return batch


def _lock(delivery: ReminderDelivery, now: datetime) -> bool:
    """Lock the row until the transaction ends, if it is still due and no other
    sender holds it."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK_SQL, [delivery.pk, DeliveryStatus.PENDING, now])
        row = cursor.fetchone()
    if row is None:
        return False
    delivery.attempts = row[0]
    return True


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
    from ..tasks import reminders_send_due as sender

    count = django_settings.REMINDERS_SENDERS
    for index in range(count):
        sender.delay(now.isoformat(), share=index, shares=count)
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
    share: tuple[int, int] = (0, 1),
) -> SendRun:
    """Send the reminders that are due, each exactly once, until none is due or the
    time budget (seconds, well inside the task's time limit) is spent.

    Each row is locked with SKIP LOCKED just before it is sent, so any number of
    senders share the work; the lock holds until the row is marked sent (see
    mailer.py for the last step). Senders woken together are dealt the due rows
    (`share`: index, count) so that they do not reach for the same ones; a sender
    whose share is done helps with the rest (a share whose sender died included).
    A row that fails for any reason is recorded and logged, and the others go on."""
    now = now or timezone.now()
    run = SendRun()
    if is_quiet_hour(now):
        return run  # deferred: the first tick after 8:00 sends them
    stop_at = clock() + (budget or django_settings.REMINDERS_SEND_BUDGET)
    transport = open_transport()
    # Read once per run: a few rows each, needed by every message.
    texts = ReminderTexts()
    rules = {rule.pk: rule for rule in DeadlineRule.objects.all()}
    try:
        with _OneTransactionPerReminder() as transactions:
            while not run.exhausted and (batch := _due_batch(now, rules, share)):
                for delivery in batch:
                    outcome = _send(
                        delivery,
                        now=now,
                        transport=transport,
                        texts=texts,
                        transactions=transactions,
                    )
                    if outcome is None:
                        continue  # another sender has it
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


def _send(
    delivery: ReminderDelivery,
    *,
    now: datetime,
    transport,
    texts: ReminderTexts,
    transactions: _OneTransactionPerReminder,
) -> str | None:
    """Lock, check, build and send one due reminder. Returns what became of it
    ("sent", "cancelled", "deferred", "failed"), or None when another sender has it.

    The learner's settings were read with the batch, a moment ago: a change made
    since then applies from the next batch."""
    with transactions.reminder():
        if not _lock(delivery, now):
            return None
        settings = getattr(
            delivery.learner, "reminder_settings", None
        ) or reminder_settings_for(learner=delivery.learner)
        try:
            # Python only (everything was read above): the transaction stays usable.
            reason = _skip_reason(delivery, settings)
            message = None if reason else reminder_message(delivery, texts=texts)
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
        transactions.execute_with_commit(  # the hot path: no ORM to build it
            MARK_SENT_SQL,
            [delivery.status, delivery.sent_at, delivery.attempts, delivery.pk],
        )
    try:
        transport.finish()
    except SMTP_ERRORS as error:
        with transactions.reminder():
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
