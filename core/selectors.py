from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from majority_ready.celery import app as celery_app

from .models import Heartbeat
from .network import client_is_loopback


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


FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# What Django's file backend writes after each message.
MESSAGE_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass(frozen=True)
class OutboxMessage:
    key: str  # the file's name and the message's rank in it
    sent_at: datetime | None
    to: str
    subject: str
    text: str


def dev_outbox_enabled(*, request) -> bool:
    """Embedded mode writes e-mails to files instead of sending them; they are shown
    to this machine only (they hold password reset links and login codes)."""
    return (
        settings.DEBUG
        and settings.EMAIL_BACKEND == FILE_BACKEND
        and client_is_loopback(request)
    )


def _outbox_message(key: str, raw: bytes) -> OutboxMessage:
    message = message_from_bytes(raw, policy=policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    try:
        sent_at = parsedate_to_datetime(message["Date"])
    except (TypeError, ValueError):
        sent_at = None
    if sent_at is not None and sent_at.tzinfo is None:
        # Django dates its e-mails in UTC as "-0000", which reads back naive: the
        # page would show UTC for Paris time.
        sent_at = sent_at.replace(tzinfo=UTC)
    return OutboxMessage(
        key=key,
        sent_at=sent_at,
        to=str(message["To"] or ""),
        subject=str(message["Subject"] or ""),
        text=body.get_content() if body is not None else "",
    )


def dev_outbox() -> list[OutboxMessage]:
    """The e-mails written in embedded mode, newest first ([] when there are none)."""
    folder = Path(settings.EMAIL_FILE_PATH)
    messages = []
    for path in sorted(folder.glob("*.log")):
        for rank, raw in enumerate(path.read_bytes().split(MESSAGE_SEPARATOR)):
            if raw.strip():
                messages.append(_outbox_message(f"{path.stem}~{rank}", raw))
    messages.sort(key=lambda m: (m.sent_at is not None, m.sent_at), reverse=True)
    return messages


def dev_outbox_message(key: str) -> OutboxMessage | None:
    return next((message for message in dev_outbox() if message.key == key), None)
