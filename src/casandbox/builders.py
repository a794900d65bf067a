"""Complete, consistent entities from partial data: used by seeding, the generator and POST /v1/Orders.

Every property of the `$metadata` type is present (null when unknown), since CA writes nulls out.
"""

from __future__ import annotations

from typing import Any

from casandbox import bodies, shipping, timefmt
from casandbox.schema import DC_QUANTITY, DISTRIBUTION_CENTER, ORDER, ORDER_ITEM, PRODUCT, EntityType
from casandbox.state import Order, State

SEED_FULFILLMENT: bodies.Spec = {
    "TrackingNumber": "str",
    "ShippingCarrier": "str",
    "ShippingClass": "str",
    "DeliveryStatus": "DeliveryStatus",
    "ShippedDateUtc": "date",
    "SellerFulfillmentID": "str",
    "Items": ("list", {"Sku": "str", "OrderItemID": "int", "Quantity": "int"}, "FulfillmentItem"),
}
ORDER_SPEC: bodies.Spec = {
    **ORDER.props,
    "Items": ("list", ORDER_ITEM.props, "OrderItem"),
    "Fulfillments": ("list", SEED_FULFILLMENT, "Fulfillment"),
}
PRODUCT_SPEC: bodies.Spec = {**PRODUCT.props, "DCQuantities": ("list", DC_QUANTITY.props, "DCQuantity")}

_ORDER_DEFAULTS: dict[str, Any] = {
    "SiteID": 640,
    "SiteName": "Amazon Seller Central - US",
    "UserDataPresent": True,
    "Currency": "USD",
    "TotalTaxPrice": 0,
    "TotalShippingPrice": 0,
    "TotalShippingTaxPrice": 0,
    "TotalInsurancePrice": 0,
    "TotalGiftOptionPrice": 0,
    "TotalGiftOptionTaxPrice": 0,
    "AdditionalCostOrDiscount": 0,
    "DistributionCenterTypeRollup": "SellerManaged",
    "CheckoutStatus": "Completed",
    "PaymentStatus": "Cleared",
    "ShippingStatus": "Unshipped",
    "BuyerEmailOptIn": False,
    "OrderTaxType": "NoTax",
    "ShippingTaxType": "NoTax",
    "GiftOptionsTaxType": "NoTax",
    "PromotionAmount": 0,
}
_ITEM_DEFAULTS: dict[str, Any] = {
    "Quantity": 1,
    "UnitPrice": 10.0,
    "TaxPrice": 0,
    "ShippingPrice": 0,
    "ShippingTaxPrice": 0,
    "RecyclingFee": 0,
    "UnitEstimatedShippingCost": 0,
    "GiftPrice": 0,
    "GiftTaxPrice": 0,
    "IsBundle": False,
}


