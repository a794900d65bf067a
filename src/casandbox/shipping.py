"""Fulfillment accounting for one order: what is shipped, canceled and still open, and the order's status.

Every order keeps an open Fulfillment (DeliveryStatus NoChange, the requested carrier and class) that
holds its unshipped quantity, as CA creates "at least one Fulfillment for every order". Shipping all of
it ships that Fulfillment in place; shipping part of it splits a new Fulfillment off.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from casandbox import timefmt
from casandbox.context import Principal
from casandbox.errors import bad_request
from casandbox.state import Order, State

NOT_SHIPPING = ("NoChange", "Canceled")
OPEN = "_open"  # marks the sandbox-made open Fulfillment; never serialised (not a schema property)


def is_shipped(fulfillment: dict[str, Any]) -> bool:
    """CA: a DeliveryStatus other than NoChange ships; Canceled is taken as not shipping."""
    return fulfillment["DeliveryStatus"] not in NOT_SHIPPING


def shipped_by_item(order: Order) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for fulfillment in order["Fulfillments"]:
        if is_shipped(fulfillment):
            for fitem in fulfillment["Items"]:
                out[fitem["OrderItemID"]] += fitem["Quantity"]
    return out


def canceled_by_item(order: Order) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for adjustment in order["Adjustments"]:
        if adjustment["Type"] == "Cancellation" and adjustment.get("OrderItemID"):
            out[adjustment["OrderItemID"]] += adjustment.get("Quantity") or 0
    return out


def remaining_by_item(order: Order) -> dict[int, int]:
    shipped, canceled = shipped_by_item(order), canceled_by_item(order)
    return {item["ID"]: item["Quantity"] - shipped[item["ID"]] - canceled[item["ID"]] for item in order["Items"]}


def new_fulfillment(state: State, order: Order, **fields: Any) -> dict[str, Any]:
    now = timefmt.format_utc(state.clock.now())
    fulfillment = {
        "ID": state.next_id("fulfillment"),
        "ProfileID": order["ProfileID"],
        "OrderID": order["ID"],
        "CreatedDateUtc": now,
        "UpdatedDateUtc": now,
        "Type": "Ship",
        "DeliveryStatus": "NoChange",
        "TrackingNumber": None,
        "TrackingUrl": None,
        "ReturnTrackingNumber": None,
        "ShippingCarrier": None,
        "ShippingClass": None,
        "DistributionCenterID": 0,
        "ExternalFulfillmentCenterCode": None,
        "ExternalFulfillmentStatus": None,
        "ShippingCost": 0,
        "InsuranceCost": 0,
        "TaxCost": 0,
        "ShippedDateUtc": None,
        "SellerFulfillmentID": None,
        "HasShippingLabel": False,
        "HasChannelPackingSlip": False,
        "HasReturnLabel": False,
        "Items": [],
    }
    fulfillment.update(fields)
    order["Fulfillments"].append(fulfillment)
    state.fulfillment_order[fulfillment["ID"]] = order["ID"]
    return fulfillment


def add_items(state: State, order: Order, fulfillment: dict[str, Any], quantities: dict[int, int]) -> None:
    items = {item["ID"]: item for item in order["Items"]}
    for item_id, quantity in quantities.items():
        existing = next((fi for fi in fulfillment["Items"] if fi["OrderItemID"] == item_id), None)
        if existing:
            existing["Quantity"] += quantity
            continue
        fitem = {
            "ID": state.next_id("fulfillment_item"),
            "ProfileID": order["ProfileID"],
            "FulfillmentID": fulfillment["ID"],
            "OrderID": order["ID"],
            "OrderItemID": item_id,
            "Quantity": quantity,
            "ProductID": items[item_id].get("ProductID"),
        }
        fulfillment["Items"].append(fitem)
        state.fulfillment_item_order[fitem["ID"]] = order["ID"]


def rebalance(state: State, order: Order) -> None:
    """Keep unshipped Fulfillments within what is left to ship; the open one takes whatever is unassigned."""
    remaining = remaining_by_item(order)
    opened = next((f for f in order["Fulfillments"] if f.get(OPEN)), None)
    waiting = [f for f in order["Fulfillments"] if not is_shipped(f) and f is not opened]
    for fulfillment in waiting:
        kept = []
        for fitem in fulfillment["Items"]:
            budget = remaining.get(fitem["OrderItemID"], 0)
            fitem["Quantity"] = min(fitem["Quantity"], budget)
            remaining[fitem["OrderItemID"]] = budget - fitem["Quantity"]
            if fitem["Quantity"] > 0:
                kept.append(fitem)
        fulfillment["Items"] = kept
    leftover = {item_id: qty for item_id, qty in remaining.items() if qty > 0}
    if opened is None and leftover:
        opened = new_fulfillment(
            state,
            order,
            ShippingCarrier=order.get("RequestedShippingCarrier"),
            ShippingClass=order.get("RequestedShippingClass"),
            **{OPEN: True},
        )
    if opened is None:
        return
    if not leftover:
        order["Fulfillments"].remove(opened)
        return
    # Adjust in place: FulfillmentItem IDs a client has read must stay valid.
    kept = []
    for fitem in opened["Items"]:
        fitem["Quantity"] = leftover.pop(fitem["OrderItemID"], 0)
        if fitem["Quantity"] > 0:
            kept.append(fitem)
    opened["Items"] = kept
    add_items(state, order, opened, leftover)


def settle(state: State, order: Order, *, shipped_date: str | None = None, touch: bool = True) -> None:
    """Re-derive ShippingStatus after any change to fulfillments or cancellations."""
    rebalance(state, order)
    remaining = sum(remaining_by_item(order).values())
    shipped = sum(shipped_by_item(order).values())
    status = order["ShippingStatus"]
    if remaining == 0:
        status = "Shipped" if shipped else "Canceled"
    elif shipped:
        status = "PartiallyShipped"
    elif status in ("Shipped", "PartiallyShipped", "Canceled"):
        status = "Unshipped"
    order["ShippingStatus"] = status
    if shipped_date:
        order["ShippingDateUtc"] = shipped_date
    if touch:
        order["UpdatedDateUtc"] = timefmt.format_utc(state.clock.now())
    state.save_order(order)


def record(
    state: State,
    event: str,
    order: Order,
    fulfillment: dict[str, Any],
    principal: Principal | None,
    quantities: dict[int, int] | None = None,
) -> None:
    """One row of the control API's fulfillment log: what the client made CA create or ship."""
    skus = {item["ID"]: item["Sku"] for item in order["Items"]}
    if quantities is None:
        quantities = {fi["OrderItemID"]: fi["Quantity"] for fi in fulfillment["Items"]}
    state.add_shipment(
        {
            "time": timefmt.format_utc(state.clock.now()),
            "event": event,
            "fulfillment_id": fulfillment["ID"],
            "order_id": order["ID"],
            "profile_id": order["ProfileID"],
            "application_id": principal.application_id if principal else None,
            "delivery_status": fulfillment["DeliveryStatus"],
            "tracking_number": fulfillment["TrackingNumber"],
            "tracking_url": fulfillment["TrackingUrl"],
            "shipping_carrier": fulfillment["ShippingCarrier"],
            "shipping_class": fulfillment["ShippingClass"],
            "seller_fulfillment_id": fulfillment["SellerFulfillmentID"],
            "shipped_date_utc": fulfillment["ShippedDateUtc"],
            "distribution_center_id": fulfillment["DistributionCenterID"],
            "items": [
                {"order_item_id": item_id, "sku": skus.get(item_id), "quantity": qty}
                for item_id, qty in quantities.items()
            ],
        }
    )


def newly_shipped(before: dict[int, int], after: dict[int, int]) -> dict[int, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v > before.get(k, 0)}


def check_carrier(state: State, profile_id: int, carrier: str | None, klass: str | None) -> None:
    """Carrier and class go together and must be a pair on the account's list (compared exactly)."""
    if carrier is None and klass is None:
        return
    if (carrier, klass) not in state.carriers.get(profile_id, {}):
        raise bad_request("Carrier and Class is invalid.")


def check_distribution_center(state: State, profile_id: int, dc_id: int | None, *, seller_managed: bool) -> None:
    """A live DC of the profile; with `seller_managed`, one the seller ships from (not FBA and the like)."""
    if not dc_id:
        return  # 0 is the default DC of every account
    dc = state.dcs.get((profile_id, dc_id))
    if dc is None or dc["IsDeleted"]:
        raise bad_request(f"The distribution center {dc_id} does not exist.")
    if seller_managed and dc.get("IsExternallyManaged"):
        raise bad_request(
            f"The distribution center {dc_id} is externally managed: its orders are shipped by its operator."
        )
