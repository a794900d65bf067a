from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ordermanager.orders.models import Order
from ordermanager.web.permissions import WORK_ORDERS, requires


@requires(WORK_ORDERS)
def order_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/orders/list.html", {"orders": Order.objects.order_by("-id")[:50]})


@requires(WORK_ORDERS)
def order_page(request: HttpRequest, number: int) -> HttpResponse:
    return render(request, "web/orders/order.html", {"order": get_object_or_404(Order, pk=number)})
