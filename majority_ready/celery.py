import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "majority_ready.settings.base")

app = Celery("majority_ready")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks are idempotent (they select work by state), so a message is acknowledged
# only once the task has run, and the message of a worker that died (SIGKILL, out of
# memory) is delivered again. A task stopped by its time limit is acknowledged and
# not delivered again: what it left undone is found again from the database (the
# senders' next tick, the sweep's resume task).
app.conf.task_acks_late = True
app.conf.task_reject_on_worker_lost = True
app.autodiscover_tasks()


@worker_process_init.connect
def startup_objects_freeze(**kwargs) -> None:
    """What a worker process holds once started (Django, Wagtail, the apps: some
    250,000 objects) lives as long as the process: frozen, it is left out of every
    full garbage collection, which otherwise walks it all (~150 ms) now and then in
    the middle of a batch."""
    gc.collect()
    gc.freeze()
