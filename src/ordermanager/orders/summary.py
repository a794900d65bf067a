"""An order's identity and statuses: the head of each published form of an order (the API's order rows,
`ordermanager order show`), each of which picks the keys it publishes and names them its own way."""

from __future__ import annotations

from typing import Any

from ordermanager.orders.models import Order


def order_summary(order: Order) -> dict[str, Any]:
    return {
        "number": order.pk,
        "cart": order.cart.store_name if order.cart else None,
        "channel_order_id": order.channel_order_id,
        "marketplace_order_id": order.marketplace_order_id,
        "buyer_name": order.buyer_name,
        "status_label": order.status_label,
        "checkout_status": order.checkout_status,
        "payment_status": order.payment_status,
        "shipping_status": order.shipping_status,
    }
