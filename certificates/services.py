"""Issuing, rebuilding and revoking certificates, and the batches that issue them."""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from accounts.permissions import Action, user_can
from assessments.models import Attainment
from core.models import JournalEntry
from core.services import chunks_resume, journal_entry, journal_record
from curriculum.models import Competency
from curriculum.selectors import framework_current
from territories.models import EPCI, Pilot

from . import emails
from .codes import code_new
from .credentials import credential_build, identity_salt, verification_url
from .eligibility import (
    MIN_AGE,
    Eligibility,
    birthday,
    certificate_eligibility,
    eligibility_decide,
    eligibility_facts,
)
from .errors import CertificatesError
from .models import (
    STATUS_LIST_FILL,
    STATUS_LIST_SIZE,
    BatchTrigger,
    Certificate,
    CertificateStatus,
    ChunkState,
    IssuanceBatch,
    IssuanceChunk,
)
from .pdf import CertificatePage, certificate_pdf

logger = logging.getLogger(__name__)

# A fresh code and status index are drawn when either is taken (44 bits of code,
# only 17 of index: with thousands of certificates, a second draw is not rare).
CREATE_ATTEMPTS = 8
CHUNK_MAX_RESUMES = 3
REVOCATION_REASON_MAX = 1000


def holder_name(learner) -> str:
    """First name and last initial, as printed: « Camille D. » (or « Camille »)."""
    initial = learner.last_name.strip()[:1].upper()
    return f"{learner.first_name} {initial}." if initial else learner.first_name


def _documents_build(
    certificate: Certificate, *, learner, eligibility: Eligibility, salt: str
) -> None:
    lines = eligibility.competency_lines()
    framework = eligibility.framework
    certificate.credential = credential_build(
        certificate_id=certificate.pk,
        email=learner.email,
        salt=salt,
        framework_name=framework.name,
        framework_version=framework.version,
        competencies=lines,
        epci_name=certificate.epci.name,
        issued_at=certificate.issued_at,
        status_list=certificate.status_list,
        status_index=certificate.status_index,
    )
    certificate.pdf = certificate_pdf(
        CertificatePage(
            code=certificate.code,
            holder=holder_name(learner),
            issued_at=certificate.issued_at,
            epci_name=certificate.epci.name,
            framework_version=framework.version,
            competencies=lines,
            verification_url=verification_url(certificate.code),
        )
    )


@dataclass
class IssueOutcome:
    certificate: Certificate | None
    created: bool
    eligibility: Eligibility | None
    # Why this learner's issuance failed (a batch logs it and goes on).
    error: Exception | None = None


@dataclass
class _Draft:
    """A certificate about to be inserted, and what its documents are made from."""

    certificate: Certificate
    eligibility: Eligibility
    salt: str

    def build(self) -> None:
        _documents_build(
            self.certificate,
            learner=self.certificate.learner,
            eligibility=self.eligibility,
            salt=self.salt,
        )


def _numbers_new(certificate: Certificate) -> None:
    certificate.code = code_new()
    certificate.status_index = secrets.randbelow(STATUS_LIST_SIZE)


def status_list_open() -> int:
    """The revocation list new certificates go into: the last one, until it holds
    STATUS_LIST_FILL certificates (two chunks side by side may add a few more)."""
    last = Certificate.objects.aggregate(last=Max("status_list"))["last"] or 1
    if Certificate.objects.filter(status_list=last).count() >= STATUS_LIST_FILL:
        return last + 1
    return last


def _numbers_draw(certificates: list[Certificate]) -> None:
    """A verification code and a status entry for each, free in the database and
    among them: the open list, then one query for all, then one more for the few
    that drew a taken one (with thousands of a list's indexes in use, a chunk of a
    batch often has one, and a refused insertion costs the chunk its single
    statement)."""
    if not certificates:
        return
    status_list = status_list_open()
    taken_codes, taken_indexes = set(), set()
    pending = certificates
    for _ in range(CREATE_ATTEMPTS):
        if not pending:
            return
        for certificate in pending:
            certificate.status_list = status_list
            _numbers_new(certificate)
        for code, index in Certificate.objects.filter(
            Q(code__in=[c.code for c in pending])
            | Q(
                status_list=status_list,
                status_index__in=[c.status_index for c in pending],
            )
        ).values_list("code", "status_index"):
            taken_codes.add(code)
            taken_indexes.add(index)
        again = []
        for certificate in pending:
            if (
                certificate.code in taken_codes
                or certificate.status_index in taken_indexes
            ):
                again.append(certificate)
            else:
                taken_codes.add(certificate.code)
                taken_indexes.add(certificate.status_index)
        pending = again
    # Still taken after every draw: the insertion one by one tries again, then
    # gives up with a clear error.


