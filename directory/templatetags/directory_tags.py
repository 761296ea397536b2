from django import template

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
