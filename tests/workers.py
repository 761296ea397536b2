"""Real Celery workers in their own processes, on the real Redis and the test
PostgreSQL database, each listening on a queue of its own."""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from majority_ready.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def database_url_of_tests() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


class Worker:
    def __init__(
        self, *, concurrency: int = 1, env: dict | None = None, queue: str = ""
    ):
        self.queue = queue or f"test-{uuid.uuid4().hex}"
        self.concurrency = concurrency
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "majority_ready.settings.base",
            "DATABASE_URL": database_url_of_tests(),
            "CELERY_BROKER_URL": celery_app.conf.broker_url,
            # What its tasks enqueue stays on its queue.
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        pool = (
            ["--pool=solo"]
            if self.concurrency == 1
            else [
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
            ]
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "majority_ready",
                "worker",
                *pool,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                self.queue,
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, children included
        )
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no clean-up, no goodbye."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def real_broker(queue: str | None = None):
    """Send tasks through the broker instead of running them in-process; tasks that
    name no queue (those a service enqueues) go to `queue` if given."""
    conf = celery_app.conf
    eager, default_queue = conf.task_always_eager, conf.task_default_queue
    conf.task_always_eager = False
    if queue:
        conf.task_default_queue = queue
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_default_queue = eager, default_queue


def wait_for(condition, timeout: float, what: str) -> None:
    """Poll `condition` until it holds; fail saying `what` was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"délai dépassé : {what}")