def _certificate_save(draft: _Draft) -> bool:
    """Insert one certificate, with a fresh code, status index and documents each
    time either number is taken; False when the learner got a certificate meanwhile
    (the unique constraint has the last word)."""
    certificate = draft.certificate
    for attempt in range(CREATE_ATTEMPTS):
        if attempt:
            _numbers_new(certificate)
            draft.build()
        try:
            with transaction.atomic():
                certificate.save(force_insert=True)
            return True
        except IntegrityError:
            if Certificate.objects.filter(
                learner=certificate.learner, framework=certificate.framework
            ).exists():
                return False
    raise CertificatesError(
        "Impossible de tirer un code de vérification libre : réessayez plus tard."
    )


def _certificates_insert(
    drafts: list[_Draft], outcomes: dict[int, IssueOutcome]
) -> list[_Draft]:
    """Insert the certificates in one statement; when it is refused (a number taken
    meanwhile, a learner certified by other means, a row the database rejects), one
    by one. Returns those inserted; a learner whose insertion fails has the error
    in their outcome."""
    try:
        with transaction.atomic():
            Certificate.objects.bulk_create([draft.certificate for draft in drafts])
        return drafts
    except DatabaseError:
        pass
    inserted = []
    for draft in drafts:
        try:
            if _certificate_save(draft):
                inserted.append(draft)
        except Exception as error:  # noqa: BLE001 (one learner never stops the others)
            outcomes[draft.certificate.learner_id].error = error
    return inserted


def _certificates_issue(
    *, learner_ids: list[int], now: datetime
) -> dict[int, IssueOutcome]:
    """Inside the caller's transaction, issue the certificates of those learners who
    are eligible and hold none under the version in force, at a number of queries
    that does not grow with theirs: their rows locked in one query (in id order,
    so that two batches wait for each other rather than deadlock), what the rules
    read loaded once for all, the certificates and their journal entries inserted
    in one statement each. A learner whose issuance fails has the error in their
    outcome; the others go on. Outcomes by learner id."""
    learners = list(
        get_user_model()
        .objects.select_for_update()
        .filter(pk__in=learner_ids)
        .order_by("pk")
    )
    facts = eligibility_facts(learner_ids=[learner.pk for learner in learners], now=now)
    outcomes = {pk: IssueOutcome(None, False, None) for pk in learner_ids}
    drafts = []
    for learner in learners:
        outcome = outcomes[learner.pk]
        try:
            eligibility = eligibility_decide(learner=learner, facts=facts)
        except Exception as error:  # noqa: BLE001 (one learner never stops the others)
            outcome.error = error
            continue
        outcome.certificate, outcome.eligibility = eligibility.certificate, eligibility
        if eligibility.certificate is None and eligibility.eligible:
            certificate = Certificate(
                learner=learner,
                framework=eligibility.framework,
                epci=eligibility.epci,
                issued_at=now,
            )
            drafts.append(_Draft(certificate, eligibility, identity_salt()))
    _numbers_draw([draft.certificate for draft in drafts])
    built = []
    for draft in drafts:
        try:
            draft.build()
        except Exception as error:  # noqa: BLE001 (one learner never stops the others)
            outcomes[draft.certificate.learner_id].error = error
        else:
            built.append(draft)
    inserted = _certificates_insert(built, outcomes)
    for draft in inserted:
        outcome = outcomes[draft.certificate.learner_id]
        outcome.certificate, outcome.created = draft.certificate, True
    JournalEntry.objects.bulk_create(
        journal_entry(
            actor=None,
            action="certificates.certificate_issued",
            target=draft.certificate,
            details={
                "learner": draft.certificate.learner_id,
                "framework_version": draft.eligibility.framework.version,
                "epci": draft.eligibility.epci.siren,
            },
        )
        for draft in inserted
    )
    return outcomes


