"""Drill: a batch of 2,000 eligible learners through real PostgreSQL, Redis and
Celery workers; a worker killed with SIGKILL midway, then Redis restarted (its
queued messages lost). The database is the record: at the end, exactly 2,000
certificates, each with its PDF and credential, none twice."""

import socket
import subprocess
import time
from datetime import timedelta

import pytest
from celery import Celery
from django.utils import timezone
from kombu import Connection, Queue

from accounts.models import LearnerProfile, User
from assessments.models import Attainment, AttainmentSource
from certificates import services
from certificates.models import BatchTrigger, Certificate, ChunkState, IssuanceChunk
from tests.factories import CommuneFactory
from tests.workers import Worker, wait_for

from .people import framework_publish, pilot_epci, years_ago

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

LEARNERS = 2000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A Redis of the drill's own, without persistence: restarting it loses every
    queued message, as a crash would (the shared Redis is left alone)."""

    def __init__(self):
        self.port = _free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, 10, "Redis démarré")
        return self

    def _answers(self) -> bool:
        return (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"],
                capture_output=True,
                check=False,
            ).stdout.strip()
            == b"PONG"
        )

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _eligible_learners(framework, epci) -> None:
    commune = CommuneFactory(epci=epci)
    users = User.objects.bulk_create(
        User(email=f"exercice{n}@exemple.fr", first_name=f"Jeune{n}")
        for n in range(LEARNERS)
    )
    LearnerProfile.objects.bulk_create(
        LearnerProfile(user=user, birth_date=years_ago(17), commune=commune)
        for user in users
    )
    now = timezone.now()
    Attainment.objects.bulk_create(
        Attainment(
            learner=user,
            competency=competency,
            framework=framework,
            source=AttainmentSource.IN_PERSON
            if competency.requires_in_person
            else AttainmentSource.QUIZ,
            attained_at=now,
        )
        for user in users
        for competency in framework.competencies.all()
    )


def test_a_killed_worker_and_a_restarted_redis_lose_nothing_and_double_nothing(
    monkeypatch,
):
    framework = framework_publish()
    epci = pilot_epci()
    _eligible_learners(framework, epci)
    # The chunks' messages go through the drill's Redis, sent below.
    monkeypatch.setattr(services, "_chunks_enqueue", lambda chunk_ids: None)
    batch = services.issuance_batch_launch(
        trigger=BatchTrigger.MANUAL, epci=epci, chunk_size=50
    )
    assert batch.learners == LEARNERS
    chunk_ids = list(batch.chunks.values_list("pk", flat=True))
    certificates = Certificate.objects.filter(framework=framework)
    pending = IssuanceChunk.objects.filter(batch=batch, state=ChunkState.PENDING)

    redis = PrivateRedis().start()
    sender = Celery(set_as_current=False)  # the project's app stays the current one
    # A chunk pending for 20 s is taken for lost (10 minutes in production).
    # E-mails (a task per certificate) to memory: no mail server in the drill.
    env = {
        "CELERY_BROKER_URL": redis.url,
        "CERTIFICATES_RESUME_AFTER": "20",
        "EMAIL_URL": "memory://",
    }
    first = Worker(env=env)
    last = Worker(concurrency=2, env=env, queue=first.queue)

    def send(name: str, *args) -> None:
        # An explicit connection: Celery prefers CELERY_BROKER_URL (the tests') to
        # its `broker` argument. The queue is declared, or Redis drops the message.
        with Connection(redis.url) as connection:
            sender.send_task(
                f"certificates.tasks.{name}",
                args=args,
                queue=first.queue,
                connection=connection,
                declare=[Queue(first.queue)],
            )

    try:
        for chunk_id in chunk_ids:
            send("issuance_chunk_run", chunk_id)
        first.start()
        wait_for(lambda: certificates.count() >= 400, 180, "400 attestations")
        first.kill()  # mid-chunk: its transaction is rolled back
        killed_at = certificates.count()

        last.start()
        wait_for(lambda: certificates.count() >= 1000, 180, "1 000 attestations")
        redis.stop()  # every queued message is lost
        time.sleep(1)
        redis.start()
        # What the beat does every few minutes: hand the stale chunks out again.
        deadline = time.monotonic() + 300
        while pending.exists() and time.monotonic() < deadline:
            send("issuance_chunks_resume")
            time.sleep(10)
        assert not pending.exists(), "des lots sont restés à faire"
    finally:
        first.kill()
        last.stop()
        redis.stop()

    assert killed_at < LEARNERS
    assert certificates.count() == LEARNERS
    assert certificates.values("learner").distinct().count() == LEARNERS
    assert not certificates.filter(pdf=b"").exists()
    assert certificates.filter(
        credential__proof__cryptosuite="eddsa-jcs-2022"
    ).count() == (LEARNERS)
    assert certificates.values("code").distinct().count() == LEARNERS
    assert certificates.values("status_index").distinct().count() == LEARNERS
    assert not IssuanceChunk.objects.filter(
        batch=batch, state=ChunkState.FAILED
    ).exists()
    assert timezone.now() - batch.started_at < timedelta(minutes=15)
