"""The small interface every cart type implements, and the classified errors it returns.

A connector declares what its cart type can do (the `CartType` capabilities) and performs the
operations over the network. It never opens a database transaction around a network call: callers
read what to send first, send it, and record the outcome afterwards through an action.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from ordermanager.carts.types import CartType

if TYPE_CHECKING:
    from ordermanager.carts.connectors.pacing import AccountGate
    from ordermanager.carts.models import Cart
    from ordermanager.orders.models import Order


# Raises when the caller may no longer send (its claim on the record ran out); called just before the wire.
Guard = Callable[[], None]
TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=30.0)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ErrorKind(StrEnum):
    TRANSIENT = "transient"  # retry later: the cart is down or timed out before taking the request
    RATE_LIMITED = "rate_limited"  # retry after `retry_after` seconds
    PERMANENT = "permanent"  # a person must fix something; `fix_hint` says what
    AMBIGUOUS = "ambiguous"  # the request may have been applied: reconcile before sending again


class Outcome(StrEnum):
    """What a failure means for the order, beyond whether to retry: the stack acts on these, never on text."""

    CARRIER_REFUSED = "carrier_refused"  # the account does not take this carrier and class
    NOTHING_TO_SHIP = "nothing_to_ship"  # the cart has nothing left to ship: reconcile to learn whether it was us
    SHIPPED_ELSEWHERE = "shipped_elsewhere"  # nothing left to ship, and no fulfillment of the cart's is ours


class CartError(Exception):
    """A failed call, classified so the stack controller knows whether and when to try again."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        fix_hint: str = "",
        retry_after: float | None = None,
        status: int | None = None,
        raw: str = "",
        outcome: Outcome | None = None,
    ) -> None:
        # A cart's answer is outside text that ends up in the stack record's columns: a NUL byte would make
        # the row guard (and PostgreSQL) refuse the write that records the failure, and the sender would die.
        message = _storable(message)
        super().__init__(message)
        self.kind = kind
        self.outcome = outcome
        self.message = message
        self.fix_hint = fix_hint
        self.retry_after = retry_after
        self.status = status
        self.raw = _storable(raw)[:4000]

    def __str__(self) -> str:
        return f"{self.message} ({self.fix_hint})" if self.fix_hint else self.message


def _storable(text: str) -> str:
    return text.replace("\x00", "\\x00")


def transport_error(error: httpx.TransportError, method: str, where: str, what: str = "the cart") -> CartError:
    """A call that got no answer: transient if it never left (or only read), ambiguous if a write may have landed."""
    never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    if never_sent or method not in WRITE_METHODS:
        return CartError(
            ErrorKind.TRANSIENT,
            f"could not reach {what} at {where}: {type(error).__name__} {error}".strip(),
            fix_hint="check the network and the cart's address" if never_sent else "",
        )
    return CartError(
        ErrorKind.AMBIGUOUS,
        f"the connection to {where} broke during {method} ({type(error).__name__}): {what} may have applied it",
    )


@dataclass(frozen=True)
class ShipmentLine:
    channel_item_id: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class ShipmentRequest:
    """One package as the cart should learn of it. `lines` is None for a whole-order shipment."""

    package_id: int
    channel_order_id: str
    profile_id: int | None
    tracking_number: str
    carrier: str
    shipping_class: str
    shipped_at: dt.datetime
    lines: tuple[ShipmentLine, ...] | None

    @property
    def seller_fulfillment_id(self) -> str:
        return str(self.package_id)


@dataclass(frozen=True)
class RemoteFulfillment:
    fulfillment_id: str
    tracking_number: str
    carrier: str
    shipping_class: str
    seller_fulfillment_id: str
    shipped_at: dt.datetime | None
    lines: tuple[ShipmentLine, ...] = ()


@dataclass
class RemoteItem:
    channel_item_id: str
    sku: str
    title: str
    quantity: int
    unit_price: Decimal


