"""Thin tasks: ids in, one service call, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def certificate_issue(learner_id: int) -> str | None:
    outcome = services.certificate_issue(learner_id=learner_id)
    return str(outcome.certificate.pk) if outcome.certificate else None


@shared_task(acks_late=True)
def issuance_sweep() -> int:
    return services.issuance_sweep().pk


@shared_task(acks_late=True)
def issuance_chunk_run(chunk_id: int) -> int:
    return services.issuance_chunk_run(chunk_id=chunk_id)


@shared_task(acks_late=True)
def issuance_chunks_resume() -> int:
    return services.issuance_chunks_resume()
