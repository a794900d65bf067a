"""List Maintenance and the Status Change Events grid: the only doors to labels and rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from ordermanager.action_reads import forget
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.orders.models import Order, OrderItem
from ordermanager.statuses.catalogue import EVENTS, get_event
from ordermanager.statuses.models import LABEL_MAX_LENGTH, EventRule, StatusLabel
from ordermanager.wording import plural

TRACKING_EVENT = "OrderAddTrackingNumber"


def clean_label_name(name: str) -> str:
    text = (name or "").strip()
    if not text:
        raise InputError("label", "a status label cannot be empty")
    if len(text) > LABEL_MAX_LENGTH:
        raise InputError("label", f"a status label is at most {LABEL_MAX_LENGTH} characters; {text!r} has {len(text)}")
    if "'" in text or '"' in text:
        raise InputError("label", f"a status label cannot contain single or double quotes: {text!r}")
    return text


def get_label(name: str) -> StatusLabel:
    label = StatusLabel.objects.filter(name=clean_label_name(name)).first()
    if label is None:
        raise InputError(
            "label", f"there is no status label {name.strip()!r}; add it first (`ordermanager labels add`)"
        )
    return label


@transaction.atomic
def add_label(name: str) -> StatusLabel:
    forget()
    text = clean_label_name(name)
    if StatusLabel.objects.filter(name=text).exists():
        raise InputError("label", f"the status label {text!r} already exists")
    return StatusLabel.objects.create(name=text)


@transaction.atomic
def rename_label(name: str, new_name: str) -> StatusLabel:
    """Rename a list entry. The rules follow it; orders and items that carry it are relabelled too, so
    the next event compares against the new name and does not take the rename for a change to send."""
    label = get_label(name)
    text = clean_label_name(new_name)
    if StatusLabel.objects.filter(name=text).exclude(pk=label.pk).exists():
        raise InputError("label", f"the status label {text!r} already exists")
    old = label.name
    if text != old:
        label.name = text
        label.save(update_fields=["name"])
        Order.objects.filter(status_label=old).update(status_label=text)
        OrderItem.objects.filter(status_label=old).update(status_label=text)
    return label


@transaction.atomic
def delete_label(name: str) -> None:
    forget()
    label = get_label(name)
    using = EventRule.objects.filter(item_label=label) | EventRule.objects.filter(order_label=label)
    events = sorted({rule.event for rule in using})
    if events:
        raise InputError(
            "label",
            f"{label.name!r} is used by the status event rule(s) {', '.join(events)}; "
            "choose another label for them first",
        )
    label.delete()


@dataclass
class RuleChange:
    rule: EventRule
    warnings: list[str] = field(default_factory=list)


_UNSET: Any = object()


def carts_that_take_updates() -> list[Cart]:
    return [c for c in Cart.objects.filter(active=True, send_status_to_web=True) if c.type.takes_status_updates]


def _check_notify_cart(event_id: str) -> list[str]:
    """Notify Cart on an event that may fire without tracking: refuse or warn for tracking carts."""
    event = EVENTS[event_id]
    if event.carries_tracking:
        return []
    carts = carts_that_take_updates()
    needing = sorted(c.store_name for c in carts if c.needs_tracking_for_status_updates)
    if not needing:
        return []
    others = sorted(c.store_name for c in carts if not c.needs_tracking_for_status_updates)
    why = (
        f"{event_id} may fire without a tracking number, and the cart(s) {', '.join(needing)} "
        f"(ChannelAdvisor) need tracking with every status update; tick Notify Cart on {TRACKING_EVENT} for them"
    )
    if not others:
        raise InputError("notify_cart", why)
    return [f"Notify Cart on {event_id} will update {', '.join(others)} only. {why}."]


@transaction.atomic
def set_event_rule(
    event_id: str,
    *,
    item_label: str | None = _UNSET,
    order_label: str | None = _UNSET,
    notify_cart: bool | None = None,
) -> RuleChange:
    """Change one row of the grid. A label of "" or None clears that column; omitted keeps it."""
    forget()
    event = get_event(event_id)
    rule, _ = EventRule.objects.select_for_update().get_or_create(event=event.id)
    if item_label is not _UNSET:
        rule.item_label = get_label(item_label) if item_label else None
    if order_label is not _UNSET:
        rule.order_label = get_label(order_label) if order_label else None
    warnings: list[str] = []
    if notify_cart is not None:
        if notify_cart and not rule.notify_cart:
            warnings = _check_notify_cart(event.id)
        rule.notify_cart = notify_cart
    rule.save()
    return RuleChange(rule, warnings)


# Default labels and rules ("Load Default Status Events"). The ship-date events set no labels on
# purpose: if they set the label the tracking event sets, the tracking event would change nothing
# and no update would reach the cart (a pitfall the original product's users hit).
DEFAULT_RULES: dict[str, tuple[str | None, str | None, bool]] = {
    # event: (item label, order label, notify cart)
    "OrderImport": ("Item Received", "Order Received", False),
    "OrderApprove": (None, "Approved", False),
    "OrderLogPayment": (None, "Paid", False),
    "OrderPaymentDeclined": (None, "Payment Declined", False),
    "OrderRefund": (None, "Refunded", False),
    "OrderHold": (None, "On Hold", False),
    "OrderRelease": (None, "Released", False),
    "OrderPick": ("Picking", "Picking", False),
    "OrderSetExpectedShipDate": (None, None, False),
    "OrderSetActualShipDate": (None, None, False),
    "OrderAddTrackingNumber": ("Item Shipped", "Tracking Received", True),
    "OrderShip": (None, "Order Shipped", False),
    "OrderCancel": ("Item Cancelled", "Order Cancelled", False),
    "OrderReturn": (None, "Order Returned", False),
    "ItemAdd": ("Item Received", None, False),
    "ItemChange": (None, None, False),
    "ItemCancel": ("Item Cancelled", None, False),
    "ItemBackorder": ("Item Backordered", "Backordered", False),
    "ItemBackorderFilled": ("In Stock", None, False),
    "ItemSetExpectedShipDate": (None, None, False),
    "ItemSetActualShipDate": (None, None, False),
    "ItemAddTrackingNumber": (None, None, False),
    "ItemShip": (None, None, False),
    "ItemDropShipOrdered": ("Drop Ship Ordered", None, False),
    "ItemDropShipCanceled": ("Drop Ship Canceled", None, False),
    "ItemReturn": ("Item Returned", None, False),
}


@dataclass
class DefaultsLoaded:
    labels_added: list[str]
    rules_set: list[str]

    @property
    def summary(self) -> str:
        return (
            f"Default status events loaded: {plural(len(self.labels_added), 'label')} added, "
            f"{plural(len(self.rules_set), 'rule')} set."
        )


@transaction.atomic
def load_default_status_events(reset: bool = False) -> DefaultsLoaded:
    """Seed the default labels and rules.

    Without `reset` only rules that have no labels and no Notify Cart are filled in, so that loading
    twice changes nothing and a merchant's own choices survive a restart. With `reset` every rule
    returns to its default.
    """
    forget()
    names = sorted({n for item, order, _ in DEFAULT_RULES.values() for n in (item, order) if n})
    labels_added = [n for n in names if StatusLabel.objects.get_or_create(name=n)[1]]
    labels = {label.name: label for label in StatusLabel.objects.filter(name__in=names)}
    rules_set = []
    for event_id, (item, order, notify) in DEFAULT_RULES.items():
        rule, _ = EventRule.objects.get_or_create(event=event_id)
        untouched = rule.item_label_id is None and rule.order_label_id is None and not rule.notify_cart
        wanted = (labels.get(item), labels.get(order), notify)
        if (reset or untouched) and (rule.item_label, rule.order_label, rule.notify_cart) != wanted:
            rule.item_label, rule.order_label, rule.notify_cart = wanted
            rule.save()
            rules_set.append(event_id)
    return DefaultsLoaded(labels_added, rules_set)


def sync_rule_rows(**_: Any) -> None:
    """One grid row per catalogue event, so that every event shows in the grid."""
    forget()
    existing = set(EventRule.objects.values_list("event", flat=True))
    EventRule.objects.bulk_create([EventRule(event=e) for e in EVENTS if e not in existing])
