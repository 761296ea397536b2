"""Background work through real Celery workers (Redis, PostgreSQL, an SMTP server):
sweeps cut into chunks finish under tight time limits and survive a killed worker;
senders share the due reminders; bad rows fail alone."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import LearnerProfile, User
from reminders.models import (
    ChunkState,
    DeadlineSweep,
    DeadlineSweepChunk,
    DeliveryStatus,
    PersonalDeadline,
    ReminderDelivery,
    ReminderSettings,
)
from reminders.services import deadlines_sweep, deadlines_sweep_resume
from reminders.tasks import reminders_dispatch
from tests.factories import CommuneFactory
from tests.smtp_sink import SmtpSink
from tests.workers import Worker, real_broker, wait_for

from .conftest import TODAY, make_rule

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Low enough that computing 2,000 calendars in one task is cut even on a quiet
# machine (1.5 to 5 ms each), high enough for a chunk of 50 on a busy one.
TIGHT_LIMITS = {"CELERY_TASK_SOFT_TIME_LIMIT": "1.5", "CELERY_TASK_TIME_LIMIT": "2.5"}
NOW = "2027-01-04T10:00:00+01:00"  # a Monday morning in Paris


def many_learners(number: int, prefix: str = "jeune") -> list[int]:
    commune = CommuneFactory()
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@exemple.fr", first_name=f"Jeune{n}")
        for n in range(number)
    )
    LearnerProfile.objects.bulk_create(
        LearnerProfile(
            user=u,
            birth_date=date(2007 + n % 4, 1 + n % 12, 1 + n % 28),
            commune=commune,
        )
        for n, u in enumerate(users)
    )
    return [u.pk for u in users]


def computed(learner_ids) -> int:
    """How many of these learners have a calendar."""
    return (
        PersonalDeadline.objects.filter(learner_id__in=learner_ids)
        .values("learner_id")
        .distinct()
        .count()
    )


def test_a_chunked_sweep_finishes_where_one_task_is_cut(rules):
    learner_ids = many_learners(2000)
    worker = Worker(env=TIGHT_LIMITS)
    with real_broker(queue=worker.queue):
        worker.start()
        try:
            # One task for everyone, as the nightly sweep used to be: cut.
            whole = deadlines_sweep(today=TODAY, chunk_size=2000)
            chunk = whole.chunk_rows.get()
            time.sleep(8)  # past the hard limit
            chunk.refresh_from_db()
            assert chunk.state == ChunkState.PENDING
            assert computed(learner_ids) == 0

            sweep = deadlines_sweep(today=TODAY, chunk_size=50)
            assert sweep.chunks == 40
            wait_for(
                lambda: DeadlineSweep.objects.get(pk=sweep.pk).finished_at,
                240,
                "40 lots calculés",
            )
        finally:
            worker.stop()
    assert computed(learner_ids) == 2000
    chunks = DeadlineSweepChunk.objects.filter(sweep=sweep)
    assert set(chunks.values_list("state", flat=True)) == {ChunkState.DONE}
    assert sum(chunks.values_list("learners_done", flat=True)) == 2000
    assert max(chunks.values_list("seconds", flat=True)) < 1.5


def test_a_chunk_killed_with_its_worker_is_run_again(rules):
    learner_ids = many_learners(1000)
    first = Worker()
    second = Worker(queue=first.queue)
    with real_broker(queue=first.queue):
        first.start()
        try:
            sweep = deadlines_sweep(today=TODAY, chunk_size=100)
            chunks = DeadlineSweepChunk.objects.filter(sweep=sweep)
            wait_for(
                lambda: chunks.filter(state=ChunkState.DONE).count() >= 2,
                120,
                "deux lots faits",
            )
            first.kill()  # SIGKILL, most likely in the middle of a chunk
            left = chunks.filter(state=ChunkState.PENDING).count()
            assert 0 < left < 10
            assert computed(learner_ids) < 1000

            # The messages of the chunks left are in the queue or lost with the
            # worker: the resume task hands the pending ones out again.
            second.start()
            deadlines_sweep_resume(now=timezone.now() + timedelta(minutes=11))
            wait_for(
                lambda: DeadlineSweep.objects.get(pk=sweep.pk).finished_at,
                180,
                "tous les lots faits",
            )
        finally:
            first.kill()
            second.stop()
    assert computed(learner_ids) == 1000
    assert set(chunks.values_list("state", flat=True)) == {ChunkState.DONE}


def due_reminders(number: int, *, code: str, title: str = "Renvoyer le formulaire"):
    """`number` learners with one reminder due on the morning of 4 January 2027."""
    rule = make_rule(code, title=title)
    learner_ids = many_learners(number, prefix=code.lower())
    ReminderSettings.objects.bulk_create(
        ReminderSettings(learner_id=pk, days_before=[30, 7, 1], feed_token=f"t{pk}")
        for pk in learner_ids
    )
    deadlines = PersonalDeadline.objects.bulk_create(
        PersonalDeadline(
            learner_id=pk, rule=rule, opens_on=date(2026, 12, 1), closes_on=TODAY
        )
        for pk in learner_ids
    )
    ReminderDelivery.objects.bulk_create(
        ReminderDelivery(
            deadline=d,
            learner_id=d.learner_id,
            offset="J-1",
            due_at=datetime(2027, 1, 4, 8, 0, tzinfo=UTC),
        )
        for d in deadlines
    )
    return ReminderDelivery.objects.filter(deadline__in=deadlines)


def test_two_senders_share_the_due_reminders_each_sent_once():
    rows = due_reminders(600, code="PARTAGE")
    with SmtpSink() as sink:
        worker = Worker(
            concurrency=2,
            env={
                "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
                "REMINDERS_SENDERS": "2",
            },
        )
        with real_broker(queue=worker.queue):
            worker.start()
            try:
                reminders_dispatch.delay(NOW)
                wait_for(
                    lambda: not rows.filter(status=DeliveryStatus.PENDING).exists(),
                    180,
                    "600 rappels envoyés",
                )
                wait_for(lambda: sink.handler.count() >= 600, 10, "600 messages")
                time.sleep(1)  # anything sent twice would show up now
            finally:
                worker.stop()
    ids = [message["Message-ID"] for message in sink.messages]
    assert len(ids) == len(set(ids)) == 600
    assert rows.filter(status=DeliveryStatus.SENT).count() == 600
    # Both senders worked, each on its own SMTP connection.
    assert len(set(sink.handler.peers)) >= 2


def test_bad_rows_fail_alone_through_a_real_worker():
    good = due_reminders(200, code="BONNE")
    # A title with a line break cannot be an e-mail subject (header injection).
    broken = due_reminders(3, code="CASSEE", title="Un titre\nBcc: pirate@exemple.fr")
    refused = good.order_by("pk").first()
    with SmtpSink() as sink:
        sink.handler.refuse[refused.learner.email] = "550 5.1.1 Boîte inconnue"
        worker = Worker(env={"EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"})
        with real_broker(queue=worker.queue):
            worker.start()
            try:
                reminders_dispatch.delay(NOW)
                wait_for(
                    lambda: (
                        not ReminderDelivery.objects.filter(
                            status=DeliveryStatus.PENDING
                        ).exists()
                    ),
                    120,
                    "plus rien à envoyer",
                )
            finally:
                worker.stop()
    assert sink.handler.count() == 199
    assert good.filter(status=DeliveryStatus.SENT).count() == 199
    assert [row.status for row in broken] == [DeliveryStatus.FAILED] * 3
    assert all("impossible à préparer" in row.last_error for row in broken)
    refused.refresh_from_db()
    assert refused.status == DeliveryStatus.FAILED
    assert "550" in refused.last_error
