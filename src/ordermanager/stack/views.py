"""/metrics for Prometheus, and /healthz for load balancers."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from ordermanager.stack.metrics import render
from ordermanager.stack.models import Lease


def _may_read_metrics(request: HttpRequest) -> bool:
    if settings.METRICS_PUBLIC:
        return True
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return True
    user = request.user
    return bool(user.is_authenticated and user.is_staff)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    # Counts per cart tell who the merchant sells through: not for everyone who can reach the web app.
    if not _may_read_metrics(request):
        response = HttpResponse(
            "metrics need the bearer token (ORDERMANAGER_METRICS_TOKEN) or a staff login\n",
            status=401,
            content_type="text/plain",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers; the controllers' heartbeat is reported, not judged.

    A web node can serve while the stack controller is down, so a load balancer should not take it out of
    rotation for that; the body says `controller: stale` (or `none`) for the monitoring that should care.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        last = Lease.objects.filter(name__startswith="controller:").exclude(holder="").aggregate(at=Max("heartbeat_at"))
    except DatabaseError as error:
        return JsonResponse({"database": f"unreachable: {type(error).__name__}"}, status=503)
    age = (timezone.now() - last["at"]).total_seconds() if last["at"] else None
    limit = settings.HEALTHZ_MAX_HEARTBEAT_AGE
    controller = "none" if age is None else ("stale" if limit and age > limit else "ok")
    return JsonResponse(
        {"database": "ok", "controller": controller, "controller_heartbeat_age_seconds": age and round(age, 1)}
    )
