import time

import pytest
from django.db import connection

from core.models import Heartbeat
from core.tasks import heartbeat_record
from tests.workers import Worker, real_broker


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


@pytest.fixture
def celery_worker_process(transactional_db):
    worker = Worker(env={"DJANGO_SETTINGS_MODULE": "majority_ready.settings.test"})
    worker.start()
    with real_broker():
        yield worker.queue
    worker.stop()


def test_real_worker_runs_a_task_that_writes_to_postgresql(celery_worker_process):
    assert connection.vendor == "postgresql"
    heartbeat_record.apply_async(args=["worker-de-test"], queue=celery_worker_process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Heartbeat.objects.filter(name="worker-de-test").exists():
            break
        time.sleep(0.2)
    assert Heartbeat.objects.filter(name="worker-de-test").exists()
