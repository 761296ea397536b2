from datetime import datetime

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def reminders_send_due(now: str | None = None) -> int:
    """`now` (ISO 8601) lets a drill or a catch-up run use a chosen clock."""
    return services.reminders_send_due(now=datetime.fromisoformat(now) if now else None)


@shared_task(acks_late=True)
def deadlines_sweep() -> int:
    return services.deadlines_sweep()