def _blank(etype: EntityType, defaults: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    out = {name: defaults.get(name) for name in etype.props}
    out.update({k: v for k, v in data.items() if k in etype.props and v is not None})
    return out


def build_order(state: State, raw: dict[str, Any], *, profile_id: int | None = None) -> Order:
    """A full order aggregate, with its open Fulfillment and any seeded shipments or cancellations."""
    data = bodies.check(raw, ORDER_SPEC, "Order")
    now = timefmt.format_utc(state.clock.now())
    order = _blank(ORDER, _ORDER_DEFAULTS, data)
    order["ID"] = data.get("ID") or state.next_id("order")
    order["ProfileID"] = data.get("ProfileID") or profile_id
    if order["ProfileID"] not in state.profiles:
        raise ValueError(f"order {order['ID']}: unknown ProfileID {order['ProfileID']}")
    if order["ID"] in state.orders:
        raise ValueError(f"order {order['ID']} already exists")
    for name in ("CreatedDateUtc", "ImportDateUtc", "UpdatedDateUtc"):
        order[name] = order[name] or now
    order["SiteOrderID"] = order["SiteOrderID"] or f"SO-{order['ProfileID'] % 1000:03d}-{order['ID']:09d}"
    order["Items"] = [_build_item(state, order, item) for item in data.get("Items") or []]
    if not order["Items"]:
        raise ValueError(f"order {order['ID']}: an order needs at least one item")
    if data.get("TotalPrice") is None:
        order["TotalPrice"] = round(sum(i["UnitPrice"] * i["Quantity"] for i in order["Items"]), 2)
    for nav in ("Fulfillments", "Adjustments", "CustomFields", "OrderAttributes", "ChannelDocuments"):
        order[nav] = []
    state.index_order(order)
    _seed_history(state, order, data)
    return order


def _build_item(state: State, order: Order, raw: dict[str, Any]) -> dict[str, Any]:
    item = _blank(ORDER_ITEM, _ITEM_DEFAULTS, raw)
    item["ID"] = raw.get("ID") or state.next_id("item")
    item["ProfileID"] = order["ProfileID"]
    item["OrderID"] = order["ID"]
    item["Sku"] = item["Sku"] or f"SKU-{item['ID']}"
    product = state.product_for_sku(order["ProfileID"], item["Sku"])
    item["Title"] = item["Title"] or (product["Title"] if product else item["Sku"])
    item["SiteOrderItemID"] = item["SiteOrderItemID"] or f"SOI-{item['ID']:010d}"
    if item["ProductID"] is None and product is not None:
        item["ProductID"] = product["ID"]
    item["Promotions"] = []
    return item


def _seed_history(state: State, order: Order, data: dict[str, Any]) -> None:
    """Make seeded shipped or canceled orders consistent: fulfillments and cancellations to match."""
    status = order["ShippingStatus"]
    seeded = data.get("Fulfillments")
    if seeded is None and status in ("Shipped", "PartiallyShipped"):
        items = order["Items"] if status == "Shipped" else order["Items"][:1]
        seeded = [{"Items": [{"OrderItemID": i["ID"], "Quantity": i["Quantity"]} for i in items]}]
        if status == "PartiallyShipped" and len(order["Items"]) == 1 and order["Items"][0]["Quantity"] > 1:
            seeded[0]["Items"][0]["Quantity"] = 1
    for number, spec in enumerate(seeded or [], start=1):
        _seed_fulfillment(state, order, spec, number)
    if status == "Canceled":
        for item in order["Items"]:
            order["Adjustments"].append(
                cancellation(state, order, item, item["Quantity"], "BuyerCancelled", order["UpdatedDateUtc"])
            )
    shipping.settle(state, order, touch=False)


def _seed_fulfillment(state: State, order: Order, spec: dict[str, Any], number: int) -> None:
    by_sku = {i["Sku"]: i["ID"] for i in order["Items"]}
    quantities: dict[int, int] = {}
    for line in spec.get("Items") or [{"OrderItemID": i["ID"], "Quantity": i["Quantity"]} for i in order["Items"]]:
        item_id = line.get("OrderItemID") or by_sku.get(line.get("Sku") or "")
        if item_id is None:
            raise ValueError(f"order {order['ID']}: fulfillment item {line} matches no order item")
        quantities[item_id] = line.get("Quantity") or 1
    fields = {
        "DeliveryStatus": spec.get("DeliveryStatus") or "Complete",
        "TrackingNumber": spec.get("TrackingNumber") or f"1Z{order['ID']:010d}{number:02d}",
        "ShippingCarrier": spec.get("ShippingCarrier") or order["RequestedShippingCarrier"],
        "ShippingClass": spec.get("ShippingClass") or order["RequestedShippingClass"],
        "ShippedDateUtc": spec.get("ShippedDateUtc") or order["UpdatedDateUtc"],
        "SellerFulfillmentID": spec.get("SellerFulfillmentID"),
        "CreatedDateUtc": order["CreatedDateUtc"],
        "UpdatedDateUtc": order["UpdatedDateUtc"],
    }
    fulfillment = shipping.new_fulfillment(state, order, **fields)
    shipping.add_items(state, order, fulfillment, quantities)
    if shipping.is_shipped(fulfillment):
        order["ShippingDateUtc"] = order["ShippingDateUtc"] or fields["ShippedDateUtc"]


def cancellation(
    state: State, order: Order, item: dict[str, Any], quantity: int, reason: str, when: str, **amounts: Any
) -> dict[str, Any]:
    return adjustment(state, order, item, "Cancellation", quantity, reason, when, **amounts)


def adjustment(
    state: State,
    order: Order,
    item: dict[str, Any] | None,
    kind: str,
    quantity: int,
    reason: str,
    when: str,
    **fields: Any,
) -> dict[str, Any]:
    record = {
        "ID": state.next_id("adjustment"),
        "ProfileID": order["ProfileID"],
        "OrderID": order["ID"],
        "OrderItemID": item["ID"] if item else None,
        "SellerAdjustmentID": None,
        "Type": kind,
        "Reason": reason,
        "RequestStatus": "PostProcessingComplete",
        "Comment": None,
        "Quantity": quantity,
        "Restock": False,
        "PreventSiteProcessing": False,
        "ItemAdjustment": 0,
        "TaxAdjustment": 0,
        "ShippingAdjustment": 0,
        "ShippingTaxAdjustment": 0,
        "GiftWrapAdjustment": 0,
        "GiftWrapTaxAdjustment": 0,
        "RecyclingFeeAdjustment": 0,
        "CreatedDateUtc": when,
    }
    record.update({k: v for k, v in fields.items() if v is not None})
    return record


def build_product(state: State, raw: dict[str, Any]) -> dict[str, Any]:
    data = bodies.check(raw, PRODUCT_SPEC, "Product")
    now = timefmt.format_utc(state.clock.now())
    product = _blank(PRODUCT, {"IsParent": False, "IsBlocked": False, "OpenAllocatedQuantity": 0}, data)
    product["ID"] = data.get("ID") or state.next_id("product")
    if product["ProfileID"] not in state.profiles or not product["Sku"]:
        raise ValueError(f"product {product['ID']}: a known ProfileID and a Sku are required")
    for name in ("CreateDateUtc", "UpdateDateUtc", "QuantityUpdateDateUtc"):
        product[name] = product[name] or now
    product["Title"] = product["Title"] or product["Sku"]
    rows = data.get("DCQuantities") or []
    product["DCQuantities"] = [
        {
            "ProductID": product["ID"],
            "ProfileID": product["ProfileID"],
            "DistributionCenterID": row.get("DistributionCenterID") or 0,
            "AvailableQuantity": row.get("AvailableQuantity") or 0,
        }
        for row in rows
    ]
    state.index_product(product)
    state.save_product(product)
    return product


def build_dc(state: State, raw: dict[str, Any]) -> dict[str, Any]:
    data = bodies.check(raw, DISTRIBUTION_CENTER.props, "DistributionCenter")
    defaults = {
        "Type": "Warehouse",
        "IsDeleted": False,
        "PickupLocation": False,
        "ShipLocation": True,
        "ID": 0,
    }
    dc = _blank(DISTRIBUTION_CENTER, defaults, data)
    if dc["ProfileID"] not in state.profiles:
        raise ValueError(f"distribution center {dc['ID']}: unknown ProfileID {dc['ProfileID']}")
    dc["IsExternallyManaged"] = dc["Type"] == "ExternallyManaged"
    dc["Name"] = dc["Name"] or f"DC {dc['ID']}"
    dc["Code"] = dc["Code"] or f"DC{dc['ID']}"
    state.dcs[(dc["ProfileID"], dc["ID"])] = dc
    state.storage.put("dc", f"{dc['ProfileID']}:{dc['ID']}", dc)
    return dc
