"""/api/v1/orders: the list, an order with its items, packages, labels and timeline, and adding tracking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from ordermanager.api import cursors
from ordermanager.api.idempotency import IdempotencyKey, write_once
from ordermanager.api.problems import ERROR_STATUSES, Problem, ProblemOut
from ordermanager.api.schemas import Id, IsoDateTime, OrderDetailOut, OrderPage, PackageOut, TrackingIn
from ordermanager.orders import actions
from ordermanager.orders.models import Order, OrderItem, Shipment, ShipmentItem
from ordermanager.orders.summary import order_summary

router = Router(tags=["orders"])
ERRORS = dict.fromkeys(ERROR_STATUSES, ProblemOut)
TIMELINE_LIMIT = 500


class OrderFilters(Schema):
    status_label: str | None = NinjaField(None, max_length=50, description="Orders with this status label.")
    updated_since: IsoDateTime | None = NinjaField(None, description="Orders changed at or after this time.")
    cursor: str | None = NinjaField(None, max_length=200)
    limit: int = NinjaField(50, ge=1, le=200)


# The published order row's summary keys, in the published order.
ROW_KEYS = (
    "number",
    "cart",
    "channel_order_id",
    "marketplace_order_id",
    "status_label",
    "shipping_status",
    "payment_status",
)


def order_row(order: Order) -> dict[str, Any]:
    summary = order_summary(order)
    return {**{key: summary[key] for key in ROW_KEYS}, "ordered_at": order.ordered_at, "updated_at": order.updated_at}


def package_row(shipment: Shipment, warnings: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": shipment.pk,
        "order": shipment.order_id,
        "carrier": shipment.carrier,
        "class": shipment.shipping_class,
        "shipped_at": shipment.shipped_at,
        "delivered_to_cart_at": shipment.delivered_to_cart_at,
        "items": [{"sku": line.order_item.sku, "quantity": line.quantity} for line in shipment.lines.all()],
        "tracking_numbers": [
            {"number": t.number, "processed": t.processed, "shared": t.shared} for t in shipment.tracking_numbers.all()
        ],
        "warnings": warnings or [],
    }


def _packages(order_id: int) -> list[Shipment]:
    lines = Prefetch("lines", queryset=ShipmentItem.objects.select_related("order_item").order_by("id"))
    query = Shipment.objects.filter(order_id=order_id).prefetch_related(lines, "tracking_numbers").order_by("id")
    return list(query)


def _order(number: int) -> Order:
    order = Order.objects.select_related("cart").filter(pk=number).first()
    if order is None:
        raise Problem(404, f"there is no order number {number}", field="number")
    return order


@router.get("/orders", response={200: OrderPage, **ERRORS}, summary="List orders")
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> dict[str, Any]:
    query = Order.objects.select_related("cart")
    if filters.status_label is not None:
        query = query.filter(status_label=filters.status_label)
    if filters.updated_since is not None:
        query = query.filter(updated_at__gte=filters.updated_since)
    rows, next_cursor = cursors.page(cursors.after(query, filters.cursor, "updated_at"), filters.limit, "updated_at")
    return {"items": [order_row(o) for o in rows], "next_cursor": next_cursor}


@router.get("/orders/{number}", response={200: OrderDetailOut, **ERRORS}, summary="An order")
def order_detail(request: HttpRequest, number: Id) -> dict[str, Any]:
    order = _order(number)
    shipped = dict(
        ShipmentItem.objects.filter(order_item__order=order).values_list("order_item_id").annotate(n=Sum("quantity"))
    )
    items: list[OrderItem] = list(order.items.order_by("id"))
    timeline = list(order.timeline.order_by("-id")[:TIMELINE_LIMIT])[::-1]
    labels = [order.status_label, *(i.status_label for i in items)]
    return {
        **order_row(order),
        "buyer_name": order.buyer_name,
        "items": [
            {
                "id": i.pk,
                "sku": i.sku,
                "title": i.title,
                "quantity": i.quantity,
                "quantity_cancelled": i.quantity_cancelled,
                "quantity_shipped": shipped.get(i.pk, 0),
                "status_label": i.status_label,
                "expected_ship_date": i.expected_ship_date,
                "actual_ship_date": i.actual_ship_date,
            }
            for i in items
        ],
        "packages": [package_row(s) for s in _packages(order.pk)],
        "labels": sorted({label for label in labels if label}),
        "timeline": [{"at": e.at, "kind": e.kind, "actor": e.actor, "message": e.message} for e in timeline],
    }


def _shipped_at(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value if value is None or timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)


@router.post(
    "/orders/{number}/tracking",
    response={201: PackageOut, **ERRORS},
    summary="Add a tracking number (a new package of the items given, or of everything still open)",
)
def add_tracking(
    request: HttpRequest,
    number: Id,
    payload: TrackingIn,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    def run(actor: str) -> tuple[int, dict[str, Any]]:
        _order(number)
        tracking = actions.add_tracking_number(
            number,
            payload.tracking_number,
            actor=actor,
            carrier=payload.carrier,
            shipping_class=payload.shipping_class,
            shipped_at=_shipped_at(payload.ship_date),
            items=[(i.sku, i.quantity) for i in payload.items] if payload.items is not None else None,
            shared=payload.shared,
        )
        [shipment] = [s for s in _packages(tracking.order_id) if s.pk == tracking.shipment_id]
        package = PackageOut.model_validate(package_row(shipment, tracking.warnings))
        return 201, package.model_dump(mode="json", by_alias=True)

    body = payload.model_dump(mode="json", by_alias=True)
    return write_once(request, idempotency_key, {"number": number, **body}, run)
