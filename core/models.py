from django.conf import settings
from django.db import models
from django.utils import timezone

from .errors import CoreError


class ChunkState(models.TextChoices):
    """Where a chunk of a large background job stands (certificate batches, the
    calendars' sweep)."""

    PENDING = "pending", "à faire"
    DONE = "done", "fait"
    FAILED = "failed", "abandonné"


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True


APPEND_ONLY_MESSAGE = (
    "Le journal est en ajout seul : une entrée ne se modifie ni ne se supprime."
)


class JournalQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise CoreError(APPEND_ONLY_MESSAGE)

    def delete(self):
        raise CoreError(APPEND_ONLY_MESSAGE)

    def bulk_update(self, objs, fields, batch_size=None):
        raise CoreError(APPEND_ONLY_MESSAGE)


class JournalEntry(models.Model):
    """Who did what to which object, when. Never updated, never deleted."""

    # No database constraint on the actor: the entry must outlive the account.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur·rice",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField("action", max_length=64, db_index=True)
    target_type = models.CharField("type de cible", max_length=64, blank=True)
    target_id = models.CharField("identifiant de cible", max_length=64, blank=True)
    at = models.DateTimeField("date", default=timezone.now, db_index=True)
    details = models.JSONField("détails", default=dict, blank=True)

    objects = JournalQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        target = f"{self.target_type}#{self.target_id}"
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise CoreError(APPEND_ONLY_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise CoreError(APPEND_ONLY_MESSAGE)


class Heartbeat(models.Model):
    """Last time a Celery worker ran the periodic heartbeat (shown by /healthz)."""

    name = models.CharField(max_length=64, unique=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        verbose_name = "battement de cœur"

    def __str__(self):
        return f"{self.name} @ {self.last_seen_at:%Y-%m-%d %H:%M:%S}"
