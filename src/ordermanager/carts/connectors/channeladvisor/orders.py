"""ChannelAdvisor's order JSON, read into the order manager's terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from ordermanager.carts.connectors.base import RemoteFulfillment, RemoteItem, RemoteOrder, ShipmentLine
from ordermanager.orders.models import CheckoutStatus, PaymentStatus, ShippingStatus

# Order fields copied as they are: our name ← ChannelAdvisor's name.
_TEXT_FIELDS = {
    "marketplace_order_id": "SiteOrderID",
    "site_name": "SiteName",
    "buyer_email": "BuyerEmailAddress",
    "ship_to_company": "ShippingCompanyName",
    "ship_to_address1": "ShippingAddressLine1",
    "ship_to_address2": "ShippingAddressLine2",
    "ship_to_city": "ShippingCity",
    "ship_to_state": "ShippingStateOrProvince",
    "ship_to_postal_code": "ShippingPostalCode",
    "ship_to_country": "ShippingCountry",
    "ship_to_phone": "ShippingDaytimePhone",
    "requested_shipping_carrier": "RequestedShippingCarrier",
    "requested_shipping_class": "RequestedShippingClass",
}
_MAX_LENGTHS = {"buyer_email": 254, "ship_to_company": 200, "ship_to_address1": 200, "ship_to_address2": 200}


def parse_time(value: str | None) -> dt.datetime | None:
    """ChannelAdvisor sends up to 7 fractional digits, which Python's parser does not take."""
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        zone = tail[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value or 0)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal(0)


def _choice(value: Any, choices: list[str], default: str) -> str:
    return value if value in choices else default


def _name(raw: dict[str, Any], prefix: str) -> str:
    return " ".join(str(raw.get(f"{prefix}{part}") or "") for part in ("FirstName", "LastName")).strip()


def to_remote_fulfillment(raw: dict[str, Any]) -> RemoteFulfillment:
    lines = tuple(
        ShipmentLine(
            channel_item_id=str(item.get("OrderItemID", "")),
            sku=str(item.get("Sku") or ""),
            quantity=int(item.get("Quantity") or 0),
        )
        for item in raw.get("Items") or []
    )
    return RemoteFulfillment(
        fulfillment_id=str(raw.get("ID", "")),
        tracking_number=str(raw.get("TrackingNumber") or ""),
        carrier=str(raw.get("ShippingCarrier") or ""),
        shipping_class=str(raw.get("ShippingClass") or ""),
        seller_fulfillment_id=str(raw.get("SellerFulfillmentID") or ""),
        shipped_at=parse_time(raw.get("ShippedDateUtc")),
        lines=lines,
    )


def to_remote_order(raw: dict[str, Any]) -> RemoteOrder:
    fields: dict[str, Any] = {
        name: str(raw.get(source) or "")[: _MAX_LENGTHS.get(name, 64)] for name, source in _TEXT_FIELDS.items()
    }
    fields.update(
        channel_order_id=str(raw["ID"]),
        profile_id=raw.get("ProfileID"),
        ordered_at=parse_time(raw.get("CreatedDateUtc")),
        buyer_name=_name(raw, "Billing")[:200] or str(raw.get("BuyerUserId") or "")[:200],
        ship_to_name=_name(raw, "Shipping")[:200],
        checkout_status=_choice(raw.get("CheckoutStatus"), CheckoutStatus.values, CheckoutStatus.COMPLETED),
        payment_status=_choice(raw.get("PaymentStatus"), PaymentStatus.values, PaymentStatus.NOT_YET_SUBMITTED),
        total=_money(raw.get("TotalPrice")),
    )
    if fields["payment_status"] in (PaymentStatus.CLEARED, PaymentStatus.DEPOSITED):
        fields["amount_paid"] = fields["total"]
    if raw.get("ShippingStatus") == ShippingStatus.THIRD_PARTY_MANAGED:
        fields["shipping_status"] = ShippingStatus.THIRD_PARTY_MANAGED
    items = [
        RemoteItem(
            channel_item_id=str(item["ID"]),
            sku=str(item.get("Sku") or item.get("SKU") or ""),
            title=str(item.get("Title") or "")[:300],
            quantity=int(item.get("Quantity") or 0),
            unit_price=_money(item.get("UnitPrice")),
        )
        for item in raw.get("Items") or []
    ]
    fulfillments = [
        to_remote_fulfillment(f)
        for f in raw.get("Fulfillments") or []
        if f.get("TrackingNumber") and f.get("DeliveryStatus") not in (None, "NoChange", "Canceled")
    ]
    # Pairs the account is known to use: the buyer's requested service and what already shipped.
    pairs = {(f.carrier, f.shipping_class) for f in fulfillments if f.carrier and f.shipping_class}
    if raw.get("RequestedShippingCarrier") and raw.get("RequestedShippingClass"):
        pairs.add((str(raw["RequestedShippingCarrier"]), str(raw["RequestedShippingClass"])))
    return RemoteOrder(str(raw["ID"]), fields, items, fulfillments, pairs)
