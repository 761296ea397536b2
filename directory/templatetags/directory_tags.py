from django import template

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
    """Only http(s) addresses become links (the file's cells are not trusted)."""
    return str(value).lower().startswith(("https://", "http://"))


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
