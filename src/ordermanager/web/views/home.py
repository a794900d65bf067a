from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ordermanager.web.permissions import WORK_ORDERS, requires


@requires(WORK_ORDERS)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home/index.html")
