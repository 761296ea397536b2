"""Reminder benchmarks, against PostgreSQL, Redis, real Celery workers and a real
SMTP server on loopback. Run with `make bench` (figures go to the README by hand).

1. The due-scan (the query that claims the next due reminder) at 10,000 and
   100,000 learners with their computed deadlines: it must stay flat.
2. 10,000 reminders sent through Celery to the SMTP sink, in messages per second,
   and as a ratio to a bare smtplib loop sending the same messages to the same sink.

`--send-only` skips the 100,000-learner part.
"""

import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.bench.database import bench_django

BENCH_DB = bench_django("majorite_prete_bench")

from django.core.management import call_command
from django.db import connection, transaction

from accounts.models import LearnerProfile, User
from demo.deadlines import deadline_rules_load
from reminders.models import (
    DeadlineRule,
    DeliveryStatus,
    PersonalDeadline,
    ReminderDelivery,
    ReminderSettings,
)
from reminders.services import _deliveries, occurrences_for
from territories.models import Commune

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
BATCH = 2000


def add_learners(start: int, count: int, rules, commune) -> None:
    """Learners with their deadlines and reminders, computed by the same rules as
    deadlines_compute, inserted in bulk."""
    for offset in range(start, start + count, BATCH):
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(email=f"bench{n}@exemple.fr", first_name="Bench")
                for n in range(offset, min(offset + BATCH, start + count))
            )
            births = [
                date(2006, 1, 1) + timedelta(days=(u.pk * 37) % 3650) for u in users
            ]
            LearnerProfile.objects.bulk_create(
                LearnerProfile(user=u, birth_date=b, commune=commune)
                for u, b in zip(users, births, strict=True)
            )
            ReminderSettings.objects.bulk_create(
                ReminderSettings(
                    learner=u, days_before=[30, 7, 1], feed_token=f"b{u.pk}"
                )
                for u in users
            )
            deadlines = PersonalDeadline.objects.bulk_create(
                PersonalDeadline(
                    learner=u, rule=rule, opens_on=w.opens_on, closes_on=w.closes_on
                )
                for u, b in zip(users, births, strict=True)
                for rule, w in occurrences_for(
                    rules=rules, birth_date=b, events={}, concerns=set(), today=TODAY
                )
            )
            ReminderDelivery.objects.bulk_create(
                (r for d in deadlines for r in _deliveries(d, TODAY)),
                batch_size=5000,
            )


def due_scan_ms(repeat: int = 200) -> float:
    """Median time of the claim query (as reminders_send_due runs it)."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        with transaction.atomic():
            (
                ReminderDelivery.objects.select_for_update(
                    skip_locked=True, of=("self",)
                )
                .select_related("deadline__rule__module", "learner__reminder_settings")
                .filter(status=DeliveryStatus.PENDING, due_at__lte=NOW)
                .order_by("due_at")
                .first()
            )
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def explain() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM reminders_reminderdelivery "
            "WHERE status = 'pending' AND due_at <= %s ORDER BY due_at LIMIT 1",
            [NOW],
        )
        return "\n".join(row[0] for row in cursor.fetchall())


def make_due(count: int) -> None:
    ids = list(
        ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    ReminderDelivery.objects.filter(pk__in=ids).update(due_at=NOW - timedelta(hours=1))


def main() -> None:
    call_command("import_communes", str(ROOT / "territories/data/communes-perche.csv"))
    deadline_rules_load()
    rules = list(DeadlineRule.objects.prefetch_related("windows"))
    commune = Commune.objects.get(insee_code="28280")

    results = {}
    started = time.perf_counter()
    add_learners(0, 10_000, rules, commune)
    if "--send-only" in sys.argv:
        send_benchmark()
        return
    make_due(1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    results["10k"] = (due_scan_ms(), ReminderDelivery.objects.count())
    print(f"10 000 jeunes prêts en {time.perf_counter() - started:.0f} s", flush=True)

    add_learners(10_000, 90_000, rules, commune)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    results["100k"] = (due_scan_ms(), ReminderDelivery.objects.count())
    print(f"100 000 jeunes prêts en {time.perf_counter() - started:.0f} s", flush=True)
    print(explain())
    for size, (ms, rows) in results.items():
        print(
            f"due-scan {size} jeunes ({rows} rappels en base) : {ms:.2f} ms (médiane)"
        )

    send_benchmark()


def send_benchmark(count: int = 10_000) -> None:
    import smtplib

    from reminders.emails import reminder_message
    from reminders.tasks import reminders_send_due
    from tests.smtp_sink import SmtpSink
    from tests.workers import Worker

    ReminderDelivery.objects.filter(due_at__lte=NOW).update(
        due_at=NOW + timedelta(days=400)
    )
    make_due(count)
    due = (
        ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING, due_at__lte=NOW)
        .select_related("deadline__rule__module", "learner__reminder_settings")
        .order_by("pk")
    )
    messages = [reminder_message(d) for d in due]
    assert len(messages) == count, len(messages)

    with SmtpSink() as sink:
        payloads = [
            (m.from_email, m.recipients(), m.message().as_bytes(linesep="\r\n"))
            for m in messages
        ]
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for sender, recipients, data in payloads:
                smtp.sendmail(sender, recipients, data)
        bare = count / (time.perf_counter() - started)
        sink.handler.messages.clear()

        worker = Worker(
            concurrency=2, env={"EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
        ).start()
        time.sleep(3)  # let the worker connect before the clock starts
        started = time.perf_counter()
        # Each task sends up to 1,000 reminders; the beat would wake more.
        for _ in range(count // 1000 + 2):
            reminders_send_due.apply_async(args=[NOW.isoformat()], queue=worker.queue)
        while sink.handler.count() < count:
            time.sleep(0.05)
        celery = count / (time.perf_counter() - started)
        worker.stop()
    print(f"envoi par Celery (2 processus) : {celery:.0f} messages/s")
    print(f"boucle smtplib nue (1 connexion) : {bare:.0f} messages/s")
    print(f"rapport Celery / smtplib : {celery / bare:.2f}")


if __name__ == "__main__":
    from django.conf import settings

    settings.CELERY_TASK_ALWAYS_EAGER = False
    from majority_ready.celery import app

    app.conf.task_always_eager = False
    main()
