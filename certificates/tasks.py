"""Thin tasks: ids in, one service call, safe to run twice."""

import smtplib

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def certificate_issue(learner_id: int) -> str | None:
    outcome = services.certificate_issue(learner_id=learner_id)
    return str(outcome.certificate.pk) if outcome.certificate else None


# A mail server that refuses or cannot be reached: tried again up to 1, 2, 4…
# minutes later (at most 10, with jitter), 8 times, under an hour in all; then
# certificate_notifications_resume queues it again.
@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=600,
    max_retries=8,
)
def certificate_notify(certificate_ids: list[str], kind: str) -> int:
    return services.certificate_notify(certificate_ids=certificate_ids, kind=kind)


@shared_task(acks_late=True)
def certificate_notifications_resume() -> int:
    return services.certificate_notifications_resume()


@shared_task(acks_late=True)
def issuance_sweep() -> int:
    return services.issuance_sweep().pk


@shared_task(acks_late=True)
def issuance_chunk_run(chunk_id: int) -> int:
    return services.issuance_chunk_run(chunk_id=chunk_id)


@shared_task(acks_late=True)
def issuance_chunks_resume() -> int:
    return services.issuance_chunks_resume()