@dataclass
class RemoteOrder:
    """An order as downloaded: the fields of our Order, its items and what already shipped."""

    channel_order_id: str
    fields: dict[str, Any]
    items: list[RemoteItem]
    fulfillments: list[RemoteFulfillment] = field(default_factory=list)
    carrier_classes: set[tuple[str, str]] = field(default_factory=set)
    raw: dict[str, Any] = field(default_factory=dict)  # as the cart sent it, for an import problem


@dataclass(frozen=True)
class MalformedOrder:
    """An order the cart offered that cannot be read. It is set aside as an import problem; the others go on."""

    channel_order_id: str  # the cart's order ID, or a stand-in when the order came without one
    reason: str
    raw: dict[str, Any]


@dataclass(frozen=True)
class QuantityUpdate:
    sku: str
    quantity: int


def check_readable(cart: Any, settings: Any, fields: tuple[str, ...]) -> None:
    """Secrets stored under another encryption key cannot be used: say so, and how to mend it."""
    from ordermanager.crypto import Unreadable

    unreadable = [name for name in fields if isinstance(getattr(settings, name), Unreadable)]
    if unreadable:
        raise CartError(
            ErrorKind.PERMANENT,
            f"the {', '.join(unreadable)} of cart {cart.store_name} cannot be decrypted with this installation's "
            "encryption key (ORDERMANAGER_ENCRYPTION_KEY or var/encryption.key changed)",
            fix_hint=f"enter them again: ordermanager carts edit {cart.store_name!r} --ask-secrets",
        )


class Connector(ABC):
    """One cart's connection. Create it per cart; it keeps the HTTP connection and the token alive.

    Every cart type implements Test Settings; the other operations only where its `cart_type` says it
    can (the defaults refuse with a message that names the cart type).
    """

    cart_type: ClassVar[CartType]

    @abstractmethod
    def __init__(self, cart: Cart, gate: AccountGate | None = None) -> None:
        """Connect to one cart. `gate` paces every call; callers that share an account share its gate."""

    @abstractmethod
    def test_settings(self) -> str:
        """Reach the cart with the saved settings; return what was found, or raise a PERMANENT error."""

    def _unsupported(self, what: str) -> CartError:
        return CartError(ErrorKind.PERMANENT, f"{self.cart_type.label} carts do not {what}")

    def download_orders(self, limit: int, skip: Collection[str] = ()) -> Iterator[RemoteOrder | MalformedOrder]:
        """Up to `limit` orders waiting to be imported, as the cart's filter selects them, leaving out the
        cart order IDs in `skip` (orders this import already handled). An order that cannot be read comes
        as a MalformedOrder, so one bad order never blocks the others."""
        raise self._unsupported("send orders to import")

    def count_waiting_orders(self) -> int | None:
        """How many orders wait to be imported, for a progress bar; None when the cart cannot say."""
        return None

    def acknowledge_order(self, order: RemoteOrder) -> None:
        """Tell the cart an order is safely imported, so it is not offered again."""
        raise self._unsupported("send orders to import")

    def plan_shipments(self, order: Order) -> list[ShipmentRequest]:
        """What to tell the cart of the order's packages, built from the order as it is now: one request per
        package with tracking that the cart does not have yet. Raises a PERMANENT error for what a person
        must fix first (an unmapped shipping method, an order the cart never sent)."""
        raise self._unsupported("take shipments")

    def send_shipment(self, request: ShipmentRequest, guard: Guard | None = None) -> None:
        """Tell the cart a package shipped. Returns only when the cart said OK."""
        raise self._unsupported("take shipments")

    def read_fulfillments(self, channel_order_id: str) -> list[RemoteFulfillment]:
        """What the cart already knows shipped on an order: used to reconcile after an ambiguous failure."""
        raise self._unsupported("report fulfillments")

    def send_status_update(self, order: Order, guard: Guard | None = None) -> str:
        """Tell the cart an order's current status label (carts that take labels, not shipments)."""
        raise self._unsupported("take status labels")

    def push_quantities(self, updates: list[QuantityUpdate], guard: Guard | None = None) -> dict[str, CartError | None]:
        """Send stock levels; the answer says per SKU whether it took."""
        raise self._unsupported("synchronize inventory")

    def close(self) -> None:  # noqa: B027 - a connector without resources needs no close
        """Release connections."""
