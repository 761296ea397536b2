"""Certificate issuance benchmarks, against PostgreSQL, Redis and real Celery
workers on loopback. Run with `make bench-certificates` (figures go to the README by
hand).

1. In one process: certificates per second (eligibility, PDF render, signature,
   store), through the path every batch and the sweep take (chunks of 50 learners
   through `issuance_chunk_run`), then one learner at a time (`certificate_issue`,
   after an attainment), each round of 50 followed by as many of the same page drawn
   by the same code (ReportLab and segno: `certificate_pdf`) with nothing else; the
   ratios to that bare loop, elapsed and CPU time.
2. A batch of N eligible learners (10,000 by default) end to end through Celery with
   2 worker processes: launch, chunks, every certificate stored.

Options: `--single N` (learners for each path of part 1, 500), `--chunk N` (50),
`--batch N`, `--skip-batch`. Environment: BENCH_DATABASE (a database name of your
own, dropped and made again), CELERY_BROKER_URL (default redis://127.0.0.1:6379/14).

The learners' e-mails are tasks of their own (one per chunk, one per learner alone).
Part 1 counts queuing them; in part 2 the workers write them (templates, message) and
hand them to Django's in-memory backend, after the batch's chunks (both times are
shown): the SMTP exchange itself is not counted.
"""

import argparse
import os
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.bench.database import bench_django

# A key for benchmarks only (the workers inherit it).
os.environ.setdefault(
    "CERTIFICATES_SIGNING_KEY", "z3u2i5muLyMNUJJQjpn5tmsfb9H4cXggceJvMGPB7b6S9kZ4"
)
# E-mails to memory (the workers inherit it): no mail server in a benchmark.
os.environ.setdefault("EMAIL_URL", "memory://")
# Every task of the run, the e-mails included, on a queue of its own.
QUEUE = "bench-certificates"
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = QUEUE
BENCH_DB = bench_django("majorite_prete_bench_certificates")

from datetime import timedelta

from django.utils import timezone

from accounts.models import LearnerProfile, User
from assessments.models import Attainment, AttainmentSource
from certificates.credentials import CompetencyLine
from certificates.models import (
    BatchTrigger,
    Certificate,
    IssuanceBatch,
    IssuanceChunk,
)
from certificates.pdf import CertificatePage, certificate_pdf
from certificates.services import (
    certificate_issue,
    issuance_batch_launch,
    issuance_chunk_run,
)
from curriculum.models import Competency, Framework
from majority_ready.celery import startup_objects_freeze
from territories.models import EPCI, Commune, Pilot


def territory_and_framework():
    epci = EPCI.objects.create(siren="200006971", name="CC du Perche")
    commune = Commune.objects.create(
        insee_code="28280",
        name="Nogent-le-Rotrou",
        departement="28",
        postcodes="28400",
        latitude=48.32,
        longitude=0.82,
        epci=epci,
    )
    today = timezone.localdate()
    Pilot.objects.create(
        epci=epci,
        name="Pilote",
        starts_on=today.replace(year=today.year - 1),
        ends_on=today.replace(year=today.year + 1),
    )
    competencies = [
        Competency.objects.create(
            code=f"BENCH-{n:02d}",
            label=f"Savoir mener la démarche administrative n°{n} jusqu'au bout",
            description="-",
            requires_in_person=n % 4 == 0,
        )
        for n in range(1, 18)
    ]
    framework = Framework(version=1)
    framework.save()
    framework.competencies.set(competencies)
    framework.save()
    Framework.objects.filter(pk=framework.pk).update(
        published_at=timezone.now() - timedelta(days=1)
    )
    framework.refresh_from_db()
    return commune, framework


def eligible_learners(commune, framework, count: int, prefix: str) -> list[int]:
    today = timezone.localdate()
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@exemple.fr", first_name=f"Jeune{n}", last_name="Bench")
        for n in range(count)
    )
    LearnerProfile.objects.bulk_create(
        LearnerProfile(
            user=user, birth_date=today.replace(year=today.year - 17), commune=commune
        )
        for user in users
    )
    competencies = list(framework.competencies.all())
    now = timezone.now()
    for start in range(0, len(users), 1000):
        Attainment.objects.bulk_create(
            Attainment(
                learner=user,
                competency=c,
                framework=framework,
                source=AttainmentSource.IN_PERSON
                if c.requires_in_person
                else AttainmentSource.QUIZ,
                attained_at=now,
            )
            for user in users[start : start + 1000]
            for c in competencies
        )
    return [user.pk for user in users]


def bare_render(lines: list[CompetencyLine], url: str) -> bytes:
    """The same page drawn by the same code (ReportLab and segno), with nothing
    else: no database, no eligibility, no signature, nothing stored."""
    return certificate_pdf(
        CertificatePage(
            code="CDFGHJKMNP",
            holder="Camille D.",
            issued_at=timezone.now(),
            epci_name="CC du Perche",
            framework_version=1,
            competencies=lines,
            verification_url=url,
        )
    )


class Clock:
    """Elapsed and CPU seconds of this process, added up over the rounds it times
    (PostgreSQL's work is not in the CPU figure, which a busy machine disturbs
    less)."""

    def __init__(self):
        self.elapsed = self.cpu = 0.0

    def time(self, work) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        work()
        self.elapsed += time.perf_counter() - started
        self.cpu += time.process_time() - cpu


