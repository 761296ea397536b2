"""The learner's e-mails (certificate issued, revoked) go from a task, once each,
and a mail server failure is tried again later without touching the certificate."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.utils import timezone

from certificates import services, tasks
from certificates.models import BatchTrigger, Certificate, CertificateStatus

from .people import attain, coordinator_of, learner_in


@pytest.fixture
def certificate(ready_learner):
    # Issued without running the commit callbacks: no e-mail yet.
    return services.certificate_issue(learner_id=ready_learner.pk).certificate


def test_issuing_queues_the_email_after_the_commit(
    ready_learner, django_capture_on_commit_callbacks
):
    with mock.patch.object(tasks.certificate_notify, "delay") as delay:
        with django_capture_on_commit_callbacks() as callbacks:
            certificate = services.certificate_issue(
                learner_id=ready_learner.pk
            ).certificate
        delay.assert_not_called()
        for callback in callbacks:
            callback()
    delay.assert_called_once_with([str(certificate.pk)], "issued")


def test_the_issue_email_goes_once_whatever_the_runs(certificate, ready_learner):
    assert tasks.certificate_notify([str(certificate.pk)], "issued") == 1
    assert tasks.certificate_notify([str(certificate.pk)], "issued") == 0
    (message,) = mail.outbox
    assert message.to == [ready_learner.email]
    certificate.refresh_from_db()
    assert certificate.issue_notified_at is not None


def test_a_mail_server_failure_is_retried_and_sends_nothing(certificate):
    refused = smtplib.SMTPServerDisconnected("le serveur a raccroché")
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=refused),
        mock.patch.object(tasks.certificate_notify, "retry", side_effect=Retry),
        pytest.raises(Retry),
    ):
        tasks.certificate_notify.run([str(certificate.pk)], "issued")
    certificate.refresh_from_db()
    assert certificate.issue_notified_at is None
    assert certificate.status == CertificateStatus.VALID
    # The next try, with the server back, sends it.
    assert tasks.certificate_notify([str(certificate.pk)], "issued") == 1
    assert len(mail.outbox) == 1


def test_the_retries_are_spaced_and_bounded():
    task = tasks.certificate_notify
    assert smtplib.SMTPException in task.autoretry_for
    assert task.retry_backoff and task.max_retries
    assert task.acks_late


def test_the_revocation_email_goes_once(
    certificate, epci, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(
            certificate_id=certificate.pk,
            actor=coordinator_of(epci),
            reason="Obtenue par erreur.",
        )
    assert tasks.certificate_notify([str(certificate.pk)], "revoked") == 0
    (message,) = mail.outbox
    assert "Obtenue par erreur." in message.body
    assert Certificate.objects.get(pk=certificate.pk).revocation_notified_at


def test_no_email_once_the_holder_has_left(certificate, ready_learner):
    ready_learner.delete()
    assert tasks.certificate_notify([str(certificate.pk)], "issued") == 0
    assert mail.outbox == []


def test_a_batch_chunk_queues_one_email_task_for_its_certificates(
    framework, epci, django_capture_on_commit_callbacks
):
    learners = [learner_in(epci, first_name=f"Jeune{n}") for n in range(3)]
    for learner in learners:
        attain(learner, framework)
    with (
        mock.patch.object(tasks.certificate_notify, "delay") as delay,
        mock.patch.object(services, "_chunks_enqueue"),
    ):
        batch = services.issuance_batch_launch(trigger=BatchTrigger.MANUAL)
        with django_capture_on_commit_callbacks(execute=True):
            services.issuance_chunk_run(chunk_id=batch.chunks.get().pk)
    ids = {str(pk) for pk in Certificate.objects.values_list("pk", flat=True)}
    ((sent, kind),) = [call.args for call in delay.call_args_list]
    assert (set(sent), kind) == (ids, "issued") and len(ids) == 3
    # The task sends each of them once, over one connection.
    assert tasks.certificate_notify(sent, kind) == 3
    assert tasks.certificate_notify(sent, kind) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in learners)


def _issued_ago(certificate, delay: timedelta) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_at=timezone.now() - delay
    )


def test_an_email_lost_on_the_way_is_sent_by_the_resume(certificate, ready_learner):
    _issued_ago(certificate, timedelta(hours=3))
    assert services.certificate_notifications_resume() == 1
    (message,) = mail.outbox
    assert message.to == [ready_learner.email]
    # Sent: the next resume has nothing to do.
    assert services.certificate_notifications_resume() == 0
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "delay", [timedelta(minutes=30), timedelta(days=8)], ids=["on-its-way", "stale"]
)
def test_the_resume_leaves_recent_and_stale_emails_alone(certificate, delay):
    _issued_ago(certificate, delay)
    assert services.certificate_notifications_resume() == 0
    assert mail.outbox == []


def test_the_resume_tells_of_the_revocation_not_of_the_issue(
    certificate, epci, ready_learner
):
    # Revoked, and neither e-mail went (no commit callbacks here).
    services.certificate_revoke(
        certificate_id=certificate.pk,
        actor=coordinator_of(epci),
        reason="Obtenue par erreur.",
    )
    moment = timezone.now() - timedelta(hours=3)
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_at=moment, revoked_at=moment
    )
    assert services.certificate_notifications_resume() == 1
    (message,) = mail.outbox
    assert "Obtenue par erreur." in message.body
    certificate.refresh_from_db()
    assert certificate.revocation_notified_at and not certificate.issue_notified_at


def test_the_resume_writes_to_no_one_once_the_holder_has_left(
    certificate, ready_learner
):
    _issued_ago(certificate, timedelta(hours=3))
    ready_learner.delete()
    assert services.certificate_notifications_resume() == 0
    assert mail.outbox == []
