"""Cart updates: whether, and why, an order was or was not sent to its cart.

One function, read by the order page (and meant for the CLI too). It reads only: it never changes the order
or the stack. Each finding is one line in the merchant's words, with what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ordermanager.carts.carriers import cart_codes
from ordermanager.carts.models import Cart
from ordermanager.orders.models import Order, TimelineEntry, TimelineEvent
from ordermanager.params import actions as params
from ordermanager.stack.models import RecordKind, StackRecord, State
from ordermanager.statuses.actions import TRACKING_EVENT
from ordermanager.statuses.catalogue import EVENTS
from ordermanager.statuses.models import EventRule


class Level(StrEnum):
    """Worst last: the report's level is the worst of its findings."""

    SENT = "sent"
    NOTHING_YET = "nothing_yet"
    WAITING = "waiting"
    OFF = "off"
    PROBLEM = "problem"


_ORDER = list(Level)
LABELS = {
    Level.SENT: "sent",
    Level.NOTHING_YET: "nothing yet",
    Level.WAITING: "waiting",
    Level.OFF: "not sent",
    Level.PROBLEM: "problem",
}


@dataclass(frozen=True)
class Finding:
    level: Level
    message: str
    fix: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.level]


@dataclass
class CartUpdates:
    findings: list[Finding] = field(default_factory=list)
    records: list[StackRecord] = field(default_factory=list)

    @property
    def level(self) -> Level:
        return max((f.level for f in self.findings), key=_ORDER.index, default=Level.NOTHING_YET)

    def add(self, level: Level, message: str, fix: str = "") -> None:
        self.findings.append(Finding(level, message, fix))


def _switched_off(order: Order, report: CartUpdates) -> bool:
    """The reasons no update can go to this order's cart at all, whatever happens to the order."""
    cart = order.cart
    if cart is None:
        report.add(Level.OFF, "This order has no cart (entered by hand): nothing is sent anywhere.")
        return True
    if not params.get("UseStatusUpdates", cart=cart):
        report.add(
            Level.OFF,
            f"UseStatusUpdates is off for {cart.store_name}: no status event sets a label or notifies the cart.",
            "Turn UseStatusUpdates on (Maintenance > System Parameters, or the Store Setup Wizard).",
        )
        return True
    if not cart.type.takes_status_updates:
        report.add(Level.OFF, f"{cart.store_name} is a {cart.type.label} cart, which takes no status updates.")
        return True
    if not cart.active:
        report.add(
            Level.OFF, f"Cart {cart.store_name} is not active.", "Tick Active on the cart (Maintenance > Carts)."
        )
        return True
    if not cart.send_status_to_web:
        report.add(
            Level.OFF,
            f"Send Status to Web is unticked on cart {cart.store_name}.",
            "Tick Send Status to Web on the cart (Maintenance > Carts).",
        )
        return True
    return False


def _rules_block(order: Order, report: CartUpdates) -> bool:
    """Notify Cart: no event has it, or (ChannelAdvisor) only events that fire without tracking have it."""
    cart = order.cart
    assert cart is not None
    notifying = sorted(EventRule.objects.filter(notify_cart=True).values_list("event", flat=True))
    if not notifying:
        report.add(
            Level.OFF,
            "No status event has Notify Cart ticked, so no event puts an update on the stack.",
            f"Tick Notify Cart on {TRACKING_EVENT} (Maintenance > Status Change Events).",
        )
        return True
    if cart.needs_tracking_for_status_updates and not any(EVENTS[e].carries_tracking for e in notifying):
        report.add(
            Level.OFF,
            f"ChannelAdvisor's tracking rule: {cart.type.label} needs a tracking number with every update, and "
            f"Notify Cart is ticked only on {', '.join(notifying)}, which may fire without one.",
            f"Tick Notify Cart on {TRACKING_EVENT} (Maintenance > Status Change Events).",
        )
        return True
    if cart.needs_tracking_for_status_updates and not order.channel_order_id:
        report.add(
            Level.OFF,
            f"This order has no {cart.type.label} order ID (it was entered here, not downloaded), "
            "so the cart cannot be told of its shipments.",
            "Ship it in the cart by hand.",
        )
        return True
    return False


