"""/metrics for Prometheus."""

from __future__ import annotations

import hmac
import os

from django.http import HttpRequest, HttpResponse

from ordermanager.stack.metrics import render


def metrics(request: HttpRequest) -> HttpResponse:
    # Optional bearer token, for when the web app is reachable beyond the monitoring network.
    token = os.environ.get("ORDERMANAGER_METRICS_TOKEN", "")
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return HttpResponse("metrics need the bearer token\n", status=401, content_type="text/plain")
    return HttpResponse(render(), content_type="text/plain; version=0.0.4; charset=utf-8")
