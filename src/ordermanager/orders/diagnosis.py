"""Why did (or didn't) this order's update reach its cart? The one chain read by `doctor --order` and the order
page's Cart updates panel.

It walks the links in the order an update travels (order from a cart → event fired → the rule's labels and
Notify Cart → UseStatusUpdates → ChannelAdvisor's tracking rule → label changed → stack record → carrier
mapping → cart settings → a controller driving the cart → rate limit or backoff) and stops at the first broken
link, with its fix. It reads only; Test Settings (a network call) is made only when asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ordermanager.action_reads import once_per_action
from ordermanager.carts.carriers import cart_codes
from ordermanager.carts.models import Cart
from ordermanager.orders.models import Order, Shipment, TimelineEntry, TimelineEvent
from ordermanager.params import actions as params
from ordermanager.stack import health
from ordermanager.stack.health import Check
from ordermanager.stack.models import RecordKind, StackRecord, State
from ordermanager.statuses.actions import TRACKING_EVENT
from ordermanager.statuses.catalogue import EVENTS
from ordermanager.statuses.models import EventRule
from ordermanager.wording import local_time

TICK_TRACKING = f"Tick Notify Cart on {TRACKING_EVENT}: ordermanager events set {TRACKING_EVENT} --notify-cart on"
OPEN = (State.PENDING, State.RETRY, State.IN_FLIGHT)


@dataclass
class Diagnosis:
    """The links walked so far; the last one is broken unless every link held."""

    order: Order
    links: list[Check] = field(default_factory=list)
    records: list[StackRecord] = field(default_factory=list)

    @property
    def broken(self) -> Check | None:
        return next((link for link in self.links if not link.ok), None)

    @property
    def level(self) -> str:
        """For the panel's colour: ok (all held, something was sent), waiting (all held, not sent yet), broken."""
        if self.broken is not None:
            return "waiting" if self.broken.not_yet else "broken"
        return "ok" if any(r.state == State.SENT for r in self.records) else "waiting"

    @property
    def reached(self) -> bool:
        """Everything of this order reached the cart."""
        return bool(self.links) and self.links[-1].ends


@dataclass
class _Facts:
    """What the links read about the order, read once."""

    order: Order
    cart: Cart
    fired: list[str]
    rules: dict[str, EventRule]
    last_decision: TimelineEntry | None  # the last "queued" or "withheld" entry
    records: list[StackRecord]
    shipments: list[Shipment]

    @property
    def notifying(self) -> list[str]:
        return sorted(e for e, r in self.rules.items() if r.notify_cart)

    @property
    def needs_tracking(self) -> bool:
        return self.cart.needs_tracking_for_status_updates


def diagnose(order: Order, *, test_settings: bool = False) -> Diagnosis:
    """Walk the chain for one order. `test_settings` runs the cart's Test Settings (network; not in a transaction)."""
    with once_per_action():  # the parameters are read once, however many links ask
        return _diagnose(order, test_settings)


def _diagnose(order: Order, test_settings: bool) -> Diagnosis:
    report = Diagnosis(order)
    report.records = list(StackRecord.objects.filter(order=order, kind=RecordKind.STATUS_UPDATE).order_by("id"))
    first = _from_a_cart(order)
    report.links.append(first)
    if not first.ok:
        return report
    facts = _read(order, report.records)
    steps: list[Callable[[_Facts], Check]] = [
        _event_fired,
        _rule,
        _use_status_updates,
        _tracking_rule,
        _label_changed,
        _stack_record,
        _carrier_mapping,
        lambda f: health.cart_settings(f.cart, test_settings=test_settings),
        lambda f: health.controller_driving(f.cart),
        lambda f: health.waiting_now(f.records),
    ]
    for step in steps:
        link = step(facts)
        report.links.append(link)
        if not link.ok or link.ends:
            break
    return report


def _read(order: Order, records: list[StackRecord]) -> _Facts:
    assert order.cart is not None
    fired_kinds = (TimelineEvent.STATUS_EVENT_FIRED, TimelineEvent.FIRED_BY_HAND)
    decisions = (
        TimelineEvent.STATUS_UPDATE_WITHHELD,
        TimelineEvent.STATUS_UPDATE_QUEUED,
        TimelineEvent.PACKAGE_NEWS_QUEUED,
    )
    # One read of the entries that matter: the events fired, and every decision to queue or withhold.
    entries = list(TimelineEntry.objects.filter(order=order, kind__in=fired_kinds + decisions).order_by("id"))
    decided = [e for e in entries if e.kind in decisions]
    # The order page has prefetched its packages with their tracking numbers: use them rather than read again.
    prefetched = getattr(order, "_prefetched_objects_cache", {}).get("shipments")
    return _Facts(
        order=order,
        cart=order.cart,
        fired=list(dict.fromkeys(str(e.data.get("event", "")) for e in entries if e.kind in fired_kinds)),
        rules={r.event: r for r in EventRule.objects.select_related("item_label", "order_label")},
        last_decision=decided[-1] if decided else None,
        records=records,
        shipments=list(prefetched if prefetched is not None else order.shipments.prefetch_related("tracking_numbers")),
    )


