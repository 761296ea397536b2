import socket

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def heartbeat_record(name: str = "") -> None:
    services.heartbeat_record(name=name or socket.gethostname())
