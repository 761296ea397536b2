from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import selectors


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
