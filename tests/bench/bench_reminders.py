"""Background-work benchmarks, against PostgreSQL, Redis, real Celery workers (and
beat) and a real SMTP server on loopback. Run with `make bench` (figures go to the
README by hand).

1. The due-scan (a sender's read of the next 100 due reminders) at 10,000 and
   100,000 learners with their computed deadlines: it must stay flat.
2. The nightly sweep through Celery with 2 worker processes, at 10,000 and 100,000
   learners: learners per second, and the cost per learner (it must stay flat).
3. "Le matin de Parcoursup": N reminders (100,000 by default) due at the same
   minute, delivered by the real beat and workers into the SMTP sink, with 1 then 2
   worker processes; and a bare smtplib loop sending the same messages, pre-rendered,
   over one connection, in the same run.

Options: `--messages N` for part 3; `--sizes 10000,100000` for parts 1 and 2;
`--skip-sweep`, `--skip-morning`.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.bench.database import bench_django

BENCH_DB = bench_django("majorite_prete_bench")

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import LearnerProfile, User
from demo.deadlines import deadline_rules_load
from reminders.models import (
    DeadlineRule,
    DeadlineSweep,
    DeliveryStatus,
    PersonalDeadline,
    ReminderDelivery,
    ReminderSettings,
)
from reminders.services import (
    _deliveries,
    _due_batch,
    _due_batch_query,
    occurrences_for,
)
from territories.models import Commune

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)  # 10:30 in Paris
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


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def due_scan_ms(repeat: int = 200) -> float:
    """Median time of a sender's read of the next batch of due reminders."""
    rules = {rule.pk: rule for rule in DeadlineRule.objects.all()}
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert len(_due_batch(NOW, rules)) == 100
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def explain() -> str:
    return _due_batch_query(NOW).explain()


def make_due(count: int) -> list[int]:
    """`count` pending reminders (one per learner as far as they go) due at NOW;
    every other reminder is pushed to later."""
    # Nothing else due, whatever the real clock says (the beat runs on it).
    far = max(NOW, timezone.now()) + timedelta(days=1)
    ReminderDelivery.objects.filter(due_at__lte=far).update(
        due_at=far + timedelta(days=400)
    )
    one_per_learner, others = {}, []
    for pk, learner_id in (
        ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .order_by("pk")
        .values_list("pk", "learner_id")
        .iterator(chunk_size=10_000)
    ):
        if learner_id in one_per_learner:
            others.append(pk)
        else:
            one_per_learner[learner_id] = pk
        if len(one_per_learner) == count:
            break
    # Learners past the age of every rule have none: a second reminder of others.
    ids = list(one_per_learner.values()) + others[: count - len(one_per_learner)]
    for start in range(0, len(ids), 10_000):
        ReminderDelivery.objects.filter(pk__in=ids[start : start + 10_000]).update(
            due_at=NOW - timedelta(minutes=1)
        )
    return ids


def celery_env(queue: str, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **{key: str(value) for key, value in extra.items()},
    }


def start_worker(queue: str, processes: int, **env) -> subprocess.Popen:
    pool = ["--pool=solo"] if processes == 1 else ["--concurrency", str(processes)]
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "majority_ready", "worker", *pool]
        + ["-Q", queue, "--without-gossip", "--without-mingle"]
        + [
            "--without-heartbeat",
            "--loglevel=" + os.environ.get("BENCH_LOG", "WARNING"),
        ],
        cwd=ROOT,
        env=celery_env(queue, LOG_LEVEL=os.environ.get("BENCH_LOG", "WARNING"), **env),
        start_new_session=True,
    )
    time.sleep(4)  # connected and ready before the clock starts
    return worker


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def sweep_benchmark(learners: int) -> None:
    """The nightly sweep through 2 worker processes: calendars already computed, as
    every night after the first."""
    from reminders.services import deadlines_sweep

    queue = f"bench-sweep-{learners}"
    worker = start_worker(queue, processes=2)
    from majority_ready.celery import app

    app.conf.task_default_queue = queue
    try:
        started = time.perf_counter()
        sweep = deadlines_sweep(today=TODAY)
        while not DeadlineSweep.objects.get(pk=sweep.pk).finished_at:
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        stop(worker)
    per_second = sweep.learners / elapsed
    print(
        f"recalcul de nuit, {sweep.learners} jeunes en {sweep.chunks} lots, "
        f"2 processus : {elapsed:.1f} s, {per_second:.0f} jeunes/s, "
        f"{2000 / per_second:.2f} ms de processus par jeune",
        flush=True,
    )


