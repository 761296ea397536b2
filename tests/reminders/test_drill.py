"""Drill: 2,000 due reminders through real PostgreSQL, Redis, Celery workers and an
SMTP server; the worker is killed with SIGKILL midway and restarted. At the end the
server holds exactly one message per reminder."""

import time
from datetime import UTC, date, datetime

import pytest

from accounts.models import LearnerProfile, User
from reminders.models import (
    DeadlineRule,
    DeliveryStatus,
    PersonalDeadline,
    ReminderDelivery,
    ReminderSettings,
    Timing,
)
from reminders.tasks import reminders_send_due
from tests.factories import CommuneFactory
from tests.smtp_sink import SmtpSink
from tests.workers import Worker, real_broker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LEARNERS, RULES = 200, 10  # 2,000 reminders
NOW = "2027-01-04T10:00:00+01:00"  # a Monday morning in Paris


def _due_reminders() -> int:
    commune = CommuneFactory()
    users = User.objects.bulk_create(
        User(email=f"drill{n}@exemple.fr", first_name=f"Jeune{n}")
        for n in range(LEARNERS)
    )
    LearnerProfile.objects.bulk_create(
        LearnerProfile(user=u, birth_date=date(2009, 5, 1), commune=commune)
        for u in users
    )
    ReminderSettings.objects.bulk_create(
        ReminderSettings(learner=u, days_before=[30, 7, 1], feed_token=f"t{u.pk}")
        for u in users
    )
    rules = DeadlineRule.objects.bulk_create(
        DeadlineRule(
            code=f"DRILL-{n}",
            title=f"Démarche n°{n}",
            body="Un organisme",
            official_url="https://www.service-public.fr/",
            severity="moyenne",
            what_to_do="Fais-la.",
            remedy="Pas de panique.",
            timing=Timing.YEARLY,
        )
        for n in range(RULES)
    )
    deadlines = PersonalDeadline.objects.bulk_create(
        PersonalDeadline(
            learner=u, rule=r, opens_on=date(2026, 12, 1), closes_on=date(2027, 1, 5)
        )
        for u in users
        for r in rules
    )
    due_at = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    ReminderDelivery.objects.bulk_create(
        ReminderDelivery(
            deadline=d, learner_id=d.learner_id, offset="J-1", due_at=due_at
        )
        for d in deadlines
    )
    return len(deadlines)


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"délai dépassé : {what}")


def test_killed_worker_neither_loses_nor_doubles_reminders():
    total = _due_reminders()
    assert total == 2000
    pending = ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING)
    with SmtpSink() as sink, real_broker():
        env = {"EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
        worker = Worker(concurrency=2, env=env).start()
        restarted = Worker(concurrency=2, env=env, queue=worker.queue)
        try:
            for _ in range(4):
                reminders_send_due.apply_async(args=[NOW], queue=worker.queue)
            _wait(lambda: sink.handler.count() >= 400, 120, "premiers envois")
            worker.kill()
            killed_at = sink.handler.count()
            assert killed_at < total, "le worker devait être tué en plein envoi"

            # Restarted, as the beat would wake it: the database says what is left.
            restarted.start()
            for _ in range(4):
                reminders_send_due.apply_async(args=[NOW], queue=restarted.queue)
            _wait(lambda: not pending.exists(), 300, "tous les rappels envoyés")
            _wait(lambda: sink.handler.count() >= total, 30, "tous les messages reçus")
            time.sleep(1)  # anything late would show up now
        finally:
            worker.kill()
            restarted.stop()

    ids = [message["Message-ID"] for message in sink.messages]
    assert len(ids) == total
    assert len(set(ids)) == total
    sent = ReminderDelivery.objects.filter(status=DeliveryStatus.SENT)
    assert sent.count() == total
    assert {f"<rappel-{pk}@" for pk in sent.values_list("pk", flat=True)} == {
        message_id.split("@")[0] + "@" for message_id in ids
    }
