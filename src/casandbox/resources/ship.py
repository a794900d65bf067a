"""POST /v1/Orders(ID)/Ship: the action the order manager uses to upload tracking."""

from __future__ import annotations

from typing import Any

from casandbox import bodies, shipping, timefmt
from casandbox.context import Ctx
from casandbox.errors import bad_request, not_found_entity
from casandbox.http import ApiResponse, no_content
from casandbox.state import Order

SHIP_ITEM: bodies.Spec = {
    "OrderItemID": "int",
    "ProductID": "int",
    "Sku": "str",
    "Quantity": "int",
    "SellerFulfillmentItemID": "str",
    "ReferenceSku": "str",
}
SHIP_REQUEST: bodies.Spec = {
    "ShippedDateUtc": "date",
    "TrackingNumber": "str",
    "ReturnTrackingNumber": "str",
    "ShippingCarrier": "str",
    "ShippingClass": "str",
    "DistributionCenterID": "int",
    "SellerFulfillmentID": "str",
    "DeliveryStatus": "DeliveryStatus",
    "FulfillmentType": "FulfillmentType",
    "PreventMarketplaceCommunication": "bool",
    "TrackingUrl": "str",
    "SerialShippingContainerCode": "str",
    "Items": ("list", SHIP_ITEM, "ShipOrderRequestItem"),
}


def ship(ctx: Ctx) -> ApiResponse:
    body = ctx.json_body()
    if not isinstance(body, dict) or "Value" not in body:
        raise bad_request("The parameter 'Value' is missing: the body must be {\"Value\": {...ShipOrderRequest...}}.")
    extra = [k for k in body if k != "Value"]
    if extra:
        raise bad_request(f"The parameter '{extra[0]}' is not a parameter of the action 'Ship'.")
    request = bodies.check(body["Value"], SHIP_REQUEST, "ShipOrderRequest")
    state = ctx.state
    order = state.orders.get(ctx.key())
    if order is None or not ctx.visible(order["ProfileID"]):
        raise not_found_entity("Orders", ctx.key())
    status = request.get("DeliveryStatus") or "Complete"
    if state.config.strict_undocumented and request.get("Items") == []:
        raise bad_request(
            "The property 'Items' is empty: list the items to ship, or leave 'Items' out to ship the whole order."
        )
    shipping.check_carrier(state, order["ProfileID"], request.get("ShippingCarrier"), request.get("ShippingClass"))
    shipping.check_distribution_center(
        state, order["ProfileID"], request.get("DistributionCenterID"), seller_managed=state.config.strict_undocumented
    )
    if status == "NoChange":
        return no_content()  # CA: only a DeliveryStatus other than NoChange triggers shipping
    remaining = shipping.remaining_by_item(order)
    if request.get("Items"):
        quantities = _requested(order, request["Items"], remaining)
    else:
        quantities = {item_id: qty for item_id, qty in remaining.items() if qty > 0}
    if not quantities:
        raise bad_request(state.config.nothing_left_to_ship_message.format(order_id=order["ID"]))
    _ship(ctx, order, request, status, quantities)
    return no_content()


def _requested(order: Order, lines: list[dict[str, Any]], remaining: dict[int, int]) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for line in lines:
        item = _find_item(order, line)
        quantity = line.get("Quantity")
        if quantity is None or quantity <= 0:
            raise bad_request("Each item of 'Items' needs a positive 'Quantity'.")
        wanted[item["ID"]] = wanted.get(item["ID"], 0) + quantity
    for item_id, quantity in wanted.items():
        if quantity > remaining[item_id]:
            raise bad_request(
                f"Insufficient unshipped quantity for order item {item_id}: {quantity} requested, "
                f"{remaining[item_id]} left to ship."
            )
    return wanted


def _find_item(order: Order, line: dict[str, Any]) -> dict[str, Any]:
    for field in ("OrderItemID", "ProductID", "Sku"):
        if line.get(field) is not None:
            key = "ID" if field == "OrderItemID" else field
            for item in order["Items"]:
                if item.get(key) == line[field]:
                    return item
            raise bad_request(f"No item with {field} '{line[field]}' exists on order {order['ID']}.")
    raise bad_request("Each item of 'Items' needs an 'OrderItemID', 'ProductID' or 'Sku'.")


def _ship(ctx: Ctx, order: Order, request: dict[str, Any], status: str, quantities: dict[int, int]) -> None:
    state = ctx.state
    shipped_date = request.get("ShippedDateUtc") or timefmt.format_utc(state.clock.now())
    fields = {
        "DeliveryStatus": status,
        "Type": request.get("FulfillmentType") or "Ship",
        "TrackingNumber": request.get("TrackingNumber"),
        "TrackingUrl": request.get("TrackingUrl"),
        "ReturnTrackingNumber": request.get("ReturnTrackingNumber"),
        "ShippingCarrier": request.get("ShippingCarrier"),
        "ShippingClass": request.get("ShippingClass"),
        "DistributionCenterID": request.get("DistributionCenterID") or 0,
        "SellerFulfillmentID": request.get("SellerFulfillmentID"),
        "ShippedDateUtc": shipped_date,
        "UpdatedDateUtc": timefmt.format_utc(state.clock.now()),
    }
    opened = next((f for f in order["Fulfillments"] if f.get(shipping.OPEN)), None)
    holds = {fi["OrderItemID"]: fi["Quantity"] for fi in opened["Items"]} if opened else {}
    if opened is not None and holds == quantities:
        # Everything the open Fulfillment holds ships: CA ships it in place, keeping its ID.
        opened.pop(shipping.OPEN)
        opened.update(fields)
        fulfillment = opened
    else:
        fulfillment = shipping.new_fulfillment(state, order, **fields)
        shipping.add_items(state, order, fulfillment, quantities)
    shipping.settle(state, order, shipped_date=shipped_date)
    shipping.record(state, "ship", order, fulfillment, ctx.principal, quantities)
