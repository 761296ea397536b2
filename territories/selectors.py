import re

from django.db.models import Q, QuerySet

from .models import Commune
from .text import search_key

POSTCODE_PREFIX_RE = re.compile(r"^\d{2,5}$")
# "Nogent-le-Rotrou (28400)", as offered by the suggestion list.
LABEL_RE = re.compile(r"^(?P<name>.+?)\s*\((?P<postcode>\d{5})\)$")


def commune_search(*, query: str, limit: int = 20) -> QuerySet[Commune]:
    """Communes matching a name or postcode, accent-insensitive; exact names first."""
    query = (query or "").strip()
    if not query:
        return Commune.objects.none()
    label = LABEL_RE.match(query)
    if label:
        return Commune.objects.filter(
            search_name=search_key(label["name"]),
            postcodes__contains=label["postcode"],
        )[:limit]
    if POSTCODE_PREFIX_RE.match(query):
        return Commune.objects.filter(
            Q(postcodes__startswith=query) | Q(postcodes__contains=f" {query}")
        ).order_by("name")[:limit]
    key = search_key(query)
    if not key:
        return Commune.objects.none()
    exact = list(Commune.objects.filter(search_name=key)[:limit])
    if exact:
        return Commune.objects.filter(pk__in=[c.pk for c in exact])
    return Commune.objects.filter(search_name__contains=key).order_by("name")[:limit]


def commune_get_by_code(*, insee_code: str) -> Commune | None:
    return Commune.objects.select_related("epci").filter(insee_code=insee_code).first()


def commune_resolve(
    *, query: str, chosen_code: str = ""
) -> tuple[Commune | None, list]:
    """What a commune field typed by a person designates: (the commune, []) when it
    is clear — or the one picked among the matches —, (None, matches) when several
    communes fit, (None, []) when none does."""
    matches = list(commune_search(query=query))
    picked = [c for c in matches if c.insee_code == chosen_code]
    if picked:
        return picked[0], []
    if len(matches) == 1:
        return matches[0], []
    return None, matches
