"""Where the facts the site states come from: the official sites a source or a link
may point to, and how old a check may be before an editor has to look again."""

from datetime import date
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models

# Every public site is under gouv.fr; the others are the bodies' own domains.
OFFICIAL_DOMAINS = (
    "gouv.fr",
    "ameli.fr",
    "caf.fr",
    "msa.fr",
    "parcoursup.fr",
    "majdc.fr",
    "francetravail.fr",
    "banque-france.fr",
    "filsantejeunes.com",
    "visale.fr",
    "pass.culture.fr",
)


def is_official_url(url: str) -> bool:
    """An https address on one of the official domains or their subdomains (a lookalike
    such as « caf.fr.example.com » or « evilgouv.fr » is not)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and any(
        host == domain or host.endswith("." + domain) for domain in OFFICIAL_DOMAINS
    )


def validate_official_url(url: str) -> None:
    if url and not is_official_url(url):
        raise ValidationError(
            "Indiquez une adresse en https:// d'un site officiel "
            "(service-public.gouv.fr, ameli.fr, caf.fr, msa.fr, un site en .gouv.fr…)."
        )


def checks_expire_before(today: date) -> date:
    """A fact checked before this day (12 months ago) must be checked again."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def source_url_field() -> models.URLField:
    return models.URLField(
        "source officielle",
        blank=True,
        validators=[validate_official_url],
        help_text="La page officielle qui dit ce fait (service-public.gouv.fr, "
        "ameli.fr, caf.fr, msa.fr, Légifrance…).",
    )


def checked_on_field() -> models.DateField:
    return models.DateField(
        "vérifié le",
        null=True,
        blank=True,
        help_text="Dernière fois que le texte a été relu face à la source. Au-delà de "
        "12 mois, il apparaît dans « À revérifier ».",
    )
