from django.conf import settings
from django.db import connection

from majority_ready.celery import app as celery_app

from .models import Heartbeat


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means "down" for a health check
        return "down"
    return "up"


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER and not settings.CELERY_BROKER_URL:
        return "in-process"
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(
                max_retries=0, timeout=settings.HEALTHZ_BROKER_TIMEOUT
            )
    except Exception:  # noqa: BLE001 - any failure means "down" for a health check
        return "down"
    return "up"


def heartbeat_latest() -> Heartbeat | None:
    return Heartbeat.objects.order_by("-last_seen_at").first()
