import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

from core.models import ChunkState  # noqa: F401 (re-exported: where a chunk stands)

# A BitstringStatusList holds at least 131,072 entries (16 KiB), so that an index
# says nothing about the holder; indexes are drawn at random.
STATUS_LIST_SIZE = 131_072
# Certificates per list before the next one opens: drawn at random in a list a
# quarter full at most, an index is rarely taken already (a national year, some
# 800,000 certificates, takes about 25 lists).
STATUS_LIST_FILL = STATUS_LIST_SIZE // 4


def _holder_withdrawn(collector, field, sub_objs, using):
    """The holder deleted their account: the certificate stays, as a tombstone that
    still verifies by its code ("holder withdrawn", or revoked on its date), with
    nothing of them. Their name goes, the PDF, a revocation's reason (written freely
    by the coordination, it may name them), and the stored credential: it carries a
    salted hash of their e-mail address with the salt, which would still tell the
    certificate was theirs to anyone who knows the address (the badge they
    downloaded still verifies on its own: signature and status list)."""
    # The collector keys its updates by value: the empty JSON object goes as an
    # expression, a dict not being hashable.
    empty_json = Cast(models.Value("{}"), models.JSONField())
    for name, value in (
        (field.name, None),
        ("pdf", b""),
        ("revocation_reason", ""),
        ("credential", empty_json),
    ):
        collector.add_field_update(Certificate._meta.get_field(name), value, sub_objs)


class CertificateStatus(models.TextChoices):
    VALID = "valid", "valide"
    REVOKED = "revoked", "révoquée"


class Certificate(models.Model):
    """An "Attestation d'autonomie" issued to a learner under a framework version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField("code de vérification", max_length=16, unique=True)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=_holder_withdrawn,
        related_name="certificates",
    )
    framework = models.ForeignKey(
        "curriculum.Framework",
        verbose_name="version du référentiel",
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    epci = models.ForeignKey(
        "territories.EPCI",
        verbose_name="EPCI",
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    issued_at = models.DateTimeField("délivrée le")
    status = models.CharField(
        max_length=8, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revocation_reason = models.TextField("raison de la révocation", blank=True)
    # When the learner was told by e-mail (each e-mail goes once, whatever retries).
    issue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    revocation_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Its entry in the revocation lists: list number (from 1), index in the list.
    status_list = models.PositiveIntegerField(default=1)
    status_index = models.PositiveIntegerField()
    # The signed Open Badges 3.0 credential and the PDF, both rebuilt from this row
    # on demand (same code, same index).
    credential = models.JSONField()
    pdf = models.BinaryField()

    class Meta:
        verbose_name = "attestation"
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "framework"], name="one_certificate_per_version"
            ),
            models.CheckConstraint(
                condition=Q(status="valid", revoked_at__isnull=True)
                | Q(status="revoked", revoked_at__isnull=False),
                name="certificate_revoked_with_date",
            ),
            models.CheckConstraint(
                condition=Q(status_index__lt=STATUS_LIST_SIZE),
                name="certificate_status_index_in_list",
            ),
            models.UniqueConstraint(
                fields=["status_list", "status_index"],
                name="one_certificate_per_status_entry",
            ),
            models.CheckConstraint(
                condition=Q(status_list__gte=1), name="certificate_status_list_from_1"
            ),
        ]

    def __str__(self):
        return f"Attestation {self.code}"

    @property
    def is_revoked(self) -> bool:
        return self.status == CertificateStatus.REVOKED


class BatchTrigger(models.TextChoices):
    SWEEP = "sweep", "tâche de nuit"
    COORDINATOR = "coordinator", "lancé par la coordination"
    MANUAL = "manual", "lancé à la main"


class IssuanceBatch(models.Model):
    """One search for eligible learners without a certificate (every EPCI, or one),
    cut into chunks that workers issue in parallel. The rows are the record: a chunk
    whose message was lost, or whose worker was killed, is found again."""

    trigger = models.CharField(max_length=12, choices=BatchTrigger.choices)
    epci = models.ForeignKey(
        "territories.EPCI",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issuance_batches",
    )
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    learners = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "lot d'attestations"
        verbose_name_plural = "lots d'attestations"
        ordering = ["-started_at"]

    def __str__(self):
        return f"Lot d'attestations du {self.started_at:%Y-%m-%d %H:%M}"


class IssuanceChunk(models.Model):
    batch = models.ForeignKey(
        IssuanceBatch, on_delete=models.CASCADE, related_name="chunks"
    )
    learner_ids = models.JSONField()
    state = models.CharField(
        max_length=8, choices=ChunkState.choices, default=ChunkState.PENDING
    )
    resumes = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    issued = models.PositiveIntegerField(default=0)
    # Learners found no longer eligible, or already certified, by the time it ran.
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["enqueued_at"],
                name="issuance_chunk_pending",
                condition=Q(state="pending"),
            )
        ]

    def __str__(self):
        return f"Lot de {len(self.learner_ids)} jeunes ({self.state})"
