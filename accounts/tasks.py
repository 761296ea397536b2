from dataclasses import asdict
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.utils.module_loading import import_string

from . import services


# Thousands of accounts may be due at once, hence longer limits than the default;
# a run stopped half-way is finished by the next (each batch is committed).
@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def inactive_accounts_purge(now: str | None = None) -> dict:
    """`now` (ISO 8601) lets a catch-up run use a chosen clock."""
    report = services.inactive_accounts_purge(
        now=datetime.fromisoformat(now) if now else None
    )
    return asdict(report)


@shared_task(acks_late=True)
def sessions_clear_expired() -> None:
    import_string(f"{settings.SESSION_ENGINE}.SessionStore").clear_expired()
