"""The recomputation of every calendar, in chunks of learners that workers share."""

import logging
import time as time_module
from datetime import date, datetime, timedelta

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.services import chunks_resume

from ..models import (
    ChunkState,
    DeadlineSweep,
    DeadlineSweepChunk,
    SweepTrigger,
)
from .planning import deadlines_compute_many

logger = logging.getLogger(__name__)

SWEEP_CHUNK_MAX_RESUMES = 3


def deadlines_sweep(
    *,
    trigger: str = SweepTrigger.MANUAL,
    today: date | None = None,
    now: datetime | None = None,
    chunk_size: int | None = None,
) -> DeadlineSweep:
    """Recompute every learner's calendar (each night to move the horizon on, and
    after a rule changed): record the sweep and its chunks of learner ids, then
    hand each chunk to a worker."""
    now = now or timezone.now()
    chunk_size = chunk_size or django_settings.DEADLINES_SWEEP_CHUNK
    ids = list(
        get_user_model()
        .objects.filter(learner_profile__isnull=False, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        sweep = DeadlineSweep.objects.create(
            trigger=trigger,
            today=today or timezone.localdate(now),
            started_at=now,
            learners=len(ids),
        )
        chunks = DeadlineSweepChunk.objects.bulk_create(
            DeadlineSweepChunk(
                sweep=sweep,
                first_id=ids[start],
                last_id=ids[min(start + chunk_size, len(ids)) - 1],
                enqueued_at=now,
            )
            for start in range(0, len(ids), chunk_size)
        )
        sweep.chunks = len(chunks)
        if not chunks:
            sweep.finished_at = now
        sweep.save(update_fields=["chunks", "finished_at"])
        _enqueue_chunks([chunk.pk for chunk in chunks])
    logger.info(
        "Recalcul des plannings n°%s (%s) : %s jeunes en %s lots",
        sweep.pk,
        trigger,
        len(ids),
        len(chunks),
    )
    return sweep


def _enqueue_chunks(chunk_ids: list[int]) -> None:
    from ..tasks import deadlines_sweep_chunk

    def enqueue():
        for chunk_id in chunk_ids:
            deadlines_sweep_chunk.delay(chunk_id)

    transaction.on_commit(enqueue)


def deadlines_sweep_chunk(*, chunk_id: int, now: datetime | None = None) -> int:
    """Compute the learners of one chunk, once: a chunk already done, or being done
    by another worker, is left alone. Returns how many learners were computed."""
    started = time_module.monotonic()
    with transaction.atomic():
        chunk = (
            # Only the chunk's row: locking its sweep too would make every other
            # chunk of the sweep look taken.
            DeadlineSweepChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("sweep")
            .filter(pk=chunk_id, state=ChunkState.PENDING)
            .first()
        )
        if chunk is None:
            return 0
        learner_ids = list(
            get_user_model()
            .objects.filter(
                pk__gte=chunk.first_id,
                pk__lte=chunk.last_id,
                learner_profile__isnull=False,
                is_active=True,
            )
            .values_list("pk", flat=True)
        )
        counts = deadlines_compute_many(
            learner_ids=learner_ids, today=chunk.sweep.today
        )
        chunk.state = ChunkState.DONE
        chunk.finished_at = now or timezone.now()
        chunk.learners_done = counts.learners
        chunk.learners_failed = counts.failed
        chunk.seconds = time_module.monotonic() - started
        chunk.save()
    # After the commit: of chunks finishing together, the last sees all of them done.
    _sweep_finish_if_done(chunk.sweep, chunk.finished_at)
    logger.info(
        "Lot %s du recalcul n°%s : %s jeunes (%s en échec) en %.2f s",
        chunk.pk,
        chunk.sweep_id,
        counts.learners,
        counts.failed,
        chunk.seconds,
    )
    return counts.learners


def _sweep_finish_if_done(sweep: DeadlineSweep, now: datetime) -> None:
    left = sweep.chunk_rows.filter(state=ChunkState.PENDING).count()
    if left == 0:
        DeadlineSweep.objects.filter(pk=sweep.pk, finished_at__isnull=True).update(
            finished_at=now
        )


def deadlines_sweep_resume(
    *, now: datetime | None = None, stale_after: timedelta | None = None
) -> int:
    """Hand again to the workers the chunks whose message was lost or whose worker
    died (killed, time limit): pending for longer than a chunk ever takes. A chunk
    that keeps failing is given up after a few runs, and logged."""
    now = now or timezone.now()
    stale_after = stale_after or timedelta(
        seconds=django_settings.DEADLINES_SWEEP_RESUME_AFTER
    )
    with transaction.atomic():
        again, given_up = chunks_resume(
            DeadlineSweepChunk.objects.all(),
            now=now,
            stale_after=stale_after,
            max_resumes=SWEEP_CHUNK_MAX_RESUMES,
        )
        for chunk in given_up:
            logger.error(
                "Lot %s du recalcul n°%s abandonné après %s essais",
                chunk.pk,
                chunk.sweep_id,
                chunk.resumes,
            )
        for sweep in {chunk.sweep for chunk in given_up}:
            _sweep_finish_if_done(sweep, now)
        _enqueue_chunks(again)
    if again:
        logger.warning("%s lot(s) de recalcul relancé(s)", len(again))
    return len(again)