def slices(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def chunks_of(ids: list[int], size: int) -> list[int]:
    """Chunks as a batch cuts them (their rows only: this process runs them)."""
    now = timezone.now()
    batch = IssuanceBatch.objects.create(
        trigger=BatchTrigger.MANUAL, started_at=now, learners=len(ids)
    )
    chunks = IssuanceChunk.objects.bulk_create(
        IssuanceChunk(batch=batch, learner_ids=chunk, enqueued_at=now)
        for chunk in slices(ids, size)
    )
    return [chunk.pk for chunk in chunks]


def analyze() -> None:
    """Vacuum and analyze, as the database of a platform in service is: otherwise
    autovacuum wakes on the rows just made and shares the machine with the rounds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def single_process(commune, framework, count: int, chunk_size: int) -> None:
    warm_up, *in_chunks = eligible_learners(commune, framework, count + 1, "tranche")
    first, *alone = eligible_learners(commune, framework, count + 1, "seul")
    chunk_ids = chunks_of(in_chunks, chunk_size)
    lines = [
        CompetencyLine(c.code, c.label, c.requires_in_person)
        for c in framework.competencies.order_by("code")
    ]
    # One of each, untimed: a worker process pays its imports, its broker
    # connection and its key once, not per certificate (over a second here).
    issuance_chunk_run(chunk_id=chunks_of([warm_up], chunk_size)[0])
    certificate_issue(learner_id=first)
    bare_render(lines, "http://127.0.0.1:8000/certificats/verifier/0000000000/")
    analyze()
    startup_objects_freeze()  # as a worker process does once started
    pages = iter(range(2 * count))

    def bare_pages(how_many: int) -> None:
        for n in islice(pages, how_many):
            bare_render(lines, f"http://127.0.0.1:8000/certificats/verifier/{n:010d}/")

    # Each round of certificates is followed by as many bare pages: a virtual
    # machine's speed drifts by a tenth from one second to the next, and both
    # loops see the same drift.
    paths = {
        f"par lots de {chunk_size} (issuance_chunk_run)": [
            (lambda pk=pk: issuance_chunk_run(chunk_id=pk), len(ids))
            for pk, ids in zip(chunk_ids, slices(in_chunks, chunk_size), strict=True)
        ],
        "une à une (certificate_issue)": [
            (
                lambda ids=ids: [certificate_issue(learner_id=pk) for pk in ids],
                len(ids),
            )
            for ids in slices(alone, chunk_size)
        ],
    }
    figures = {}
    for path, rounds in paths.items():
        issued, bare = Clock(), Clock()
        for issue, size in rounds:
            issued.time(issue)
            bare.time(lambda size=size: bare_pages(size))
        figures[path] = issued, bare
    issued = Certificate.objects.filter(learner__in=in_chunks + alone).count()
    assert issued == 2 * count, f"{issued} attestations au lieu de {2 * count}"
    for path, (issued, bare) in figures.items():
        print(
            f"1 processus, {count} attestations {path} : "
            f"{count / issued.elapsed:.1f}/s ({issued.elapsed / count * 1000:.1f} ms "
            f"chacune, {issued.cpu / count * 1000:.1f} ms de CPU) ; boucle nue "
            f"ReportLab + segno entre ses tours : {count / bare.elapsed:.1f}/s "
            f"({bare.elapsed / count * 1000:.1f} ms par page) ; rapport "
            f"{bare.elapsed / issued.elapsed:.2f} (CPU {bare.cpu / issued.cpu:.2f})"
        )


def queue_purge() -> None:
    """Drop the e-mail tasks that no worker took (part 1 has none running)."""
    from majority_ready.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)


def batch_through_celery(commune, framework, count: int) -> None:
    eligible_learners(commune, framework, count, "lot")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "majority_ready", "worker"]
        + ["--concurrency", "2", "-Q", QUEUE, "--without-gossip", "--without-mingle"]
        + ["--without-heartbeat", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    time.sleep(4)
    try:
        started = time.perf_counter()
        batch = issuance_batch_launch(trigger=BatchTrigger.MANUAL)
        while not IssuanceBatch.objects.get(pk=batch.pk).finished_at:
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        # The e-mail tasks queue up behind the batch's chunks: wait for them too.
        unsent = Certificate.objects.filter(
            learner__email__startswith="lot", issue_notified_at__isnull=True
        )
        while unsent.exists():
            time.sleep(0.5)
        mailed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    issued = Certificate.objects.filter(learner__email__startswith="lot").count()
    print(
        f"Lot de {count} par Celery (2 processus) : {issued} attestations en "
        f"{elapsed:.1f} s ({issued / elapsed:.1f}/s), leurs e-mails rédigés et "
        f"remis à {mailed:.1f} s ({issued / mailed:.1f}/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--single", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--skip-batch", action="store_true")
    options = parser.parse_args()
    commune, framework = territory_and_framework()
    try:
        single_process(commune, framework, options.single, options.chunk)
        queue_purge()
        if not options.skip_batch:
            batch_through_celery(commune, framework, options.batch)
    finally:
        queue_purge()


if __name__ == "__main__":
    main()
