from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ordermanager.web.permissions import MANAGE_SETTINGS, requires


@requires(MANAGE_SETTINGS)
def maintenance_menu(request: HttpRequest) -> HttpResponse:
    """The Maintenance menu page; its entries come from web.menu.MAINTENANCE (the context processor)."""
    return render(request, "web/maintenance/index.html")
