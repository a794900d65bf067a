"""`ordermanager events`: the status event catalogue and the Status Change Events grid."""

from __future__ import annotations

from typing import Any

from ordermanager.management.base import ProductCommand
from ordermanager.management.output import table_columns
from ordermanager.statuses import actions as statuses
from ordermanager.statuses.catalogue import EVENTS, get_event
from ordermanager.statuses.models import EventRule


def _flag(value: str | None) -> bool | None:
    return None if value is None else value == "on"


class Command(ProductCommand):
    help = "Status events: the grid of labels and Notify Cart, and Load Default Status Events."

    def add_subcommands(self) -> None:
        self.sub("list", "Show the Status Change Events grid.", json=True)
        show = self.sub("show", "Show one event: when it occurs, its scope, and its rule.", json=True)
        show.add_argument("event", help="the event's id, e.g. OrderAddTrackingNumber")
        set_ = self.sub("set", "Change one row of the grid. An empty label ('') clears it.")
        set_.add_argument("event", help="the event's id, e.g. OrderAddTrackingNumber")
        set_.add_argument("--item-label", help="the Item Status label")
        set_.add_argument("--order-label", help="the Order Status label")
        set_.add_argument("--notify-cart", choices=["on", "off"], help="tick or untick Notify Cart")
        defaults = self.sub("load-defaults", "Load Default Status Events (only fills rules left empty).")
        defaults.add_argument("--reset", action="store_true", help="return every rule to its default")

    def do_list(self, json: bool, **_: Any) -> None:
        grid = {r.event: r for r in EventRule.objects.select_related("item_label", "order_label")}
        rows = []
        for event in EVENTS.values():
            rule = grid.get(event.id)
            rows.append(
                {
                    "event": event.id,
                    "scope": event.scope,
                    "item_label": rule.item_label.name if rule and rule.item_label else None,
                    "order_label": rule.order_label.name if rule and rule.order_label else None,
                    "notify_cart": bool(rule and rule.notify_cart),
                }
            )
        columns = table_columns(
            "event",
            "scope",
            ("item_label", "Item Status"),
            ("order_label", "Order Status"),
            ("notify_cart", "Notify Cart"),
        )
        self.screen.rows(columns, rows, as_json=json, empty="The event catalogue is empty.")

    def do_show(self, event: str, json: bool, **_: Any) -> None:
        definition = get_event(event)
        rule = EventRule.objects.select_related("item_label", "order_label").filter(event=definition.id).first()
        fields = [
            ("Event", definition.id),
            ("Name", definition.name),
            ("Scope", definition.scope),
            ("Occurs when", definition.occurs_when),
            ("Always carries tracking", definition.carries_tracking),
            ("Item Status", rule.item_label.name if rule and rule.item_label else None),
            ("Order Status", rule.order_label.name if rule and rule.order_label else None),
            ("Notify Cart", bool(rule and rule.notify_cart)),
        ]
        self.screen.record(fields, as_json=json)

    def do_set(
        self, event: str, item_label: str | None, order_label: str | None, notify_cart: str | None, **_: Any
    ) -> None:
        changes: dict[str, Any] = {"notify_cart": _flag(notify_cart)}
        if item_label is not None:
            changes["item_label"] = item_label
        if order_label is not None:
            changes["order_label"] = order_label
        result = statuses.set_event_rule(event, **changes)
        rule = result.rule
        self.stdout.write(
            f"{rule.event}: Item Status {rule.item_label or '-'}, Order Status {rule.order_label or '-'}, "
            f"Notify Cart {'yes' if rule.notify_cart else 'no'}"
        )
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")

    def do_load_defaults(self, reset: bool, **_: Any) -> None:
        loaded = statuses.load_default_status_events(reset=reset)
        self.screen.line(loaded.summary)
