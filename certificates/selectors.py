"""Reads: the public verification, the learner's own certificates, and what the
coordination sees of its EPCI (scoped through accounts.permissions)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.permissions import Action, epci_ids_for

from .models import Certificate, ChunkState, IssuanceBatch, IssuanceChunk


def certificate_get_by_code(*, code: str | None) -> Certificate | None:
    """For the public verification: the certificate with its version's
    competencies, never its PDF; None for an unknown or malformed code."""
    if code is None:
        return None
    return (
        Certificate.objects.filter(code=code)
        .select_related("epci", "framework", "learner")
        .prefetch_related("framework__competencies")
        .defer("pdf")
        .first()
    )


def certificate_list_for_learner(*, learner) -> list[Certificate]:
    return list(
        Certificate.objects.filter(learner=learner)
        .select_related("framework", "epci")
        .defer("pdf", "credential")
        .order_by("-issued_at")
    )


def certificate_get_for_learner(*, learner, pk) -> Certificate | None:
    """The learner's own certificate, with its PDF and credential; None for
    anyone else's (a learner never reaches another's)."""
    return Certificate.objects.filter(pk=pk, learner=learner).first()


def status_list_exists(number: int) -> bool:
    return Certificate.objects.filter(status_list=number).exists()


def revoked_status_indexes(number: int) -> set[int]:
    """The revoked entries of revocation list `number`."""
    return set(
        Certificate.objects.filter(status="revoked", status_list=number).values_list(
            "status_index", flat=True
        )
    )


def _scoped(rows: QuerySet, user, action: Action) -> QuerySet:
    allowed = epci_ids_for(user, action)
    return rows if allowed is None else rows.filter(epci_id__in=allowed)


def certificate_list_for_coordinator(*, user, limit: int = 100) -> QuerySet:
    return (
        _scoped(Certificate.objects.all(), user, Action.CERTIFICATE_REVOKE)
        .select_related("epci", "learner", "framework")
        .defer("pdf", "credential")
        .order_by("-issued_at")[:limit]
    )


def certificate_get_for_coordinator(*, user, pk) -> Certificate | None:
    return (
        _scoped(Certificate.objects.all(), user, Action.CERTIFICATE_REVOKE)
        .select_related("epci", "learner", "framework")
        .defer("pdf", "credential")
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class BatchProgress:
    batch: IssuanceBatch
    issued: int
    skipped: int
    failed: int
    to_do: int

    @property
    def finished(self) -> bool:
        return self.batch.finished_at is not None


def issuance_batch_list_for_user(*, user, limit: int = 10) -> QuerySet:
    return (
        _scoped(IssuanceBatch.objects.all(), user, Action.CERTIFICATE_BATCH)
        .select_related("epci")
        .order_by("-started_at")[:limit]
    )


def issuance_batch_progress_for_user(*, user, pk) -> BatchProgress | None:
    batch = (
        _scoped(IssuanceBatch.objects.all(), user, Action.CERTIFICATE_BATCH)
        .select_related("epci")
        .filter(pk=pk)
        .first()
    )
    if batch is None:
        return None
    issued = skipped = failed = to_do = 0
    for state, learner_ids, done, passed, broke in IssuanceChunk.objects.filter(
        batch=batch
    ).values_list("state", "learner_ids", "issued", "skipped", "failed"):
        issued, skipped, failed = issued + done, skipped + passed, failed + broke
        if state == ChunkState.PENDING:
            to_do += len(learner_ids)
        elif state == ChunkState.FAILED:  # given up: none of its learners was done
            failed += len(learner_ids)
    return BatchProgress(
        batch=batch,
        issued=issued,
        skipped=skipped,
        failed=failed,
        to_do=to_do,
    )
