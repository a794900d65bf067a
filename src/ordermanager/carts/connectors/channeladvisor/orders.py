"""ChannelAdvisor's order JSON, checked and read into the order manager's terms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordermanager.carts.connectors.base import MalformedOrder, RemoteFulfillment, RemoteItem, RemoteOrder, ShipmentLine
from ordermanager.carts.connectors.channeladvisor import answers
from ordermanager.carts.import_problems import fingerprint
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
# Worked out once: Django computes a Choices' values anew on every read, twice per downloaded order otherwise.
_CHECKOUT_STATUSES = tuple(CheckoutStatus.values)
_PAYMENT_STATUSES = tuple(PaymentStatus.values)
_MAX_LENGTHS = {"buyer_email": 254, "ship_to_company": 200, "ship_to_address1": 200, "ship_to_address2": 200}


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None or isinstance(value, dict | list) else str(value)


def _choice(value: Any, choices: tuple[str, ...], default: str) -> str:
    return value if value in choices else default


def _name(raw: dict[str, Any], prefix: str) -> str:
    return " ".join(_text(raw, f"{prefix}{part}") for part in ("FirstName", "LastName")).strip()


def order_key(raw: dict[str, Any]) -> str:
    """The cart's order ID, or a stand-in for an order that came without one."""
    value = raw.get("ID")
    if isinstance(value, int | str) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()[:64]
    return f"no-ID:{fingerprint(raw)[:12]}"


def to_remote_fulfillment(shape: answers.Fulfillment) -> RemoteFulfillment:
    return RemoteFulfillment(
        fulfillment_id=str(shape.ID),
        tracking_number=shape.TrackingNumber or "",
        carrier=shape.ShippingCarrier or "",
        shipping_class=shape.ShippingClass or "",
        seller_fulfillment_id=shape.SellerFulfillmentID or "",
        shipped_at=shape.ShippedDateUtc,
        lines=tuple(ShipmentLine(str(i.OrderItemID), i.Sku or "", i.Quantity) for i in shape.Items or ()),
    )


def read_order(raw: dict[str, Any]) -> RemoteOrder | MalformedOrder:
    """One order of a page: read, or set aside with the reason when it is not what the API documents."""
    try:
        shape = answers.check(answers.Order, raw)
    except answers.BadAnswer as error:
        return MalformedOrder(order_key(raw), str(error), raw)
    return to_remote_order(shape, raw)


def to_remote_order(shape: answers.Order, raw: dict[str, Any]) -> RemoteOrder:
    fields: dict[str, Any] = {
        name: _text(raw, source)[: _MAX_LENGTHS.get(name, 64)] for name, source in _TEXT_FIELDS.items()
    }
    fields.update(
        channel_order_id=str(shape.ID),
        profile_id=shape.ProfileID,
        ordered_at=shape.CreatedDateUtc,
        buyer_name=_name(raw, "Billing")[:200] or _text(raw, "BuyerUserId")[:200],
        ship_to_name=_name(raw, "Shipping")[:200],
        checkout_status=_choice(raw.get("CheckoutStatus"), _CHECKOUT_STATUSES, CheckoutStatus.COMPLETED),
        payment_status=_choice(raw.get("PaymentStatus"), _PAYMENT_STATUSES, PaymentStatus.NOT_YET_SUBMITTED),
        total=_money(shape.TotalPrice),
    )
    if fields["payment_status"] in (PaymentStatus.CLEARED, PaymentStatus.DEPOSITED):
        fields["amount_paid"] = fields["total"]
    if raw.get("ShippingStatus") == ShippingStatus.THIRD_PARTY_MANAGED:
        fields["shipping_status"] = ShippingStatus.THIRD_PARTY_MANAGED
    items = [
        RemoteItem(
            channel_item_id=str(item.ID),
            sku=item.Sku or item.SKU or "",
            title=(item.Title or "")[:300],
            quantity=item.Quantity,
            unit_price=_money(item.UnitPrice),
        )
        for item in shape.Items or ()
    ]
    fulfillments = [
        to_remote_fulfillment(f)
        for f in shape.Fulfillments or ()
        if f.TrackingNumber and f.DeliveryStatus not in (None, "NoChange", "Canceled")
    ]
    # Pairs the account is known to use: the buyer's requested service and what already shipped.
    pairs = {(f.carrier, f.shipping_class) for f in fulfillments if f.carrier and f.shipping_class}
    if fields["requested_shipping_carrier"] and fields["requested_shipping_class"]:
        pairs.add((fields["requested_shipping_carrier"], fields["requested_shipping_class"]))
    return RemoteOrder(str(shape.ID), fields, items, fulfillments, pairs, raw)
