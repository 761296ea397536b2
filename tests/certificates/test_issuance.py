"""Issuing: once per learner and version, whatever the retries; the PDF and the
signed credential with it; the e-mail; batches, the sweep and their progress."""

import io
import json
import threading
from datetime import timedelta

import pypdf
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.events import attainment_recorded_notify
from certificates import codes, services
from certificates.credentials import key_resolve
from certificates.eligibility import (
    certificate_eligibility,
    eligibility_decide,
    eligibility_facts,
)
from certificates.models import (
    BatchTrigger,
    Certificate,
    ChunkState,
    IssuanceBatch,
    IssuanceChunk,
)
from certificates.selectors import issuance_batch_progress_for_user
from certificates.signing import proof_verify
from certificates.verification import credential_check
from core.models import JournalEntry
from curriculum.selectors import framework_competencies
from tests.factories import EPCIFactory, UserFactory

from .people import attain, coordinator_of, learner_in, pilot_epci


def test_an_eligible_learner_gets_one_certificate_with_its_documents(
    ready_learner, framework, epci, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.certificate_issue(learner_id=ready_learner.pk)
    certificate = outcome.certificate
    assert outcome.created
    assert certificate.framework == framework
    assert certificate.epci == epci
    assert codes.code_normalize(certificate.code) == certificate.code
    assert bytes(certificate.pdf).startswith(b"%PDF")
    proof_verify(certificate.credential, resolve=key_resolve)
    assert JournalEntry.objects.filter(
        action="certificates.certificate_issued", target_id=str(certificate.pk)
    ).exists()
    (message,) = mail.outbox
    assert message.to == [ready_learner.email]
    assert "Ton attestation d'autonomie est prête" in message.subject
    assert codes.code_display(certificate.code) in message.body
    assert f"/certificats/verifier/{certificate.code}/" in message.body


def test_the_credential_names_nobody(ready_learner):
    certificate = services.certificate_issue(learner_id=ready_learner.pk).certificate
    text = str(certificate.credential)
    assert ready_learner.email not in text
    assert "Camille" not in text
    (identity,) = certificate.credential["credentialSubject"]["identifier"]
    assert identity["type"] == "IdentityObject"
    assert identity["hashed"] is True
    assert identity["identityHash"].startswith("sha256$")


def test_run_twice_one_certificate_one_email(
    ready_learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.certificate_issue(learner_id=ready_learner.pk)
        second = services.certificate_issue(learner_id=ready_learner.pk)
    assert first.created and not second.created
    assert second.certificate.pk == first.certificate.pk
    assert Certificate.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_ineligible_learner_gets_nothing(learner, framework):
    attain(learner, framework, skip={"TEST-01"})
    outcome = services.certificate_issue(learner_id=learner.pk)
    assert outcome.certificate is None and not outcome.created
    assert not Certificate.objects.exists()
    assert services.certificate_issue(learner_id=987654321).certificate is None


def test_a_taken_code_is_drawn_again(ready_learner, framework, epci, monkeypatch):
    other = learner_in(epci)
    attain(other, framework)
    taken = services.certificate_issue(learner_id=other.pk).certificate.code
    draws = iter([taken, taken, "7KQ3MXW4TP"])
    monkeypatch.setattr(services, "code_new", lambda: next(draws))
    certificate = services.certificate_issue(learner_id=ready_learner.pk).certificate
    assert certificate.code == "7KQ3MXW4TP"
    assert Certificate.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_side_by_side_one_certificate(framework, epci):
    learner = learner_in(epci)
    attain(learner, framework)
    barrier = threading.Barrier(4)
    outcomes, errors = [], []

    def issue():
        try:
            barrier.wait()
            outcomes.append(services.certificate_issue(learner_id=learner.pk))
        except Exception as error:  # noqa: BLE001 (reported by the assertion)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(outcome.created for outcome in outcomes) == 1
    assert Certificate.objects.filter(learner=learner).count() == 1


def test_the_last_attainment_queues_the_issuance_after_commit(
    learner, framework, django_capture_on_commit_callbacks
):
    attain(learner, framework, skip={"TEST-03"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attainment_recorded_notify(learner_id=learner.pk, framework_id=framework.pk)
    assert callbacks == []  # one competency still missing: nothing queued
    attain(learner, framework, skip={"TEST-01", "TEST-02"})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        attainment_recorded_notify(learner_id=learner.pk, framework_id=framework.pk)
    # The queued issuance ran (in-process here), then its e-mail went.
    assert len(callbacks) == 2
    assert Certificate.objects.filter(learner=learner).count() == 1
    assert len(mail.outbox) == 1


def test_rebuilt_documents_keep_code_index_and_salt(ready_learner):
    certificate = services.certificate_issue(learner_id=ready_learner.pk).certificate
    identity = certificate.credential["credentialSubject"]["identifier"][0]
    rebuilt = services.certificate_documents_rebuild(certificate_id=certificate.pk)
    assert rebuilt.code == certificate.code
    assert (
        rebuilt.credential["credentialStatus"]
        == certificate.credential["credentialStatus"]
    )
    assert rebuilt.credential["credentialSubject"]["identifier"][0] == identity
    proof_verify(rebuilt.credential, resolve=key_resolve)
    assert bytes(rebuilt.pdf).startswith(b"%PDF")


def _eligible(epci, framework, count):
    learners = [learner_in(epci) for _ in range(count)]
    for learner in learners:
        attain(learner, framework)
    return learners


def test_a_batch_issues_its_epci_only_in_chunks(
    framework, epci, django_capture_on_commit_callbacks
):
    _eligible(epci, framework, 5)
    not_ready = learner_in(epci)
    attain(not_ready, framework, skip={"TEST-03"})
    elsewhere = pilot_epci(name="CC des Collines du Perche")
    _eligible(elsewhere, framework, 2)
    coordinator = coordinator_of(epci)
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.issuance_batch_launch(
            trigger=BatchTrigger.COORDINATOR,
            epci=epci,
            launched_by=coordinator,
            chunk_size=2,
        )
    assert batch.learners == 5
    assert batch.chunks.count() == 3
    # The chunks' tasks ran after the commit (in-process here).
    assert Certificate.objects.filter(epci=epci).count() == 5
    assert len(mail.outbox) == 5
    assert not Certificate.objects.filter(epci=elsewhere).exists()
    batch.refresh_from_db()
    assert batch.finished_at is not None
    progress = issuance_batch_progress_for_user(user=coordinator, pk=batch.pk)
    assert (progress.issued, progress.to_do, progress.failed) == (5, 0, 0)
    # Another EPCI's coordinator does not see it, nor launch one here.
    other = coordinator_of(elsewhere)
    assert issuance_batch_progress_for_user(user=other, pk=batch.pk) is None
    with pytest.raises(PermissionDenied):
        services.issuance_batch_launch(
            trigger=BatchTrigger.COORDINATOR, epci=epci, launched_by=other
        )


def test_a_chunk_runs_once_and_one_failure_spares_the_others(
    framework, epci, monkeypatch
):
    # Outside captured on-commit callbacks, the chunks' tasks wait for this test.
    learners = _eligible(epci, framework, 3)
    real_pdf = services.certificate_pdf

    def pdf(page):
        if page.holder.startswith("Broken"):
            raise RuntimeError("police introuvable")
        return real_pdf(page)

    learners[1].first_name = "Broken"
    learners[1].save()
    monkeypatch.setattr(services, "certificate_pdf", pdf)
    batch = services.issuance_batch_launch(trigger=BatchTrigger.MANUAL, epci=epci)
    (chunk,) = batch.chunks.all()
    assert services.issuance_chunk_run(chunk_id=chunk.pk) == 2
    assert services.issuance_chunk_run(chunk_id=chunk.pk) == 0
    chunk.refresh_from_db()
    assert (chunk.state, chunk.issued, chunk.failed) == (ChunkState.DONE, 2, 1)
    assert Certificate.objects.count() == 2


def _chunk_of(learners) -> IssuanceChunk:
    now = timezone.now()
    batch = IssuanceBatch.objects.create(
        trigger=BatchTrigger.MANUAL, started_at=now, learners=len(learners)
    )
    return IssuanceChunk.objects.create(
        batch=batch, learner_ids=[learner.pk for learner in learners], enqueued_at=now
    )


def _chunk_queries(epci, framework, count: int) -> int:
    chunk = _chunk_of(_eligible(epci, framework, count))
    with CaptureQueriesContext(connection) as queries:
        assert services.issuance_chunk_run(chunk_id=chunk.pk) == count
    return len(queries)


def test_a_chunk_issues_at_a_number_of_queries_that_does_not_grow(framework, epci):
    framework_competencies(framework)  # read once per process, whichever chunk first
    assert _chunk_queries(epci, framework, 5) == _chunk_queries(epci, framework, 40)
    assert Certificate.objects.count() == 45
    assert (
        JournalEntry.objects.filter(action="certificates.certificate_issued").count()
        == 45
    )


def test_a_chunk_decides_each_learner_as_if_alone(framework, epci):
    ready = learner_in(epci)
    missing = learner_in(epci)
    young = learner_in(epci, age=15)
    outside = learner_in(EPCIFactory(name="CC des Collines"))
    suspended = learner_in(epci, is_active=False)
    certified = learner_in(epci)
    revoked = learner_in(epci)
    for learner in (ready, young, outside, suspended, certified, revoked):
        attain(learner, framework)
    attain(missing, framework, skip={"TEST-02", "TEST-03"})
    held = services.certificate_issue(learner_id=certified.pk).certificate
    services.certificate_revoke(
        certificate_id=services.certificate_issue(learner_id=revoked.pk).certificate.pk,
        actor=coordinator_of(epci),
        reason="Acquis obtenus par erreur.",
    )
    staff = UserFactory()  # no learner profile
    learners = [ready, missing, young, outside, suspended, certified, revoked, staff]
    facts = eligibility_facts(
        learner_ids=[learner.pk for learner in learners], now=timezone.now()
    )
    for learner in learners:
        together = eligibility_decide(learner=learner, facts=facts)
        alone = certificate_eligibility(learner=learner)
        assert together.reasons == alone.reasons
        assert together.reasons or learner in (ready, certified)
        assert (together.epci, together.certificate) == (alone.epci, alone.certificate)
        assert (together.missing, together.in_person) == (
            alone.missing,
            alone.in_person,
        )
    chunk = _chunk_of(learners)
    assert services.issuance_chunk_run(chunk_id=chunk.pk) == 1
    chunk.refresh_from_db()
    assert (chunk.issued, chunk.skipped, chunk.failed) == (1, 7, 0)
    assert Certificate.objects.get(learner=certified) == held
    assert Certificate.objects.filter(learner=ready).exists()
    assert Certificate.objects.count() == 3


def test_a_number_taken_meanwhile_is_drawn_again_one_by_one(
    framework, epci, monkeypatch
):
    learners = _eligible(epci, framework, 3)
    other = _eligible(epci, framework, 1)[0]
    taken = services.certificate_issue(learner_id=other.pk).certificate
    real_draw = services._numbers_draw

    def draw_then_race(certificates):
        real_draw(certificates)
        # Another worker takes the first code between the check and the insertion.
        Certificate.objects.filter(pk=taken.pk).update(code=certificates[0].code)

    monkeypatch.setattr(services, "_numbers_draw", draw_then_race)
    chunk = _chunk_of(learners)
    assert services.issuance_chunk_run(chunk_id=chunk.pk) == 3
    taken.refresh_from_db()
    issued = Certificate.objects.filter(learner__in=learners)
    assert len({certificate.code for certificate in issued} | {taken.code}) == 4
    for certificate in issued:
        text = pypdf.PdfReader(io.BytesIO(bytes(certificate.pdf))).pages[0]
        assert codes.code_display(certificate.code) in text.extract_text()
        proof_verify(certificate.credential, resolve=key_resolve)


def test_lost_chunks_are_resumed_then_given_up(framework, epci):
    _eligible(epci, framework, 2)
    batch = services.issuance_batch_launch(trigger=BatchTrigger.SWEEP)
    later = timezone.now() + timedelta(hours=1)
    assert services.issuance_chunks_resume(now=later) == 1
    for hours in (2, 3, 4):
        services.issuance_chunks_resume(now=later + timedelta(hours=hours))
    chunk = IssuanceChunk.objects.get(batch=batch)
    assert chunk.state == ChunkState.FAILED
    batch.refresh_from_db()
    assert batch.finished_at is not None


def test_the_sweep_command_issues_what_the_workers_have_not(framework, epci):
    _eligible(epci, framework, 3)
    _eligible(EPCIFactory(), framework, 1)  # outside the pilots
    out = io.StringIO()
    call_command("issue_certificates", stdout=out)
    assert Certificate.objects.count() == 3
    assert "3 attestation(s) délivrée(s)" in out.getvalue()
    call_command("issue_certificates", stdout=out)
    assert Certificate.objects.count() == 3


def test_a_deleted_account_leaves_a_tombstone_that_still_verifies(ready_learner):
    from accounts.services import DeletionReason, account_delete

    certificate = services.certificate_issue(learner_id=ready_learner.pk).certificate
    downloaded = certificate.credential
    account_delete(
        user=ready_learner, actor=ready_learner, reason=DeletionReason.OWN_REQUEST
    )
    certificate.refresh_from_db()
    assert certificate.learner is None
    assert bytes(certificate.pdf) == b""
    # Nothing left of the holder's e-mail (the credential held its salted hash)...
    assert certificate.credential == {}
    # ...yet the badge she downloaded still verifies, and is still valid.
    proof_verify(downloaded, resolve=key_resolve)
    checks = credential_check(text=json.dumps(downloaded))
    assert all(check.ok for check in checks), checks


def test_staff_accounts_are_never_certified(framework, epci):
    staff = UserFactory()
    assert services.certificate_issue(learner_id=staff.pk).certificate is None
