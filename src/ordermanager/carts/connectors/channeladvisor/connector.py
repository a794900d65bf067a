"""The ChannelAdvisor cart type: order download, Export, Ship, fulfillments and quantities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from typing import Any

from ordermanager.action_reads import once_per_action
from ordermanager.carts.carriers import Source, note_carrier_classes
from ordermanager.carts.connectors.base import (
    CartError,
    Connector,
    ErrorKind,
    Guard,
    MalformedOrder,
    Outcome,
    QuantityUpdate,
    RemoteFulfillment,
    RemoteOrder,
    ShipmentRequest,
    check_readable,
)
from ordermanager.carts.connectors.channeladvisor import answers
from ordermanager.carts.connectors.channeladvisor import orders as order_format
from ordermanager.carts.connectors.channeladvisor.client import ChannelAdvisorClient
from ordermanager.carts.connectors.channeladvisor.shipments import plan_shipments
from ordermanager.carts.connectors.channeladvisor.wire import Limits
from ordermanager.carts.connectors.pacing import AccountGate, account_gate
from ordermanager.carts.models import Cart, ChannelAdvisorAccount
from ordermanager.carts.types import CHANNELADVISOR
from ordermanager.errors import CLEAR_PROBLEMS
from ordermanager.orders.models import Order
from ordermanager.params import actions as params

EXPAND = "Items,Fulfillments($expand=Items)"
CARRIER_REFUSED = "carrier and class is invalid"
NOTHING_TO_SHIP = "unshipped quantity"


def utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def odata_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def cart_limits(cart: Cart) -> Limits:
    """The bounds on every call to this cart, from its parameters (ChannelAdvisor group, overridable per cart)."""
    return Limits(
        deadline_seconds=params.get("CartCallDeadlineSeconds", cart=cart),
        max_answer_bytes=params.get("CartMaxAnswerMegabytes", cart=cart) * 1024 * 1024,
        max_pages=params.get("CartMaxPagesPerRun", cart=cart),
        max_retry_after_seconds=params.get("CartMaxRetryAfterSeconds", cart=cart),
    )


def _any_of(prop: str, values: list[str]) -> str:
    return "(" + " or ".join(f"{prop} eq {odata_quote(v)}" for v in values) + ")"


class ChannelAdvisorConnector(Connector):
    cart_type = CHANNELADVISOR

    def __init__(self, cart: Cart, gate: AccountGate | None = None) -> None:
        self.cart = cart
        self.account: ChannelAdvisorAccount = cart.channeladvisor
        check_readable(cart, self.account, ("application_id", "shared_secret", "refresh_token"))
        with once_per_action():  # the cart's parameters in two queries
            limits, gate = cart_limits(cart), gate or account_gate(cart)
        self.client = ChannelAdvisorClient(
            self.account.api_base_url,
            self.account.application_id,
            self.account.shared_secret,
            self.account.refresh_token,
            limits=limits,
            gate=gate,
        )
        # A connector lives for one import run or one Test Settings: their pages count against one budget.
        self.run_pages = self.client.budget()
        self._product_ids: dict[str, int] = {}
        self._center: int | None = None

    def close(self) -> None:
        self.client.close()

    # --- Test Settings ----------------------------------------------------------------------

    def test_settings(self) -> str:
        self.client.token()
        profiles = [p.ID for p in self.client.records(answers.Profile, "/v1/Profiles", {}, self.run_pages)]
        if self.account.profile_id not in profiles:
            listed = ", ".join(str(p) for p in profiles) or "none"
            raise CartError(
                ErrorKind.PERMANENT,
                f"the token works, but not for Account Profile ID {self.account.profile_id}; it covers {listed}",
                fix_hint="correct the Account Profile ID, or authorize the application for that profile",
            )
        return f"Connected to ChannelAdvisor at {self.client.base_url}: profile {self.account.profile_id} is reachable."

    # --- orders -----------------------------------------------------------------------------

    def order_filter(self) -> str:
        account = self.account
        parts = [
            f"ProfileID eq {account.profile_id}",
            _any_of("CheckoutStatus", account.download_checkout_statuses),
            _any_of("PaymentStatus", account.download_payment_statuses),
            _any_of("ShippingStatus", account.download_shipping_statuses),
        ]
        if not account.download_externally_managed:
            parts.append("DistributionCenterTypeRollup ne 'ExternallyManaged'")
        return " and ".join(parts)

    def download_orders(self, limit: int, skip: Collection[str] = ()) -> Iterator[RemoteOrder | MalformedOrder]:
        # A batch is read in full before the caller marks any of it exported: `exported=false` paging
        # moves under our feet as orders leave the set. The next batch starts again from the first page.
        query = {"exported": "false", "$filter": self.order_filter(), "$expand": EXPAND}
        listed: list[dict] = []
        for page in self.client.pages("/v1/Orders", query, self.run_pages):
            listed += [raw for raw in page if order_format.order_key(raw) not in skip]
            if len(listed) >= limit:
                break
        for raw in listed[:limit]:
            order = order_format.read_order(raw)
            if isinstance(order, RemoteOrder) and (
                "Items@odata.nextLink" in raw or "Fulfillments@odata.nextLink" in raw
            ):
                # Lists cap expanded children at 20; the single-order read returns them all.
                answer = self.client.request("GET", f"/v1/Orders({order.channel_order_id})", params={"$expand": EXPAND})
                try:
                    full = answers.decode(answer.body)
                except answers.BadAnswer as error:
                    raise self.client.bad_answer(answer, str(error)) from None
                if not isinstance(full, dict):
                    raise self.client.bad_answer(answer, f"the order is a JSON {type(full).__name__}, not an object")
                order = order_format.read_order(full)
            yield order

    def count_waiting_orders(self) -> int | None:
        # $count with one ID: the total of the same filtered set, without reading the orders. Only for the
        # progress bar: when the cart cannot say, the import goes on without a total (and meets any real
        # trouble on its first page, where it is reported).
        params = {"exported": "false", "$filter": self.order_filter(), "$count": "true", "$top": "1", "$select": "ID"}
        try:
            return self.client.get(answers.Counted, "/v1/Orders", params).count
        except CartError:
            return None

    def acknowledge_order(self, order: RemoteOrder) -> None:
        self.client.request("POST", f"/v1/Orders({int(order.channel_order_id)})/Export")

    # --- shipments --------------------------------------------------------------------------

    def plan_shipments(self, order: Order) -> list[ShipmentRequest]:
        return plan_shipments(order)

    @staticmethod
    def ship_body(request: ShipmentRequest) -> dict[str, Any]:
        value: dict[str, Any] = {
            "ShippedDateUtc": utc_iso(request.shipped_at),
            "TrackingNumber": request.tracking_number,
            "ShippingCarrier": request.carrier,
            "ShippingClass": request.shipping_class,
            "SellerFulfillmentID": request.seller_fulfillment_id,
            "DeliveryStatus": "Complete",
        }
        if request.lines is not None:
            value["Items"] = [
                {"OrderItemID": int(line.channel_item_id), "Sku": line.sku, "Quantity": line.quantity}
                for line in request.lines
            ]
        return {"Value": value}

    def send_shipment(self, request: ShipmentRequest, guard: Guard | None = None) -> None:
        try:
            self.client.request(
                "POST", f"/v1/Orders({int(request.channel_order_id)})/Ship", json=self.ship_body(request), guard=guard
            )
        except CartError as error:
            raise self._explain_ship_error(error, request) from None

    def _explain_ship_error(self, error: CartError, request: ShipmentRequest) -> CartError:
        text = error.message.lower()
        if error.status == 400 and CARRIER_REFUSED in text:
            error.outcome = Outcome.CARRIER_REFUSED
            # Remembered, so the operator is not offered the same pair again when mapping the method.
            note_carrier_classes(self.cart, {(request.carrier, request.shipping_class)}, Source.REFUSED)
            error.fix_hint = (
                f"ChannelAdvisor does not accept carrier {request.carrier!r} with class {request.shipping_class!r} "
                "on this account: add the pair in ChannelAdvisor (Fulfill > Carriers), or map the shipping method "
                "to a pair the account has (ordermanager carts map-carrier)"
            )
        elif error.status == 400 and NOTHING_TO_SHIP in text:
            # Already shipped (by us before a lost answer, or elsewhere): the caller reconciles, and the hint
            # holds only if none of the order's fulfillments turns out to be ours.
            error.kind, error.outcome = ErrorKind.AMBIGUOUS, Outcome.NOTHING_TO_SHIP
            error.fix_hint = (
                f"ChannelAdvisor has nothing left to ship on order {request.channel_order_id}, and none of its "
                f"fulfillments has tracking {request.tracking_number}: it was shipped elsewhere. Correct the "
                f"tracking in ChannelAdvisor if needed, then clear this record ({CLEAR_PROBLEMS})"
            )
        elif error.status == 404:
            error.fix_hint = (
                f"ChannelAdvisor has no order {request.channel_order_id} for this application; "
                "check the cart's profile and that the order was not deleted there"
            )
        return error

    def read_fulfillments(self, channel_order_id: str) -> list[RemoteFulfillment]:
        query = {"$filter": f"OrderID eq {int(channel_order_id)}", "$expand": "Items"}
        return [
            order_format.to_remote_fulfillment(shape)
            for shape in self.client.records(answers.Fulfillment, "/v1/Fulfillments", query)
        ]

    # --- stock ------------------------------------------------------------------------------

    def _product_id(self, sku: str) -> int | None:
        if sku not in self._product_ids:
            query = {
                "$filter": f"ProfileID eq {self.account.profile_id} and Sku eq {odata_quote(sku)}",
                "$select": "ID",
            }
            found = next(self.client.records(answers.ProductId, "/v1/Products", query), None)
            if found is None:
                return None
            self._product_ids[sku] = found.ID
        return self._product_ids[sku]

    def _distribution_center(self) -> int:
        """The profile's default DC if the merchant manages it, else its lowest-numbered one that it manages."""
        if self._center is not None:
            return self._center
        profile = self.account.profile_id
        centers = [
            dc
            for dc in self.client.records(answers.DistributionCenter, "/v1/DistributionCenters", {})
            if dc.ProfileID in (None, profile)
            and not dc.IsDeleted
            and not dc.IsExternallyManaged
            and dc.Type != "ExternallyManaged"
        ]
        if not centers:
            raise CartError(
                ErrorKind.PERMANENT,
                "the ChannelAdvisor account has no distribution center that the merchant manages",
                fix_hint="add a warehouse distribution center in ChannelAdvisor",
            )
        ids = {dc.ID for dc in centers}
        default = next(
            (
                p.DefaultDistributionCenterID
                for p in self.client.records(answers.Profile, "/v1/Profiles", {})
                if profile == p.ID
            ),
            None,
        )
        self._center = default if default is not None and default in ids else min(ids)
        return self._center

    def push_quantities(self, updates: list[QuantityUpdate], guard: Guard | None = None) -> dict[str, CartError | None]:
        outcome: dict[str, CartError | None] = {}
        center = self._distribution_center()
        for update in updates:
            product = self._product_id(update.sku)
            if product is None:
                outcome[update.sku] = CartError(
                    ErrorKind.PERMANENT,
                    f"ChannelAdvisor has no product with SKU {update.sku} in profile {self.account.profile_id}",
                    fix_hint="create the product in ChannelAdvisor, or untick Synchronize Inventory",
                )
                continue
            body = {
                "Value": {
                    "UpdateType": "Absolute",
                    "Updates": [{"DistributionCenterID": center, "Quantity": update.quantity}],
                }
            }
            self.client.request("POST", f"/v1/Products({product})/UpdateQuantity", json=body, guard=guard)
            outcome[update.sku] = None
        return outcome
