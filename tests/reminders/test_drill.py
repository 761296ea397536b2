"""Drill: 2,000 due reminders through real PostgreSQL, Redis, Celery workers and an
SMTP server; workers are killed with SIGKILL midway and replaced. At the end the
server holds exactly one message per reminder."""

import threading
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
from tests.workers import Worker, real_broker, wait_for

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
            official_url="https://www.service-public.gouv.fr/",
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


def _send_due_through(worker: Worker) -> None:
    """What the beat does every few minutes, a few times over."""
    for _ in range(4):
        reminders_send_due.apply_async(args=[NOW], queue=worker.queue)


def _killer(worker: Worker):
    killed = threading.Event()

    def kill():
        worker.kill()
        killed.set()

    return kill, killed


def test_killed_workers_neither_lose_nor_double_reminders():
    """The SMTP server itself kills each worker at a chosen moment, so the drill hits
    both sides of the database commit every time: mid-message (before the commit:
    the reminder must go again) and once the message is received (after the commit:
    it must not). A single-process worker makes the moment exact."""
    total = _due_reminders()
    assert total == 2000
    sent = ReminderDelivery.objects.filter(status=DeliveryStatus.SENT)
    pending = ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING)
    with SmtpSink() as sink, real_broker():
        env = {"EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
        first = Worker(env=env)
        second = Worker(env=env, queue=first.queue)
        last = Worker(concurrency=2, env=env, queue=first.queue)
        try:
            kill, killed = _killer(first)
            sink.handler.interrupt("RCPT", after=400, action=kill)
            _send_due_through(first.start())
            assert killed.wait(120), "le premier worker n'a pas atteint 400 envois"
            # Killed while its 401st message was unfinished: the server dropped it,
            # and PostgreSQL rolled back its claim.
            assert sink.handler.count() == 400
            wait_for(lambda: sent.count() == 400, 10, "400 rappels enregistrés")

            kill, killed = _killer(second)
            sink.handler.interrupt("DATA", after=1000, action=kill)
            _send_due_through(second.start())
            assert killed.wait(120), "le deuxième worker n'a pas atteint 1 000 envois"
            # Killed before hearing that its 1,000th message was accepted: the
            # database already says it was sent, so nobody sends it again.
            assert sink.handler.count() == 1000
            assert sent.count() == 1000

            _send_due_through(last.start())  # two processes share what is left
            wait_for(lambda: not pending.exists(), 300, "tous les rappels envoyés")
            wait_for(
                lambda: sink.handler.count() >= total, 30, "tous les messages reçus"
            )
            time.sleep(1)  # anything late would show up now
        finally:
            first.kill()
            second.kill()
            last.stop()

    ids = [message["Message-ID"] for message in sink.messages]
    assert len(ids) == total
    assert len(set(ids)) == total
    assert sent.count() == total
    assert {f"<rappel-{pk}@" for pk in sent.values_list("pk", flat=True)} == {
        message_id.split("@")[0] + "@" for message_id in ids
    }
