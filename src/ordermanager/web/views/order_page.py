"""The order page, and working the order from it through ordermanager.orders.actions (the CLI's door too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render

from ordermanager.errors import InputError
from ordermanager.management.base import parse_date, parse_datetime, parse_int
from ordermanager.orders import actions
from ordermanager.orders.diagnosis import diagnose_cart_updates
from ordermanager.orders.models import Order, Shipment, ShipmentItem
from ordermanager.stack.models import StackRecord
from ordermanager.statuses.catalogue import EVENTS
from ordermanager.web.forms import attempt
from ordermanager.web.permissions import WORK_ORDERS, actor, requires

TIMELINE_SHOWN = 200


def _chosen_items(post: QueryDict) -> list[str] | None:
    """The ticked items of a form, or None (the whole order) when none is ticked."""
    return post.getlist("item") or None


def _package_items(post: QueryDict, order: Order) -> list[tuple[str, int | None]] | None:
    """qty_<item id> fields of the tracking form; all empty means everything still open."""
    lines = []
    for item in order.items.all():
        text = post.get(f"qty_{item.pk}", "").strip()
        if text:
            lines.append((str(item.pk), parse_int("quantity", text)))
    return lines or None


def _add_tracking(order: Order, post: QueryDict, who: str) -> str:
    package = post.get("package", "").strip()
    ship_date = post.get("ship_date", "").strip()
    tracking = actions.add_tracking_number(
        order.pk,
        post.get("tracking_number", ""),
        actor=who,
        carrier=post.get("carrier", ""),
        shipping_class=post.get("shipping_class", ""),
        shipped_at=parse_datetime("ship_date", ship_date) if ship_date else None,
        items=None if package else _package_items(post, order),
        package=parse_int("package", package) if package else None,
    )
    return f"Tracking number {tracking.number} added to package {tracking.shipment_id}."


def _ship_date(order: Order, post: QueryDict, who: str) -> str:
    date = parse_date("ship_date", post.get("ship_date", ""))
    kind = post.get("kind", "")
    if kind not in ("expected", "actual"):
        raise InputError("kind", "choose Expected or Actual")
    setter = actions.set_expected_ship_date if kind == "expected" else actions.set_actual_ship_date
    setter(order.pk, date, actor=who, items=_chosen_items(post))
    return f"{kind.title()} ship date set to {date}."


def _cancel_item(order: Order, post: QueryDict, who: str) -> str:
    quantity = post.get("quantity", "").strip()
    line = actions.cancel_item(
        order.pk, post.get("item", ""), actor=who, quantity=parse_int("quantity", quantity) if quantity else None
    )
    return f"{line.sku} cancelled."


def _fire(order: Order, post: QueryDict, who: str) -> str:
    event = post.get("event", "")
    actions.fire_status_event(order.pk, event, actor=who, items=_chosen_items(post))
    return f"Status event {event} fired."


def _approve(order: Order, post: QueryDict, who: str) -> str:
    actions.approve_order(order.pk, actor=who)
    return "Order approved."


def _hold(order: Order, post: QueryDict, who: str) -> str:
    actions.hold_order(order.pk, actor=who, reason=post.get("reason", "").strip())
    return "Order put on hold."


def _release(order: Order, post: QueryDict, who: str) -> str:
    actions.release_order(order.pk, actor=who)
    return "Order released from hold."


def _cancel_order(order: Order, post: QueryDict, who: str) -> str:
    actions.cancel_order(order.pk, actor=who)
    return "Order cancelled."


def _note(order: Order, post: QueryDict, who: str) -> str:
    actions.add_note(order.pk, post.get("text", ""), actor=who)
    return "Note added."


# Each form of the page: its name, and how it reads the post and calls its action (returning what to tell).
FORMS: dict[str, Callable[[Order, QueryDict, str], str]] = {
    "approve": _approve,
    "hold": _hold,
    "release": _release,
    "tracking": _add_tracking,
    "ship_date": _ship_date,
    "cancel_item": _cancel_item,
    "cancel_order": _cancel_order,
    "fire": _fire,
    "note": _note,
}


def _load(number: int) -> Order:
    lines = Prefetch("lines", queryset=ShipmentItem.objects.select_related("order_item").order_by("id"))
    shipments = Prefetch("shipments", queryset=Shipment.objects.prefetch_related(lines, "tracking_numbers"))
    query = Order.objects.select_related("cart").prefetch_related("items__shipment_lines", shipments)
    return get_object_or_404(query, pk=number)


def _context(order: Order, **extra: Any) -> dict[str, Any]:
    items = list(order.items.all())
    for item in items:
        # From the prefetched lines: the model's property would query once per item.
        item.shipped = sum(line.quantity for line in item.shipment_lines.all())
        item.open = item.quantity - item.quantity_cancelled - item.shipped
    timeline = list(order.timeline.order_by("-id")[:TIMELINE_SHOWN])
    return {
        "order": order,
        "items": items,
        "open_items": any(item.open > 0 for item in items),
        "shipments": list(order.shipments.all()),
        "timeline": timeline,
        "timeline_cut": len(timeline) == TIMELINE_SHOWN,
        "records": list(StackRecord.objects.filter(order=order).order_by("-id")),
        "cart_updates": diagnose_cart_updates(order),
        "events": sorted(EVENTS.values(), key=lambda e: e.id),
        "errors": {},
        "posted": {},
        **extra,
    }


@requires(WORK_ORDERS)
def order_page(request: HttpRequest, number: int) -> HttpResponse:
    return render(request, "web/orders/order.html", _context(_load(number)))


@requires(WORK_ORDERS)
def order_action(request: HttpRequest, number: int, form: str) -> HttpResponse:
    """POST one of the page's forms. Bad input: the page again, the message beside the field, nothing changed."""
    if request.method != "POST":
        return redirect("web:order", number=number)
    run = FORMS.get(form)
    if run is None:
        raise Http404(f"no form {form!r}")
    order = _load(number)
    outcome = attempt(lambda: run(order, request.POST, actor(request)))
    if outcome.ok:
        messages.success(request, outcome.result)
        if request.htmx:
            return render(request, "web/orders/order.html", _context(_load(number)))
        return redirect("web:order", number=number)
    context = _context(_load(number), errors={form: outcome.errors}, posted={form: request.POST})
    # htmx swaps only 2xx answers; a plain browser post gets 422 so nothing mistakes it for success.
    return render(request, "web/orders/order.html", context, status=200 if request.htmx else 422)
