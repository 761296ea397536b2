from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from . import selectors
from .errors import AccessRefused

# The public API answers in JSON, errors included, in the shape of its own refusals
# (see directory/api.py): {"message": …, "erreurs": {name: [reasons]}}.
API_PREFIX = "/api/"


@never_cache
@require_GET
def healthz(request):
    database = selectors.database_state()
    broker = selectors.broker_state()
    heartbeat = selectors.heartbeat_latest() if database == "up" else None
    healthy = database == "up" and broker != "down"
    return JsonResponse(
        {
            "status": "ok" if healthy else "error",
            "database": database,
            "broker": broker,
            "worker_last_seen": heartbeat.last_seen_at.isoformat()
            if heartbeat
            else None,
        },
        status=200 if healthy else 503,
    )


def _outbox_or_404(request):
    if not selectors.dev_outbox_enabled(request=request):
        raise Http404(
            "Page réservée au mode démo, sur l'ordinateur qui le fait tourner."
        )


@never_cache
@require_GET
def dev_outbox(request):
    """Embedded mode: the e-mails the site would have sent (verification, codes…)."""
    _outbox_or_404(request)
    return render(request, "core/dev_outbox.html", {"outbox": selectors.dev_outbox()})


@never_cache
@require_GET
def dev_outbox_message(request, key: str):
    _outbox_or_404(request)
    message = selectors.dev_outbox_message(key)
    if message is None:
        raise Http404("Ce courriel n'existe pas.")
    return render(request, "core/dev_outbox_message.html", {"message": message})


# Error pages (handler400, 403, 404, 500 in the root URLconf). They never read
# request.GET or request.POST: the error may be that they cannot be parsed.


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _api_error(status: int, message: str, name: str, reason: str) -> JsonResponse:
    response = JsonResponse(
        {"message": message, "erreurs": {name: [reason]}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _bad_request_reason(exception) -> str:
    if isinstance(exception, TooManyFieldsSent):
        return (
            "Trop de paramètres : une requête en compte au plus "
            f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}."
        )
    return "La requête est mal formée ou trop grande."


@requires_csrf_token
def bad_request(request, exception):
    reason = _bad_request_reason(exception)
    if _is_api(request):
        return _api_error(400, "Requête refusée.", "requete", reason)
    return render(request, "400.html", {"reason": reason}, status=400)


@requires_csrf_token
def permission_denied(request, exception):
    # Only the project's own refusals are worded for the person refused.
    reason = str(exception) if isinstance(exception, AccessRefused) else ""
    if _is_api(request):
        return _api_error(403, "Accès refusé.", "acces", reason or "Accès refusé.")
    return render(request, "403.html", {"reason": reason}, status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its security token, mostly a page left
    open for long (the token changes at login and logout) or cookies refused.
    Nothing was written; Django's `reason` is for developers, not for the page.
    (The API takes no form: it is exempt.)"""
    return render(request, "403_csrf.html", status=403)


@requires_csrf_token
def page_not_found(request, exception):
    if _is_api(request):
        return _api_error(
            404,
            "Introuvable.",
            "adresse",
            "Cette adresse n'existe pas dans l'API ; voir /api/v1/openapi.json.",
        )
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    """Rendered without the request's context processors: nothing here may need
    the database, which may be the very thing that failed."""
    if _is_api(request):
        return _api_error(
            500,
            "Erreur du serveur.",
            "serveur",
            "Une erreur s'est produite de notre côté. Réessaie dans quelques minutes.",
        )
    return HttpResponseServerError(loader.get_template("500.html").render())
