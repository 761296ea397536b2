import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from core.models import Heartbeat
from core.tasks import heartbeat_record
from majority_ready.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_ok_with_database_and_broker_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "up",
        "broker": "up",
        "worker_last_seen": None,
    }


@pytest.mark.django_db
def test_healthz_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.HEALTHZ_BROKER_TIMEOUT = 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "up"


@pytest.mark.django_db
def test_healthz_embedded_mode_has_no_broker(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "in-process"


@pytest.mark.django_db
def test_heartbeat_task_is_idempotent():
    heartbeat_record("ici")
    heartbeat_record("ici")
    assert Heartbeat.objects.filter(name="ici").count() == 1


def _worker_env(queue: str) -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="majority_ready.settings.test",
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}"
        ),
        CELERY_BROKER_URL=celery_app.conf.broker_url,
    )
    return env


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real Celery worker, in its own process, on the real Redis and on the test
    PostgreSQL database, listening on a queue of its own."""
    queue = f"test-{uuid.uuid4().hex}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "majority_ready",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=_worker_env(queue),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield queue
    celery_app.conf.task_always_eager = eager
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout:
        process.stdout.close()


def test_real_worker_runs_a_task_that_writes_to_postgresql(celery_worker_process):
    assert connection.vendor == "postgresql"
    heartbeat_record.apply_async(args=["worker-de-test"], queue=celery_worker_process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Heartbeat.objects.filter(name="worker-de-test").exists():
            break
        time.sleep(0.2)
    assert Heartbeat.objects.filter(name="worker-de-test").exists()
