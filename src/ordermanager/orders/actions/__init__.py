"""The only door to change an order.

Every public function here runs in one database transaction. In it, it checks its input, changes
the order, fires the status events, writes the timeline and puts status updates on the stack; so
either all of that happens or none of it does. Views, commands and importers only parse input, call
an action and show the result. No action talks to the network.

The actions live in one module per concern; this package names them all, so callers write
`from ordermanager.orders import actions` and `actions.add_tracking_number(...)`.
"""

from ordermanager.orders.actions.cancellations import (
    backorder_item,
    cancel_drop_ship,
    cancel_item,
    cancel_order,
    fill_backorder,
    order_drop_ship,
    return_item,
)
from ordermanager.orders.actions.common import (
    MAX_QUANTITY,
    action,
    check_field_sizes,
    check_quantity,
    get_item,
    get_order,
    refresh_shipping_status,
)
from ordermanager.orders.actions.manual import add_note, fire_status_event
from ordermanager.orders.actions.payments import approve_order, hold_order, log_payment, refund_payment, release_order
from ordermanager.orders.actions.receiving import NewItem, add_item, change_item, receive_order
from ordermanager.orders.actions.ship_dates import print_pick_list, set_actual_ship_date, set_expected_ship_date
from ordermanager.orders.actions.tracking import (
    ProcessReport,
    add_tracking_number,
    clean_tracking_number,
    process_tracking_numbers,
)

__all__ = [
    "MAX_QUANTITY",
    "NewItem",
    "ProcessReport",
    "action",
    "add_item",
    "add_note",
    "add_tracking_number",
    "approve_order",
    "backorder_item",
    "cancel_drop_ship",
    "cancel_item",
    "cancel_order",
    "change_item",
    "check_field_sizes",
    "check_quantity",
    "clean_tracking_number",
    "fill_backorder",
    "fire_status_event",
    "get_item",
    "get_order",
    "hold_order",
    "log_payment",
    "order_drop_ship",
    "print_pick_list",
    "process_tracking_numbers",
    "receive_order",
    "refresh_shipping_status",
    "refund_payment",
    "release_order",
    "return_item",
    "set_actual_ship_date",
    "set_expected_ship_date",
]