def certificate_issue(*, learner_id: int, now: datetime | None = None) -> IssueOutcome:
    """Issue the learner's certificate if they are eligible and have none under the
    version in force (a batch's chunk of one). Safe to run twice or side by side:
    the learner's row is locked, and the unique constraint (learner, version) has
    the last word. The e-mail is queued after the commit."""
    with transaction.atomic():
        outcome = _certificates_issue(
            learner_ids=[learner_id], now=now or timezone.now()
        )[learner_id]
        if outcome.error is not None:
            raise outcome.error
        if outcome.created:
            _notify_after_commit([outcome.certificate.pk], NotificationKind.ISSUED)
    if outcome.created:
        logger.info(
            "Attestation %s délivrée au compte %s", outcome.certificate.pk, learner_id
        )
    return outcome


class NotificationKind(StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"


# Each e-mail, how it is written and the date that says it went.
NOTIFICATIONS = {
    NotificationKind.ISSUED: (emails.certificate_issued_message, "issue_notified_at"),
    NotificationKind.REVOKED: (
        emails.certificate_revoked_message,
        "revocation_notified_at",
    ),
}


def _notify_after_commit(certificate_ids: list, kind: NotificationKind) -> None:
    """The e-mails go from a task, after the commit: a mail server failure never
    undoes a certificate, and the task tries again later."""
    from .tasks import certificate_notify

    if certificate_ids:
        ids = [str(pk) for pk in certificate_ids]
        transaction.on_commit(lambda: certificate_notify.delay(ids, kind))


def certificate_notify(
    *, certificate_ids: list, kind: str, now: datetime | None = None
) -> int:
    """Send each learner the e-mail about their certificate (issued or revoked),
    once: each row is locked and its date checked, then set when the message is
    sent, over one connection to the mail server. A mail server failure raises (the
    task retries; what was sent stays sent). Returns how many were sent (none for
    a certificate already told, or without a holder any more)."""
    build, sent_field = NOTIFICATIONS[NotificationKind(kind)]
    sent = 0
    with mail.get_connection() as connection:
        for certificate_id in certificate_ids:
            with transaction.atomic():
                certificate = (
                    Certificate.objects.select_for_update(of=("self",))
                    .select_related("learner")
                    .defer("pdf", "credential")
                    .filter(pk=certificate_id)
                    .first()
                )
                if (
                    certificate is None
                    or certificate.learner is None
                    or getattr(certificate, sent_field) is not None
                ):
                    continue
                message = build(certificate=certificate)
                message.connection = connection
                message.send()
                setattr(certificate, sent_field, now or timezone.now())
                certificate.save(update_fields=[sent_field])
                sent += 1
    return sent


# An e-mail still unsent this long after its certificate was issued or revoked was
# lost on the way (a broker restarted, a task out of retries): it is queued again.
# The task's own retries end within the hour; the row lock and the sent date keep
# a second try from sending it twice. After a week, news is stale: let go.
NOTIFY_RESUME_AFTER = timedelta(hours=2)
NOTIFY_GIVE_UP_AFTER = timedelta(days=7)
NOTIFY_RESUME_CHUNK = 500


def certificate_notifications_resume(*, now: datetime | None = None) -> int:
    """Queue again the e-mails of the week that never went (the certificate's
    e-mail only while it is valid, the revocation's once revoked), in tasks of
    NOTIFY_RESUME_CHUNK certificates. Returns how many were queued."""
    from .tasks import certificate_notify

    now = now or timezone.now()
    window = (now - NOTIFY_GIVE_UP_AFTER, now - NOTIFY_RESUME_AFTER)
    holders = Certificate.objects.filter(learner__isnull=False)
    lost = {
        NotificationKind.ISSUED: holders.filter(
            status=CertificateStatus.VALID,
            issue_notified_at__isnull=True,
            issued_at__range=window,
        ),
        NotificationKind.REVOKED: holders.filter(
            status=CertificateStatus.REVOKED,
            revocation_notified_at__isnull=True,
            revoked_at__range=window,
        ),
    }
    queued = 0
    for kind, certificates in lost.items():
        ids = [
            str(pk) for pk in certificates.order_by("pk").values_list("pk", flat=True)
        ]
        for start in range(0, len(ids), NOTIFY_RESUME_CHUNK):
            certificate_notify.delay(ids[start : start + NOTIFY_RESUME_CHUNK], kind)
        if ids:
            logger.warning(
                "%s e-mail(s) d'attestation (%s) jamais parti(s), remis en file",
                len(ids),
                kind,
            )
        queued += len(ids)
    return queued


def certificate_issue_after_attainment(*, learner_id: int, framework_id: int) -> None:
    """Called inside the transaction that recorded new attainments: when they may
    complete the learner's framework version, the issuance task is queued after the
    commit (the nightly sweep catches any message lost on the way)."""
    from .tasks import certificate_issue as certificate_issue_task

    attained = Attainment.objects.filter(
        learner_id=learner_id,
        framework_id=framework_id,
        competency__frameworks=framework_id,
    ).count()
    required = Competency.objects.filter(frameworks=framework_id).count()
    if attained >= required:
        transaction.on_commit(lambda: certificate_issue_task.delay(learner_id))


def certificate_documents_rebuild(*, certificate_id, now: datetime | None = None):
    """Render the PDF and sign the credential again from the database: same code,
    same status index, same salt, today's signing key."""
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("learner", "epci", "framework")
            .filter(pk=certificate_id)
            .first()
        )
        if certificate is None or certificate.learner is None:
            raise CertificatesError("Cette attestation n'a plus de titulaire.")
        eligibility = certificate_eligibility(
            learner=certificate.learner, now=certificate.issued_at
        )
        eligibility.framework = certificate.framework
        identifier = certificate.credential["credentialSubject"]["identifier"][0]
        _documents_build(
            certificate,
            learner=certificate.learner,
            eligibility=eligibility,
            salt=identifier["salt"],
        )
        certificate.save(update_fields=["credential", "pdf"])
    return certificate


