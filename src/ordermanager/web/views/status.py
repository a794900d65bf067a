"""/status/: the buyers' order-status page, without login.

The buyer types the order number and the billing ZIP code (or the e-mail). A wrong number and a wrong ZIP code
get the same page, status code and work, so the page never tells whether an order exists; it shows nothing the
buyer did not already know but the order's status and its packages. Tries are counted per client address in the
database (every worker shares the count). The merchant themes it by overriding ordermanager/status/page.html.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ordermanager.orders import buyer_view
from ordermanager.web.ratelimit import allow

TEMPLATE = "ordermanager/status/page.html"


def _page(request: HttpRequest, code: int = 200, **context: object) -> HttpResponse:
    context.setdefault("store", buyer_view.store_name(None))
    response = render(request, TEMPLATE, context, status=code)
    # The answer is the buyer's alone: no shared cache keeps it, no search engine lists it.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "POST"])
def status_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    limit, seconds = settings.STATUS_PAGE_TRIES
    if not allow(f"status:{request.META.get('REMOTE_ADDR', '')}", limit, seconds):
        return _page(request, 429, too_many=True, minutes=max(1, round(seconds / 60)))
    number = request.POST.get("order", "")[:64]
    proof = request.POST.get("proof", "")[:254]
    if not number.strip() or not proof.strip():
        return _page(request, 400, missing=True)
    order = buyer_view.find_for_buyer(number, proof)
    if order is None:
        return _page(request, not_found=True)
    return _page(
        request,
        store=buyer_view.store_name(order.cart),
        reference=buyer_view.order_reference(order),
        label=order.status_label or order.get_shipping_status_display(),
        packages=buyer_view.packages(order),
        found=True,
    )
