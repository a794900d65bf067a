"""Fulfillments: read, create, edit (with CA's trap), and moving items between them."""

from __future__ import annotations

from typing import Any

from casandbox import bodies, shipping, timefmt
from casandbox.context import Ctx
from casandbox.errors import bad_request, not_found_entity
from casandbox.http import ApiResponse, json_response, no_content
from casandbox.resources import common
from casandbox.schema import FULFILLMENT
from casandbox.state import Order

EDITABLE: bodies.Spec = {
    "Type": "FulfillmentType",
    "DeliveryStatus": "DeliveryStatus",
    "TrackingNumber": "str",
    "TrackingUrl": "str",
    "ReturnTrackingNumber": "str",
    "ShippingCarrier": "str",
    "ShippingClass": "str",
    "DistributionCenterID": "int",
    "ExternalFulfillmentCenterCode": "str",
    "ShippingCost": "decimal",
    "InsuranceCost": "decimal",
    "TaxCost": "decimal",
    "ShippedDateUtc": "date",
    "SellerFulfillmentID": "str",
}
CREATE: bodies.Spec = {**EDITABLE, "OrderID": "int", "ProfileID": "int"}
MOVE: bodies.Spec = {"DestinationFulfillmentID": "int"}


def _all(ctx: Ctx) -> list[dict[str, Any]]:
    return [f for order in ctx.state.orders.values() if ctx.visible(order["ProfileID"]) for f in order["Fulfillments"]]


def list_fulfillments(ctx: Ctx) -> ApiResponse:
    return common.collection(
        ctx, "Fulfillments", FULFILLMENT, _all(ctx), page_size=ctx.state.config.page_sizes["Fulfillments"]
    )


def _find(ctx: Ctx, fulfillment_id: int) -> tuple[Order, dict[str, Any]]:
    order = ctx.state.order_of_fulfillment(fulfillment_id)
    if order is not None and ctx.visible(order["ProfileID"]):
        for fulfillment in order["Fulfillments"]:
            if fulfillment["ID"] == fulfillment_id:
                return order, fulfillment
    raise not_found_entity("Fulfillments", fulfillment_id)


def get_fulfillment(ctx: Ctx) -> ApiResponse:
    _, fulfillment = _find(ctx, ctx.key())
    return common.single(ctx, "Fulfillments", FULFILLMENT, fulfillment, ctx.key())


def fulfillment_items(ctx: Ctx) -> ApiResponse:
    _, fulfillment = _find(ctx, ctx.key())
    return common.nav_collection(ctx, FULFILLMENT, fulfillment, "Items")


def create_fulfillment(ctx: Ctx) -> ApiResponse:
    body = ctx.json_body()
    if isinstance(body, dict) and "Items" in body:
        raise bad_request("Items cannot be added when a Fulfillment is created; move them in afterwards.")
    data = bodies.check(body, CREATE, "Fulfillment")
    order_id = bodies.required(data, "OrderID", "Fulfillment")
    order = ctx.state.orders.get(order_id)
    if order is None or not ctx.visible(order["ProfileID"]):
        raise bad_request(f"The order {order_id} does not exist.")
    profile = data.get("ProfileID")
    if profile is None and len(ctx.principal.profiles) > 1:
        raise bad_request("ProfileID is required when the token spans several profiles.")
    if profile is not None and profile != order["ProfileID"]:
        raise bad_request(f"The order {order_id} does not belong to profile {profile}.")
    shipping.check_carrier(ctx.state, order["ProfileID"], data.get("ShippingCarrier"), data.get("ShippingClass"))
    fields = {k: v for k, v in data.items() if k in EDITABLE and v is not None}
    fulfillment = shipping.new_fulfillment(ctx.state, order, **fields)
    shipping.settle(ctx.state, order)
    shipping.record(ctx.state, "create", order, fulfillment, ctx.principal)
    body_out = {"@odata.context": f"{ctx.base}/$metadata#Fulfillments/$entity"}
    body_out.update(
        common.shaper(ctx, common.make_navs(ctx), in_list=False).project(fulfillment, FULFILLMENT, None, [])
    )
    return json_response(body_out, status=201)


def update_fulfillment(ctx: Ctx) -> ApiResponse:
    order, fulfillment = _find(ctx, ctx.key())
    data = bodies.check(ctx.json_body(), EDITABLE, "Fulfillment")
    carrier = data.get("ShippingCarrier", fulfillment["ShippingCarrier"] if "ShippingClass" in data else None)
    klass = data.get("ShippingClass", fulfillment["ShippingClass"] if "ShippingCarrier" in data else None)
    if "ShippingCarrier" in data or "ShippingClass" in data:
        shipping.check_carrier(ctx.state, order["ProfileID"], carrier, klass)
    before = shipping.shipped_by_item(order)
    status = data.pop("DeliveryStatus", None)
    if status is None:
        # CA's documented trap: leaving DeliveryStatus out marks the order shipped.
        status = "Complete"
    if status != "NoChange":
        fulfillment["DeliveryStatus"] = status
        fulfillment.pop(shipping.OPEN, None)
    fulfillment.update(data)
    now = timefmt.format_utc(ctx.state.clock.now())
    fulfillment["UpdatedDateUtc"] = now
    if shipping.is_shipped(fulfillment) and fulfillment["ShippedDateUtc"] is None:
        fulfillment["ShippedDateUtc"] = now
    _settle_and_log(ctx, order, fulfillment, before, "patch")
    return no_content()


def move_item(ctx: Ctx) -> ApiResponse:
    state = ctx.state
    order = state.order_of_fulfillment_item(ctx.key())
    if order is None or not ctx.visible(order["ProfileID"]):
        raise not_found_entity("FulfillmentItems", ctx.key())
    data = bodies.check(ctx.json_body(), MOVE, "MoveFulfillmentItemRequest")
    target_id = bodies.required(data, "DestinationFulfillmentID", "MoveFulfillmentItemRequest")
    target = next((f for f in order["Fulfillments"] if f["ID"] == target_id), None)
    if target is None:
        raise bad_request(f"The fulfillment {target_id} does not exist on order {order['ID']}.")
    found = [(f, fi) for f in order["Fulfillments"] for fi in f["Items"] if fi["ID"] == ctx.key()]
    if not found:
        raise not_found_entity("FulfillmentItems", ctx.key())
    source, fitem = found[0]
    if source is not target:
        before = shipping.shipped_by_item(order)
        source["Items"].remove(fitem)
        shipping.add_items(state, order, target, {fitem["OrderItemID"]: fitem["Quantity"]})
        _settle_and_log(ctx, order, target, before, "move")
    return no_content()


def _settle_and_log(ctx: Ctx, order: Order, fulfillment: dict[str, Any], before: dict[int, int], event: str) -> None:
    shipping.settle(
        ctx.state,
        order,
        shipped_date=fulfillment["ShippedDateUtc"] if shipping.is_shipped(fulfillment) else None,
    )
    gained = shipping.newly_shipped(before, shipping.shipped_by_item(order))
    if gained:
        shipping.record(ctx.state, event, order, fulfillment, ctx.principal, gained)
