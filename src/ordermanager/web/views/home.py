"""Home (the Main Menu): the figures that matter at a glance, and the stack's last 48 hours."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ordermanager.carts import import_problems
from ordermanager.carts.models import Cart
from ordermanager.orders.models import Order, ShippingStatus
from ordermanager.stack.overview import activity, overview
from ordermanager.web.chart import chart
from ordermanager.web.permissions import WORK_ORDERS, requires

TO_SHIP = (ShippingStatus.UNSHIPPED, ShippingStatus.PARTIALLY_SHIPPED, ShippingStatus.PENDING_SHIPMENT)


@requires(WORK_ORDERS)
def home(request: HttpRequest) -> HttpResponse:
    stack = overview()
    carts = list(Cart.objects.order_by("store_name"))
    set_aside = import_problems.counts_by_cart()
    for cart in carts:
        cart.set_aside = set_aside.get(cart.store_name, 0)
    context = {
        "overview": stack,
        # Cancelled orders have shipping status Canceled, so the shipping-status index answers this alone.
        "to_ship": Order.objects.filter(shipping_status__in=TO_SHIP).count(),
        "on_hold": Order.objects.filter(on_hold=True).count(),
        "carts": carts,
        "chart": chart(activity(stack.on_stack)),
    }
    return render(request, "web/home/index.html", context)