def _from_a_cart(order: Order) -> Check:
    name = "Order from a cart"
    cart = order.cart
    if cart is None:
        return Check(
            name,
            False,
            "This order was entered by hand and has no cart: no update is sent anywhere.",
            "Nothing to send: tell the buyer yourself (the tracking e-mail still goes if EmailTrackingToCustomer "
            "is on).",
        )
    if cart.needs_tracking_for_status_updates and not order.channel_order_id:
        return Check(
            name,
            False,
            f"This order has no {cart.type.label} order ID (it was entered here, not downloaded), so {cart.store_name} "
            "cannot be told of its shipments.",
            "Ship it in the cart by hand.",
        )
    return Check(name, True, f"From {cart.store_name} ({cart.type.label} order {order.channel_order_id or '—'}).")


def _event_fired(f: _Facts) -> Check:
    name = "Status event fired"
    if f.fired:
        return Check(name, True, f"Fired on this order: {', '.join(f.fired)}.")
    use = _use_status_updates(f)
    if not use.ok:
        return Check(name, False, f"No status event has fired on this order: {use.message}", use.fix)
    return Check(
        name,
        False,
        "No status event has fired on this order yet (nothing approved, shipped or tracked).",
        "Work the order: the cart hears of it when an event with Notify Cart fires "
        f"({', '.join(f.notifying) or 'none'}).",
    )


def _rule(f: _Facts) -> Check:
    name = "Rule's labels and Notify Cart"
    if not f.notifying:
        return Check(
            name,
            False,
            "No status event has Notify Cart ticked, so no event puts an update on the stack.",
            TICK_TRACKING,
        )
    fired_notifying = [e for e in f.fired if e in f.notifying]
    unprocessed = [t for s in f.shipments for t in s.tracking_numbers.all() if not t.processed]
    if not fired_notifying and unprocessed and TRACKING_EVENT in f.notifying:
        return Check(
            name,
            False,
            f"{TRACKING_EVENT} (Notify Cart) has not fired: tracking number {unprocessed[0].number} is not processed.",
            "Run Process Tracking Numbers: ordermanager tracking process",
        )
    if not fired_notifying:
        if f.needs_tracking and not any(EVENTS[e].carries_tracking for e in f.notifying):
            # The cause is ChannelAdvisor's tracking rule: its link says so, with the fix.
            return Check(name, True, f"Notify Cart is ticked on {', '.join(f.notifying)}.")
        if f.needs_tracking and not f.shipments:
            return Check(
                name,
                False,
                f"Nothing to send yet: {f.cart.type.label} is told when a tracking number is added and processed.",
                "Add the tracking number when the order ships.",
                not_yet=True,
            )
        return Check(
            name,
            False,
            f"Notify Cart is ticked only on {', '.join(f.notifying)}, and none of those has fired on this order "
            f"(fired: {', '.join(f.fired)}).",
            TICK_TRACKING
            if f.needs_tracking
            else f"Tick Notify Cart on the event that should tell the cart "
            f"(ordermanager events set {f.fired[-1]} --notify-cart on), or fire one of those.",
        )
    unlabelled = [e for e in fired_notifying if not (f.rules[e].order_label or f.rules[e].item_label)]
    if len(unlabelled) == len(fired_notifying) and not f.needs_tracking:
        return Check(
            name,
            False,
            f"{', '.join(unlabelled)} notifies the cart but sets no label, so no label changes and nothing is sent.",
            f"Give it an order or item label: ordermanager events set {unlabelled[0]} --order-label LABEL",
        )
    return Check(name, True, f"Notify Cart is ticked on {', '.join(fired_notifying)}, which fired.")


def _use_status_updates(f: _Facts) -> Check:
    name = "UseStatusUpdates"
    if not params.get("UseStatusUpdates"):
        return Check(
            name,
            False,
            "UseStatusUpdates is off (globally): no status event sets a label or notifies any cart.",
            "Turn it on: ordermanager params set UseStatusUpdates True",
        )
    if not params.get("UseStatusUpdates", cart=f.cart):
        return Check(
            name,
            False,
            f"UseStatusUpdates is on globally but off for {f.cart.store_name} (the cart's own value wins).",
            f"Remove the cart's override: ordermanager params reset UseStatusUpdates --cart {f.cart.store_name!r}",
        )
    return Check(name, True, f"UseStatusUpdates is on, globally and for {f.cart.store_name}.")