def _records(order: Order, report: CartUpdates) -> None:
    records = list(StackRecord.objects.filter(order=order, kind=RecordKind.STATUS_UPDATE).order_by("id"))
    report.records = records
    for r in records:
        if r.state == State.PROBLEM:
            report.add(
                Level.PROBLEM,
                f"Stack record {r.pk} is a problem record: {r.last_error}",
                f"{r.fix_hint + '. ' if r.fix_hint else ''}Then retry it from the stack viewer.",
            )
        elif r.state == State.RETRY:
            report.add(
                Level.WAITING,
                f"Stack record {r.pk} is waiting to retry (attempt {r.attempts} failed: {r.last_error or 'no answer'});"
                f" next attempt at {r.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC.",
            )
        elif r.state in (State.PENDING, State.IN_FLIGHT):
            report.add(
                Level.WAITING,
                f"Stack record {r.pk} is {r.get_state_display().lower()}: the stack controller "
                "sends it next (if none is running, nothing is sent: see the Home page).",
            )
        elif r.state == State.SENT and r.sent_at:
            report.add(Level.SENT, f"Sent to {order.cart} at {r.sent_at:%Y-%m-%d %H:%M:%S} UTC (stack record {r.pk}).")


def _packages(order: Order, report: CartUpdates) -> None:
    """ChannelAdvisor is told of packages: say which are not there yet, and why."""
    cart = order.cart
    assert cart is not None
    open_records = any(r.state in (State.PENDING, State.RETRY, State.IN_FLIGHT) for r in report.records)
    # The order page has prefetched them (with their tracking numbers): use that rather than read again.
    prefetched = getattr(order, "_prefetched_objects_cache", {}).get("shipments")
    shipments = list(prefetched if prefetched is not None else order.shipments.prefetch_related("tracking_numbers"))
    if not shipments:
        report.add(
            Level.NOTHING_YET,
            f"Nothing to send yet: {cart.type.label} is told when a tracking number is added and processed.",
        )
        return
    mapped: dict[tuple[str, str], bool] = {}  # one look-up per shipping method, not per package
    for s in shipments:
        if s.delivered_to_cart_at is not None:
            continue
        numbers = list(s.tracking_numbers.all())
        if numbers and not any(t.processed for t in numbers):
            report.add(
                Level.WAITING,
                f"Package {s.pk}'s tracking number {numbers[0].number} is not processed yet.",
                "Run Process Tracking Numbers (ordermanager tracking process).",
            )
        elif not _mapped(mapped, cart, s.carrier, s.shipping_class):
            report.add(
                Level.PROBLEM,
                f"Package {s.pk}'s shipping method {s.carrier} {s.shipping_class} has no {cart.type.label} carrier "
                f"and class mapped for {cart.store_name}.",
                "Map it (Maintenance > Carts > carrier mapping), then retry the record.",
            )
        elif not open_records and not any(r.state == State.PROBLEM for r in report.records):
            report.add(
                Level.WAITING, f"Package {s.pk} is not with {cart.store_name} yet, and no record is on the stack."
            )


def _mapped(known: dict[tuple[str, str], bool], cart: Cart, carrier: str, shipping_class: str) -> bool:
    if (carrier, shipping_class) not in known:
        known[carrier, shipping_class] = cart_codes(cart, carrier, shipping_class) is not None
    return known[carrier, shipping_class]


def _withheld(order: Order, report: CartUpdates) -> None:
    """The last time an event decided not to notify the cart, if nothing was queued since."""
    last = (
        TimelineEntry.objects.filter(
            order=order,
            kind__in=[
                TimelineEvent.STATUS_UPDATE_WITHHELD,
                TimelineEvent.STATUS_UPDATE_QUEUED,
                TimelineEvent.PACKAGE_NEWS_QUEUED,
            ],
        )
        .order_by("-id")
        .first()
    )
    if last is not None and last.kind == TimelineEvent.STATUS_UPDATE_WITHHELD:
        report.add(Level.OFF, f"{last.message} ({last.at:%Y-%m-%d %H:%M} UTC).")


def diagnose_cart_updates(order: Order) -> CartUpdates:
    """Was this order sent to its cart, and if not, why not? Reads only."""
    report = CartUpdates()
    if _switched_off(order, report) or _rules_block(order, report):
        # Earlier records may exist (settings changed since): still show them.
        _records(order, report)
        return report
    _records(order, report)
    _withheld(order, report)
    if order.cart is not None and order.cart.needs_tracking_for_status_updates:
        _packages(order, report)
    elif not report.records:
        _nothing_yet(order, report)
    return report


def _nothing_yet(order: Order, report: CartUpdates) -> None:
    """No record yet: say which events notify the cart, and which have fired (none of those)."""
    notifying = sorted(EventRule.objects.filter(notify_cart=True).values_list("event", flat=True))
    fired = TimelineEntry.objects.filter(order=order, kind=TimelineEvent.STATUS_EVENT_FIRED).values_list(
        "data", flat=True
    )
    names = list(dict.fromkeys(str(data.get("event", "")) for data in fired))
    report.add(
        Level.NOTHING_YET,
        f"Nothing sent yet: only {', '.join(notifying)} notify the cart (Notify Cart), and the events fired so far "
        f"({', '.join(names) or 'none'}) do not.",
    )
