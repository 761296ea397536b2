from datetime import date

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from .text import search_key

DEPARTEMENTS = {"28": "Eure-et-Loir", "61": "Orne", "72": "Sarthe"}

insee_validator = RegexValidator(r"^(\d{5}|2[AB]\d{3})$", "Code INSEE invalide.")
siren_validator = RegexValidator(r"^\d{9}$", "Un SIREN compte 9 chiffres.")


class EPCI(models.Model):
    """A communauté de communes (or other EPCI), identified by its SIREN."""

    siren = models.CharField(
        "SIREN", max_length=9, unique=True, validators=[siren_validator]
    )
    name = models.CharField("nom", max_length=200)

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Commune(models.Model):
    insee_code = models.CharField(
        "code INSEE", max_length=5, unique=True, validators=[insee_validator]
    )
    name = models.CharField("nom", max_length=200, help_text="Avec son article.")
    departement = models.CharField("département", max_length=3)
    postcodes = models.CharField(
        "codes postaux", max_length=120, help_text="Séparés par des espaces."
    )
    population = models.PositiveIntegerField("population", null=True, blank=True)
    latitude = models.FloatField("latitude")
    longitude = models.FloatField("longitude")
    epci = models.ForeignKey(
        EPCI,
        verbose_name="EPCI",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="communes",
    )
    # Accent-free, lowercase name for searching; kept in step by save().
    search_name = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        verbose_name = "commune"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.main_postcode})"

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.name)
        super().save(*args, **kwargs)

    @property
    def postcode_list(self) -> list[str]:
        return self.postcodes.split()

    @property
    def main_postcode(self) -> str:
        return self.postcode_list[0] if self.postcodes else ""

    @property
    def departement_name(self) -> str:
        return DEPARTEMENTS.get(self.departement, self.departement)


class PilotQuerySet(models.QuerySet):
    def active_on(self, day: date):
        return self.filter(
            Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        )


class Pilot(models.Model):
    """An EPCI taking part in the experiment, between two dates (inclusive)."""

    epci = models.ForeignKey(
        EPCI, verbose_name="EPCI", on_delete=models.PROTECT, related_name="pilots"
    )
    name = models.CharField("nom", max_length=200)
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin", null=True, blank=True)

    objects = PilotQuerySet.as_manager()

    class Meta:
        verbose_name = "expérimentation"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="pilot_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.epci})"
