from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.utils import timezone

from .models import ChunkState, Heartbeat, JournalEntry


def journal_entry(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    details: dict | None = None,
) -> JournalEntry:
    """One journal entry, not saved yet: `journal_record` saves one, a service that
    writes many rows at once bulk-creates theirs."""
    return JournalEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        details=details or {},
    )


def journal_record(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    details: dict | None = None,
) -> JournalEntry:
    """Append one entry to the journal (call it inside the service's transaction)."""
    entry = journal_entry(actor=actor, action=action, target=target, details=details)
    entry.save(force_insert=True)
    return entry


@dataclass
class UpsertCounts:
    """What an import did, row by row (see `row_upsert`)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def row_upsert(
    model: type[models.Model],
    current: models.Model | None,
    *,
    key: dict[str, Any],
    values: dict[str, Any],
    counts: UpsertCounts,
) -> None:
    """Create the row, update the fields that changed, or leave it as it is."""
    if current is None:
        model.objects.create(**key, **values)
        counts.created += 1
    elif any(getattr(current, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(current, name, value)
        current.save()
        counts.updated += 1
    else:
        counts.unchanged += 1


def heartbeat_record(*, name: str, now: datetime | None = None) -> Heartbeat:
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"last_seen_at": now or timezone.now()}
    )
    return heartbeat


def chunks_resume(
    chunks: models.QuerySet,
    *,
    now: datetime,
    stale_after: timedelta,
    max_resumes: int,
) -> tuple[list[int], list[models.Model]]:
    """The chunks of a large job (rows with `state`, `resumes`, `enqueued_at` and
    `last_error`) still pending `stale_after` after being handed to the workers:
    their message was lost or their worker died. Inside the caller's transaction,
    each is locked (one resumer takes it) and handed again, or given up past
    `max_resumes` runs. Returns the ids to hand again and the chunks given up; the
    caller enqueues the first, after the commit, and logs the second."""
    stale = list(
        chunks.select_for_update(skip_locked=True, of=("self",))
        .filter(state=ChunkState.PENDING, enqueued_at__lte=now - stale_after)
        .order_by("enqueued_at")
    )
    again, given_up = [], []
    for chunk in stale:
        chunk.resumes += 1
        if chunk.resumes > max_resumes:
            chunk.state = ChunkState.FAILED
            chunk.last_error = "abandonné après plusieurs essais (délai dépassé)"
            given_up.append(chunk)
        else:
            chunk.enqueued_at = now
            again.append(chunk.pk)
    chunks.model.objects.bulk_update(
        stale, ["resumes", "state", "enqueued_at", "last_error"]
    )
    return again, given_up
