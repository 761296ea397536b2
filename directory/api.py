"""The public JSON API of the directory, for partners' sites: /api/v1/lieux/.

Read-only and public (no cookie, no key): every answer allows any origin, so a
partner's page can call it from the browser. Described in `openapi.py`.
"""

import re
from datetime import date, datetime

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from . import openapi, selectors, standard
from .api_forms import HelpPlaceApiSearchForm
from .models import HelpPlace

# "Ouvert maintenant" changes with the clock: a short cache only.
MAX_AGE = 60
OPENAPI_MAX_AGE = 300
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# A database id: ASCII digits, within PostgreSQL's bigint.
PLACE_ID_RE = re.compile(r"[1-9][0-9]{0,17}")


def _json(data: dict, *, status: int = 200, max_age: int = MAX_AGE) -> JsonResponse:
    response = JsonResponse(
        data, status=status, json_dumps_params={"ensure_ascii": False}
    )
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def _error(status: int, message: str, errors: dict[str, list[str]], **extra):
    return _json({"message": message, "erreurs": errors, **extra}, status=status)


def _number(value: float) -> float | int:
    """20.0 → 20: the radius as the partner wrote it."""
    return int(value) if float(value).is_integer() else value


def _column_value(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def _commune_json(commune) -> dict:
    return {
        "code_insee": commune.insee_code,
        "nom": commune.name,
        "codes_postaux": commune.postcode_list,
        "departement": commune.departement,
        "latitude": commune.latitude,
        "longitude": commune.longitude,
    }


def _place_json(place: HelpPlace, *, request: HttpRequest, now: datetime) -> dict:
    """A place under the standard's column names, plus what a partner's page shows."""
    data = {}
    for column in standard.columns():
        # A partner's page turns `site_web` into links: never a `javascript:` one.
        value = column.served(getattr(place, column.field))
        data[column.name] = (
            list(value or []) if column.multiple else _column_value(value)
        )
    summary = getattr(place, "hours_summary", None) or selectors.hours_summary(
        place, now
    )
    data.update(
        {
            # The same reading of the hours as the search's « ouvert_maintenant ».
            "ouvert_maintenant": selectors.help_place_is_open(place, now),
            "horaires_en_clair": summary,
            "coordonnees_approximatives": place.coordinates_source
            == HelpPlace.CoordinatesSource.COMMUNE,
            "url": request.build_absolute_uri(
                reverse("directory:place-detail", args=[place.pk])
            ),
            "url_api": request.build_absolute_uri(
                reverse("directory:api-place", args=[place.pk])
            ),
        }
    )
    return data


@method_decorator(csrf_exempt, name="dispatch")  # read-only: no form to protect
class ApiView(View):
    """GET (and HEAD, OPTIONS) only; JSON everywhere, errors included."""

    http_method_names = ["get", "head", "options"]

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    def options(self, request, *args, **kwargs):
        """Also the CORS preflight, should a partner's script send custom headers."""
        response = super().options(request, *args, **kwargs)
        response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response["Access-Control-Allow-Headers"] = "*"
        response["Access-Control-Max-Age"] = "86400"
        return response

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = _error(
            405,
            "Méthode refusée.",
            {
                "methode": [
                    f"Cette adresse ne répond qu'aux requêtes GET (pas "
                    f"{request.method[:20]})."
                ]
            },
        )
        response["Allow"] = ALLOWED_METHODS
        return response


class HelpPlaceSearchApi(ApiView):
    """GET /api/v1/lieux/?commune=…&rayon=…: places around a commune, nearest first."""

    def get(self, request):
        form = HelpPlaceApiSearchForm(request.GET)
        if not form.is_valid():
            extra = {}
            if form.commune_matches:
                extra["communes_possibles"] = [
                    _commune_json(commune) for commune in form.commune_matches
                ]
            return _error(400, "Paramètres refusés.", form.all_errors(), **extra)
        data = form.cleaned_data
        origin, limit = data["origin"], data["limite"]
        now = timezone.localtime(timezone.now(), standard.TIMEZONE)
        # One more than asked: tells whether the list was cut.
        places = selectors.help_place_search(
            origin_lat=origin.latitude,
            origin_lon=origin.longitude,
            now=now,
            limit=limit + 1,
            **form.search_filters(),
        )
        found = []
        for place in places[:limit]:
            item = _place_json(place, request=request, now=now)
            item["distance_km"] = round(place.distance_km, 1)
            found.append(item)
        return _json(
            {
                "commune": _commune_json(origin),
                "rayon_km": _number(data["rayon"]),
                "filtres": {
                    "services": data["services"],
                    "publics": data["publics"],
                    "gratuit": data["gratuit"],
                    "ouvert_maintenant": data["ouvert_maintenant"],
                    "ouvert_samedi": data["ouvert_samedi"],
                },
                "limite": limit,
                "nombre": len(found),
                "resultats_tronques": len(places) > limit,
                "calcule_le": now.isoformat(timespec="seconds"),
                "lieux": found,
            }
        )


class HelpPlaceDetailApi(ApiView):
    """GET /api/v1/lieux/<lieu>/: one place (404 JSON for anything unknown)."""

    def get(self, request, lieu: str):
        place = None
        if PLACE_ID_RE.fullmatch(lieu):
            place = selectors.help_place_get(pk=int(lieu))
        if place is None:
            return _not_found("lieu", "Aucun lieu n'a ce numéro.")
        now = timezone.localtime(timezone.now(), standard.TIMEZONE)
        return _json(_place_json(place, request=request, now=now))


class ApiNotFound(ApiView):
    """Any other address under /api/v1/lieux/: a JSON 404 rather than a web page."""

    def get(self, request):
        return _not_found(
            "adresse",
            "Cette adresse n'existe pas dans l'API. Les adresses finissent par « / » "
            "(par exemple /api/v1/lieux/?commune=Nogent-le-Rotrou) ; voir "
            "/api/v1/openapi.json.",
        )


class OpenApiDocument(ApiView):
    """GET /api/v1/openapi.json."""

    def get(self, request):
        return _json(openapi.document(), max_age=OPENAPI_MAX_AGE)


def _not_found(name: str, message: str) -> JsonResponse:
    return _error(404, "Introuvable.", {name: [message]})
