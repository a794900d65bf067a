"""Orders(ID)/Adjust and OrderItems(ID)/Adjust: cancellation before shipment, refund after."""

from __future__ import annotations

from typing import Any

from casandbox import bodies, builders, shipping, timefmt
from casandbox.context import Ctx
from casandbox.errors import bad_request, not_found_entity
from casandbox.http import ApiResponse, no_content
from casandbox.resources.orders import find

ORDER_ADJUST: bodies.Spec = {
    "AdjustmentAmount": "decimal",
    "Reason": "AdjustmentReason",
    "PreventSiteProcessing": "bool",
    "SellerAdjustmentID": "str",
    "Restock": "bool",
    "RefundOnly": "bool",
}
_AMOUNTS = (
    "ItemAdjustment",
    "TaxAdjustment",
    "ShippingAdjustment",
    "ShippingTaxAdjustment",
    "GiftWrapAdjustment",
    "GiftWrapTaxAdjustment",
    "RecyclingFeeAdjustment",
)
ITEM_ADJUST: bodies.Spec = {
    "Quantity": "int",
    "Reason": "AdjustmentReason",
    "Restock": "bool",
    **dict.fromkeys(_AMOUNTS, "decimal"),
    "PreventSiteProcessing": "bool",
    "SellerAdjustmentID": "str",
    "ForceCalculateOmittedAmounts": "bool",
    "RefundOnly": "bool",
}


def adjust_order(ctx: Ctx) -> ApiResponse:
    order = find(ctx)
    data = bodies.check(ctx.json_body(allow_empty=True), ORDER_ADJUST, "OrderAdjustmentRequest")
    remaining = shipping.remaining_by_item(order)
    shipped = sum(shipping.shipped_by_item(order).values())
    common = _common(data)
    when = timefmt.format_utc(ctx.state.clock.now())
    if shipped or data.get("RefundOnly"):
        amount = data.get("AdjustmentAmount")
        amount = order["TotalPrice"] if amount is None else amount
        refund = builders.adjustment(ctx.state, order, None, "Refund", 0, common["Reason"], when, ItemAdjustment=amount)
        refund.update(_flags(common))
        order["Adjustments"].append(refund)
    else:
        if not any(remaining.values()):
            raise bad_request(f"Order {order['ID']} has nothing left to cancel.")
        for item in order["Items"]:
            if remaining[item["ID"]] > 0:
                order["Adjustments"].append(
                    builders.cancellation(
                        ctx.state,
                        order,
                        item,
                        remaining[item["ID"]],
                        common["Reason"],
                        when,
                        **_flags(common),
                    )
                )
    shipping.settle(ctx.state, order)
    return no_content()


def adjust_item(ctx: Ctx) -> ApiResponse:
    order = ctx.state.order_of_item(ctx.key())
    if order is None or not ctx.visible(order["ProfileID"]):
        raise not_found_entity("OrderItems", ctx.key())
    item = next(i for i in order["Items"] if i["ID"] == ctx.key())
    data = bodies.check(ctx.json_body(allow_empty=True), ITEM_ADJUST, "OrderItemAdjustmentRequest")
    common = _common(data)
    left = shipping.remaining_by_item(order)[item["ID"]]
    quantity = data.get("Quantity")
    if quantity is not None and quantity <= 0:
        raise bad_request("Quantity must be positive.")
    amounts = {name: data.get(name) for name in _AMOUNTS}
    when = timefmt.format_utc(ctx.state.clock.now())
    if left > 0 and not data.get("RefundOnly"):
        quantity = left if quantity is None else quantity
        if quantity > left:
            raise bad_request(f"Quantity {quantity} exceeds the {left} unshipped units of order item {item['ID']}.")
        record = builders.cancellation(ctx.state, order, item, quantity, common["Reason"], when, **amounts)
    else:
        record = builders.adjustment(ctx.state, order, item, "Refund", quantity or 0, common["Reason"], when, **amounts)
    record.update(_flags(common))
    order["Adjustments"].append(record)
    shipping.settle(ctx.state, order)
    return no_content()


def _common(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "Reason": data.get("Reason") or "GeneralAdjustment",
        "SellerAdjustmentID": data.get("SellerAdjustmentID"),
        "Restock": bool(data.get("Restock")),
        "PreventSiteProcessing": bool(data.get("PreventSiteProcessing")),
    }


def _flags(common: dict[str, Any]) -> dict[str, Any]:
    return {k: common[k] for k in ("SellerAdjustmentID", "Restock", "PreventSiteProcessing")}
