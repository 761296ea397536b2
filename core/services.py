from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from .models import Heartbeat, JournalEntry


def journal_record(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    details: dict | None = None,
) -> JournalEntry:
    """Append one entry to the journal (call it inside the service's transaction)."""
    return JournalEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        details=details or {},
    )


def heartbeat_record(*, name: str, now: datetime | None = None) -> Heartbeat:
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"last_seen_at": now or timezone.now()}
    )
    return heartbeat