def certificate_revoke(
    *, certificate_id, actor, reason: str, now: datetime | None = None
) -> Certificate:
    """Revoke, by a coordinator of the certificate's EPCI (or a superuser), with a
    reason kept on the certificate and told to the learner, never published."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise CertificatesError(
            "Indiquez la raison de la révocation : elle est gardée au journal et "
            "envoyée au ou à la jeune, jamais publiée.",
            field="reason",
        )
    if len(reason) > REVOCATION_REASON_MAX:
        raise CertificatesError(
            f"La raison tient en {REVOCATION_REASON_MAX} caractères au plus.",
            field="reason",
        )
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("epci", "learner")
            .defer("pdf")
            .filter(pk=certificate_id)
            .first()
        )
        if certificate is None or not user_can(
            actor, Action.CERTIFICATE_REVOKE, certificate
        ):
            raise PermissionDenied
        if certificate.is_revoked:
            raise CertificatesError("Cette attestation est déjà révoquée.")
        certificate.status = CertificateStatus.REVOKED
        certificate.revoked_at = now
        certificate.revoked_by = actor
        certificate.revocation_reason = reason
        certificate.save(
            update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"]
        )
        journal_record(
            actor=actor,
            action="certificates.certificate_revoked",
            target=certificate,
            # Not the reason: free text that may name the holder, and the journal
            # outlives their account (the certificate forgets it with the account).
            details={"epci": certificate.epci.siren},
        )
        if certificate.learner is not None:
            _notify_after_commit([certificate.pk], NotificationKind.REVOKED)
    return certificate


# Batches: the nightly sweep (every EPCI) and a coordinator's batch (one EPCI).


def eligible_learner_ids(*, epci: EPCI | None, now: datetime) -> list[int]:
    """Learners the eligibility rules let through, without a certificate under the
    version in force: one query, re-checked learner by learner when issuing."""
    framework = framework_current(now=now)
    if framework is None:
        return []
    day = timezone.localdate(now)
    pilots = Pilot.objects.active_on(day)
    if epci is not None:
        pilots = pilots.filter(epci=epci)
    required = framework.competencies.count()
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            learner_profile__commune__epci__in=pilots.values("epci"),
            learner_profile__birth_date__lte=birthday(day, -MIN_AGE),
        )
        .exclude(certificates__framework=framework)
        .annotate(
            attained=Count(
                "attainments",
                filter=Q(
                    attainments__framework=framework,
                    attainments__competency__frameworks=framework,
                ),
            )
        )
        .filter(attained=required)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def issuance_batch_launch(
    *,
    trigger: str,
    epci: EPCI | None = None,
    launched_by=None,
    now: datetime | None = None,
    chunk_size: int | None = None,
) -> IssuanceBatch:
    """Find the eligible learners without a certificate and hand them to the workers
    in chunks; a coordinator launches one for their EPCI."""
    now = now or timezone.now()
    chunk_size = chunk_size or settings.CERTIFICATES_CHUNK
    if launched_by is not None and not user_can(
        launched_by, Action.CERTIFICATE_BATCH, epci
    ):
        raise PermissionDenied
    ids = eligible_learner_ids(epci=epci, now=now)
    with transaction.atomic():
        batch = IssuanceBatch.objects.create(
            trigger=trigger,
            epci=epci,
            launched_by=launched_by,
            started_at=now,
            learners=len(ids),
            finished_at=None if ids else now,
        )
        chunks = IssuanceChunk.objects.bulk_create(
            IssuanceChunk(
                batch=batch,
                learner_ids=ids[start : start + chunk_size],
                enqueued_at=now,
            )
            for start in range(0, len(ids), chunk_size)
        )
        if launched_by is not None:
            journal_record(
                actor=launched_by,
                action="certificates.batch_launched",
                target=batch,
                details={"epci": epci.siren if epci else "", "learners": len(ids)},
            )
        _chunks_enqueue([chunk.pk for chunk in chunks])
    logger.info(
        "Lot d'attestations n°%s (%s) : %s jeunes en %s lots",
        batch.pk,
        trigger,
        len(ids),
        len(chunks),
    )
    return batch


def _chunks_enqueue(chunk_ids: list[int]) -> None:
    from .tasks import issuance_chunk_run

    def enqueue():
        for chunk_id in chunk_ids:
            issuance_chunk_run.delay(chunk_id)

    transaction.on_commit(enqueue)


def issuance_chunk_run(*, chunk_id: int, now: datetime | None = None) -> int:
    """Issue the certificates of one chunk, once: a chunk done, or being done by
    another worker, is left alone. A learner whose issuance fails is logged and
    counted; the others go on. Returns how many certificates were issued."""
    now = now or timezone.now()
    with transaction.atomic():
        chunk = (
            IssuanceChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=chunk_id, state=ChunkState.PENDING)
            .first()
        )
        if chunk is None:
            return 0
        outcomes = _certificates_issue(learner_ids=chunk.learner_ids, now=now)
        issued = []
        for learner_id, outcome in outcomes.items():
            if outcome.error is not None:
                logger.error(
                    "Lot %s : l'attestation du compte %s a échoué",
                    chunk.pk,
                    learner_id,
                    exc_info=outcome.error,
                )
                chunk.failed += 1
            elif outcome.created:
                chunk.issued += 1
                issued.append(outcome.certificate.pk)
            else:
                chunk.skipped += 1
        chunk.state = ChunkState.DONE
        chunk.finished_at = timezone.now()
        chunk.save()
        # One e-mail task for the chunk's certificates: far cheaper than one each.
        _notify_after_commit(issued, NotificationKind.ISSUED)
    _batch_finish_if_done(chunk.batch_id, chunk.finished_at)
    return chunk.issued


def _batch_finish_if_done(batch_id: int, now: datetime) -> None:
    if not IssuanceChunk.objects.filter(
        batch_id=batch_id, state=ChunkState.PENDING
    ).exists():
        IssuanceBatch.objects.filter(pk=batch_id, finished_at__isnull=True).update(
            finished_at=now
        )


def issuance_chunks_resume(
    *, now: datetime | None = None, stale_after: timedelta | None = None
) -> int:
    """Hand again to the workers the chunks whose message was lost or whose worker
    died; a chunk that keeps failing is given up after a few runs, and logged."""
    now = now or timezone.now()
    stale_after = stale_after or timedelta(seconds=settings.CERTIFICATES_RESUME_AFTER)
    with transaction.atomic():
        again, given_up = chunks_resume(
            IssuanceChunk.objects.all(),
            now=now,
            stale_after=stale_after,
            max_resumes=CHUNK_MAX_RESUMES,
        )
        for chunk in given_up:
            logger.error("Lot d'attestations %s abandonné", chunk.pk)
        for batch_id in {chunk.batch_id for chunk in given_up}:
            _batch_finish_if_done(batch_id, now)
        _chunks_enqueue(again)
    if again:
        logger.warning("%s lot(s) d'attestations relancé(s)", len(again))
    return len(again)


def issuance_sweep(*, now: datetime | None = None) -> IssuanceBatch:
    """Each night: every eligible learner still without a certificate (a message
    lost after an attainment loses nothing)."""
    return issuance_batch_launch(trigger=BatchTrigger.SWEEP, now=now)