def _tracking_rule(f: _Facts) -> Check:
    name = "ChannelAdvisor's tracking rule"
    if not f.needs_tracking:
        return Check(name, True, f"{f.cart.type.label} takes updates without tracking.")
    decision = f.last_decision
    withheld = decision is not None and decision.data.get("reason") == "event_without_tracking"
    if withheld or not any(EVENTS[e].carries_tracking for e in f.notifying):
        return Check(
            name,
            False,
            f"ChannelAdvisor's tracking rule: {f.cart.type.label} needs a tracking number with every update, and "
            f"Notify Cart is ticked only on {', '.join(f.notifying)}, which may fire without one.",
            TICK_TRACKING,
        )
    return Check(name, True, "An event that carries tracking notifies the cart.")


def _label_changed(f: _Facts) -> Check:
    name = "Label changed"
    decision = f.last_decision
    if decision is not None and decision.data.get("reason") == "no_label_changed":
        event = decision.data.get("event", "")
        return Check(
            name,
            False,
            f"{event} fired but changed no label (the order already had its labels), and an update is sent only "
            f"when a label changes ({local_time(decision.at)}).",
            f"Give {event} labels no earlier event sets (ordermanager events set {event} --order-label LABEL), then "
            "fire it again.",
        )
    return Check(name, True, f"Order label: {f.order.status_label or '(none)'}.")


def _stack_record(f: _Facts) -> Check:
    name = "Stack record"
    if not f.records:
        if not f.cart.takes_status_updates:
            return Check(name, True, "No record was queued: the cart took no updates (see its settings below).")
        if f.shipments and all(s.delivered_to_cart_at for s in f.shipments):
            return Check(name, True, "No record: every package is with the cart already.")
        message = f.last_decision.message if f.last_decision is not None else "no event queued one"
        return Check(
            name,
            False,
            f"No status update is on the stack for this order: {message}.",
            f"Fire {TRACKING_EVENT} again once the cause is fixed: "
            f"ordermanager order fire {f.order.pk} {TRACKING_EVENT}",
        )
    last = f.records[-1]
    if last.state == State.PROBLEM:
        return Check(
            name,
            False,
            f"Stack record {last.pk} is a problem record: {last.last_error}",
            f"{last.fix_hint + '; then ' if last.fix_hint else ''}retry it: ordermanager stack retry {last.pk}",
        )
    if last.state in OPEN:
        return Check(
            name, True, f"Stack record {last.pk} is {last.get_state_display().lower()} (attempts: {last.attempts})."
        )
    if last.state == State.SENT:
        late = [s for s in f.shipments if s.delivered_to_cart_at is None and _tracked(s)]
        if late and f.needs_tracking:
            return Check(
                name,
                False,
                f"Package {late[0].pk} is not with {f.cart.store_name} yet, and no record is on the stack for it.",
                f"Fire {TRACKING_EVENT} by hand: ordermanager order fire {f.order.pk} {TRACKING_EVENT}",
            )
        sent = f"Stack record {last.pk} was sent to {f.cart.store_name} at {local_time(last.sent_at)}."
        return Check(name, True, sent, ends=True)
    return Check(
        name,
        False,
        f"Stack record {last.pk} was cleared without being sent.",
        f"To send it after all: ordermanager order fire {f.order.pk} {TRACKING_EVENT}",
    )


def _tracked(shipment: Shipment) -> bool:
    return any(t.processed for t in shipment.tracking_numbers.all())


def _carrier_mapping(f: _Facts) -> Check:
    name = "Carrier mapping"
    if not f.needs_tracking:
        return Check(name, True, f"{f.cart.type.label} needs no carrier mapping.")
    known: dict[tuple[str, str], bool] = {}  # one look-up per shipping method, not per package
    for s in f.shipments:
        if s.delivered_to_cart_at is not None:
            continue
        method = (s.carrier, s.shipping_class)
        if method not in known:
            known[method] = cart_codes(f.cart, *method) is not None
        if not known[method]:
            return Check(
                name,
                False,
                f"Package {s.pk}'s shipping method {s.carrier} {s.shipping_class} has no {f.cart.type.label} carrier "
                f"and class mapped for {f.cart.store_name}.",
                f"Map it: ordermanager carts map-carrier {f.cart.store_name!r} {s.carrier!r} {s.shipping_class!r} "
                "CARRIER CLASS",
            )
    return Check(name, True, "Every package's shipping method is mapped.")
