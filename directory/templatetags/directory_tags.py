from django import template

from directory import standard
from directory.selectors import help_places_nearest, learner_commune

register = template.Library()


@register.filter
def distance(km: float | None) -> str:
    """« à 12 km », « à 4,2 km », « à moins de 1 km »."""
    if km is None:
        return ""
    if km < 1:
        return "à moins de 1 km"
    if round(km, 1) < 10:
        return f"à {km:.1f} km".replace(".", ",")
    return f"à {round(km)} km"


@register.filter
def is_web_url(value: str) -> bool:
    """Only http(s) addresses become links, even in a row stored before the import
    refused the others (`javascript:`, `data:`…)."""
    return standard.is_web_url(str(value))


@register.filter
def is_email(value: str) -> bool:
    """Only real e-mail addresses become `mailto:` links."""
    return standard.is_email(str(value))


@register.inclusion_tag(
    "directory/includes/nearest_help_places.html", takes_context=True
)
def nearest_help_places(context, commune=None):
    """The three places nearest to `commune` (by default the learner's) that help
    with administrative procedures; for a visitor, a search by commune instead."""
    if commune is None:
        request = context.get("request")
        commune = learner_commune(getattr(request, "user", None))
    return {
        "commune": commune,
        "places": help_places_nearest(commune=commune) if commune else [],
    }
