from celery import shared_task

from . import services


@shared_task(acks_late=True)
def reminders_send_due() -> int:
    return services.reminders_send_due()


@shared_task(acks_late=True)
def deadlines_sweep() -> int:
    return services.deadlines_sweep()
