"""Approval, payments and holds."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from ordermanager.errors import InputError
from ordermanager.orders import events
from ordermanager.orders.actions.common import (
    action,
    check_field_sizes,
    check_not_on_hold,
    check_open,
    get_order,
)
from ordermanager.orders.models import (
    Order,
    PaymentStatus,
    ShippingStatus,
)
from ordermanager.statuses.engine import fire


@action
def approve_order(order: Order | int, *, actor: str) -> Order:
    order = get_order(order, lock=True)
    check_open(order)
    check_not_on_hold(order, "approving")
    if order.shipping_status == ShippingStatus.SHIPPED:
        raise InputError("order", f"order {order.pk} is already shipped; approval comes before shipping")
    if order.approved_at is not None:
        return order  # approving twice changes nothing: no event, no label, no update to the cart
    order.approved_at = timezone.now()
    order.save(update_fields=["approved_at", "updated_at"])
    events.order_approved(order, actor)
    fire(order, "OrderApprove", actor=actor)
    return order


def _check_amount(amount: Decimal) -> Decimal:
    try:
        value = Decimal(amount)
    except (ArithmeticError, TypeError, ValueError):
        raise InputError("amount", f"must be a number, not {amount!r}") from None
    if not value.is_finite() or value <= 0:
        raise InputError("amount", f"must be more than 0, not {amount}")
    if value >= Decimal("10000000000"):
        raise InputError("amount", f"must be less than 10,000,000,000, not {amount}")
    return value.quantize(Decimal("0.01"))


@action
def log_payment(order: Order | int, amount: Decimal, *, actor: str, declined: bool = False) -> Order:
    order = get_order(order, lock=True)
    value = _check_amount(amount)
    if declined:
        order.payment_status = PaymentStatus.FAILED
        order.save(update_fields=["payment_status", "updated_at"])
        events.payment_declined(order, value, actor)
        fire(order, "OrderPaymentDeclined", actor=actor)
        return order
    order.amount_paid += value
    order.payment_status = PaymentStatus.CLEARED if order.amount_paid >= order.total else PaymentStatus.SUBMITTED
    order.save(update_fields=["amount_paid", "payment_status", "updated_at"])
    events.payment_logged(order, value, actor)
    fire(order, "OrderLogPayment", actor=actor)
    return order


@action
def refund_payment(order: Order | int, amount: Decimal, *, actor: str) -> Order:
    order = get_order(order, lock=True)
    value = _check_amount(amount)
    if value > order.amount_paid:
        raise InputError("amount", f"order {order.pk} has {order.amount_paid} paid; {value} cannot be refunded")
    order.amount_paid -= value
    if order.amount_paid == 0:
        order.payment_status = PaymentStatus.REFUNDED
    order.save(update_fields=["amount_paid", "payment_status", "updated_at"])
    events.refund_logged(order, value, actor)
    fire(order, "OrderRefund", actor=actor)
    return order


@action
def hold_order(order: Order | int, *, actor: str, reason: str = "") -> Order:
    order = get_order(order, lock=True)
    check_open(order)
    if order.on_hold:
        raise InputError("order", f"order {order.pk} is already on hold")
    check_field_sizes(Order, {"hold_reason": reason})
    order.on_hold, order.hold_reason = True, reason
    order.save(update_fields=["on_hold", "hold_reason", "updated_at"])
    events.order_held(order, order.hold_reason, actor)
    fire(order, "OrderHold", actor=actor)
    return order


@action
def release_order(order: Order | int, *, actor: str) -> Order:
    order = get_order(order, lock=True)
    if not order.on_hold:
        raise InputError("order", f"order {order.pk} is not on hold")
    order.on_hold, order.hold_reason = False, ""
    order.save(update_fields=["on_hold", "hold_reason", "updated_at"])
    events.order_released(order, actor)
    fire(order, "OrderRelease", actor=actor)
    return order
