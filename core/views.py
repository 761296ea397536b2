from django.http import JsonResponse
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
