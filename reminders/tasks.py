"""Thin tasks: ids and ISO strings in, one service call, safe to run twice."""

import logging
from datetime import datetime

from celery import shared_task

from . import services
from .models import SweepTrigger

logger = logging.getLogger(__name__)


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@shared_task(acks_late=True)
def reminders_dispatch(now: str | None = None) -> int:
    return services.reminders_dispatch(now=_moment(now))


@shared_task(bind=True, acks_late=True)
def reminders_send_due(
    self, now: str | None = None, share: int = 0, shares: int = 1
) -> int:
    """`now` (ISO 8601) lets a drill or a catch-up run use a chosen clock; `share`
    of `shares` is this sender's part of the due rows. A sender that spent its time
    budget hands over to a fresh one on the same queue, with the same share, rather
    than wait for the next tick."""
    run = services.reminders_send_due(now=_moment(now), share=(share, shares))
    if run.exhausted:
        queue = (self.request.delivery_info or {}).get("routing_key")
        self.apply_async(
            args=[now], kwargs={"share": share, "shares": shares}, queue=queue
        )
    return run.sent


@shared_task(acks_late=True)
def deadlines_sweep(trigger: str = SweepTrigger.NIGHTLY) -> int:
    return services.deadlines_sweep(trigger=trigger).pk


@shared_task(acks_late=True)
def deadlines_sweep_chunk(chunk_id: int) -> int:
    return services.deadlines_sweep_chunk(chunk_id=chunk_id)


@shared_task(acks_late=True)
def deadlines_sweep_resume() -> int:
    return services.deadlines_sweep_resume()