def morning_run(due_ids: list[int], processes: int, sink) -> float:
    """The beat wakes `processes` senders every 5 s; returns messages per second
    from the beat's start to the last message received."""
    ReminderDelivery.objects.filter(pk__in=due_ids).update(
        status=DeliveryStatus.PENDING, sent_at=None, attempts=0
    )
    sink.reset()
    queue = f"bench-morning-{processes}"
    env = {
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "REMINDERS_SENDERS": processes,
        "REMINDERS_DISPATCH_EVERY": 5,
        # The beat's clock is the real one: the morning may be run at night.
        "REMINDERS_QUIET_HOURS": "",
    }
    worker = start_worker(queue, processes, **env)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "majority_ready", "beat"]
            + ["-s", f"{folder}/beat-schedule", "--loglevel=WARNING"],
            cwd=ROOT,
            env=celery_env(queue, **env),
            start_new_session=True,
        )
        try:
            while sink.count() < len(due_ids):
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
        finally:
            stop(beat)
            stop(worker)
    ids = sink.message_ids(expected=len(due_ids))
    assert len(ids) == len(set(ids)) == len(due_ids), (
        f"doublons ou pertes : {len(ids)} messages, {len(set(ids))} différents, "
        f"{len(due_ids)} rappels"
    )
    return len(due_ids) / elapsed


def morning_benchmark(count: int) -> None:
    import smtplib

    from reminders.emails import ReminderTexts, reminder_message
    from tests.smtp_sink import ForkingSmtpSink

    due_ids = make_due(count)
    assert len(due_ids) == count, len(due_ids)
    texts = ReminderTexts()
    payloads = []
    for start in range(0, count, 5000):
        for delivery in ReminderDelivery.objects.filter(
            pk__in=due_ids[start : start + 5000]
        ).select_related("deadline__rule", "learner"):
            message = reminder_message(delivery, texts=texts)
            payloads.append(
                (
                    message.from_email,
                    message.recipients(),
                    message.message().as_bytes(linesep="\r\n"),
                )
            )
    print(f"{count} messages rendus pour la boucle nue", flush=True)

    with ForkingSmtpSink() as sink:
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for sender, recipients, data in payloads:
                smtp.sendmail(sender, recipients, data)
        bare = count / (time.perf_counter() - started)
        del payloads
        print(f"boucle smtplib nue (1 connexion) : {bare:.0f} messages/s", flush=True)
        rates = {}
        for processes in (1, 2):
            rates[processes] = morning_run(due_ids, processes, sink)
            print(
                f"beat + worker à {processes} processus : "
                f"{rates[processes]:.0f} messages/s",
                flush=True,
            )
    print(f"2 processus / 1 processus : {rates[2] / rates[1]:.2f}")
    print(f"rapport 2 processus / boucle nue : {rates[2] / bare:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-morning", action="store_true")
    options = parser.parse_args()

    call_command("import_communes", str(ROOT / "territories/data/communes-perche.csv"))
    deadline_rules_load()
    rules = list(DeadlineRule.objects.prefetch_related("windows"))
    commune = Commune.objects.get(insee_code="28280")

    started, present = time.perf_counter(), 0
    for size in (int(size) for size in options.sizes.split(",")):
        add_learners(present, size - present, rules, commune)
        present = size
        make_due(1000)
        analyze()
        print(f"{size} jeunes prêts en {time.perf_counter() - started:.0f} s")
        print(explain())
        print(
            f"due-scan, {size} jeunes ({ReminderDelivery.objects.count()} rappels) : "
            f"{due_scan_ms():.2f} ms (médiane)",
            flush=True,
        )
        if not options.skip_sweep:
            sweep_benchmark(size)
    if not options.skip_morning:
        morning_benchmark(options.messages)


if __name__ == "__main__":
    import signal

    from django.conf import settings

    # Stopped from outside (timeout, Ctrl-C): the `finally` blocks stop the workers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from majority_ready.celery import app

    app.conf.task_always_eager = False
    main()
