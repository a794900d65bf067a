"""Orders: the list with its filters and search (the order page and its actions are in order_page.py)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.management.base import parse_date
from ordermanager.orders.models import CheckoutStatus, Order, PaymentStatus, ShippingStatus, TrackingNumber
from ordermanager.stack.models import StackRecord, State
from ordermanager.statuses.models import StatusLabel
from ordermanager.web.paging import seek
from ordermanager.web.permissions import WORK_ORDERS, requires

LIST_FIELDS = (
    "id",
    "cart__store_name",
    "marketplace_order_id",
    "channel_order_id",
    "buyer_name",
    "buyer_email",
    "created_at",
    "total",
    "status_label",
    "payment_status",
    "shipping_status",
    "on_hold",
    "cancelled_at",
)


def _search(query: QuerySet, text: str) -> QuerySet:
    """Order number, cart or marketplace order ID, e-mail and tracking number exactly; else the buyer's name by
    prefix. The exact columns are each indexed, so a search that finds one stays fast on a million orders."""
    text = text.strip()
    # The tracking number's orders first, as plain ids: an OR of indexed equalities is one index look-up each,
    # where an OR with a subquery makes PostgreSQL scan the orders.
    tracked = TrackingNumber.objects.filter(number=text.replace(" ", "")).values_list("order_id", flat=True)
    exact = (
        Q(channel_order_id=text)
        | Q(marketplace_order_id=text)
        | Q(buyer_email__in={text, text.lower()})
        | Q(pk__in=list(tracked[:100]))
    )
    if text.isdigit() and len(text) < 19:
        exact |= Q(pk=int(text))
    found = query.filter(exact)
    return found if found.exists() else query.filter(buyer_name__istartswith=text)


def _date(params: QueryDict, field: str, errors: dict[str, str]) -> dt.date | None:
    text = params.get(field, "").strip()
    if not text:
        return None
    try:
        return parse_date(field, text)
    except InputError as error:
        errors[error.field] = error.message
        return None


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def filtered_orders(params: QueryDict) -> tuple[QuerySet, dict[str, str]]:
    """The orders the filter form asks for, and a message per filter that could not be read."""
    errors: dict[str, str] = {}
    query = Order.objects.all()
    exact = {
        "label": "status_label",
        "checkout": "checkout_status",
        "payment": "payment_status",
        "shipping": "shipping_status",
    }
    for param, column in exact.items():
        if params.get(param):
            query = query.filter(**{column: params[param]})
    cart = params.get("cart", "")
    if cart.isdigit():
        query = query.filter(cart_id=int(cart))
    elif cart:
        errors["cart"] = f"choose a cart from the list, not {cart!r}"
    if params.get("hold") in ("yes", "no"):
        query = query.filter(on_hold=params["hold"] == "yes")
    if params.get("problem") == "yes":
        # Problem records are few: the ids come from the stack's state index, not a scan of the orders.
        query = query.filter(pk__in=StackRecord.objects.filter(state=State.PROBLEM).values("order_id"))
    since, until = _date(params, "date_from", errors), _date(params, "date_to", errors)
    if since:
        query = query.filter(created_at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC))
    if until:
        query = query.filter(
            created_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
        )
    if params.get("q", "").strip():
        query = _search(query, params["q"])
    return query, errors


@requires(WORK_ORDERS)
def order_list(request: HttpRequest) -> HttpResponse:
    query, errors = filtered_orders(request.GET)
    page = seek(query.select_related("cart").only(*LIST_FIELDS), request.GET) if not errors else None
    if page is not None:
        ids = [r.pk for r in page.rows]
        problems = set(
            StackRecord.objects.filter(order_id__in=ids, state=State.PROBLEM).values_list("order_id", flat=True)
        )
        for row in page.rows:
            row.problem = row.pk in problems
    context = {
        "page": page,
        "errors": errors,
        "params": request.GET,
        "labels": StatusLabel.objects.values_list("name", flat=True),
        "carts": Cart.objects.values_list("pk", "store_name"),
        "checkout_statuses": CheckoutStatus.values,
        "payment_statuses": PaymentStatus.values,
        "shipping_statuses": ShippingStatus.values,
    }
    template = "web/orders/_results.html" if request.htmx else "web/orders/list.html"
    return render(request, template, context)
