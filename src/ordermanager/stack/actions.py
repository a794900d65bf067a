"""The only door to a stack record's state, and to what its delivery changes on the order.

Each function is one short transaction. None talks to the network: the controller sends between them.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    DurationField,
    Exists,
    F,
    Field,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Now
from django.utils import timezone

from ordermanager.carts.connectors.base import CartError, ErrorKind
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.orders import deferred, events
from ordermanager.orders.models import Order, Shipment
from ordermanager.prepared import Prepared, PreparedUpdate
from ordermanager.stack import metrics
from ordermanager.stack.models import OPEN_STATES, Lease, RecordKind, StackRecord, State

log = logging.getLogger("ordermanager.stack")

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 3600.0


def backoff(attempts: int, base: float = BACKOFF_BASE_SECONDS) -> float:
    """Exponential backoff with jitter: about 2 s, 4 s, 8 s … capped at an hour, never in lockstep."""
    ceiling = min(BACKOFF_CAP_SECONDS, base * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _lane_filter(cart_id: int | None) -> Q:
    return Q(cart_id=cart_id) if cart_id is not None else Q(cart__isnull=True)


def db_time_after(seconds: float) -> CombinedExpression:
    """The database's clock plus `seconds`: leases and claims are judged by one clock, not each machine's."""
    return Now() + Value(dt.timedelta(seconds=seconds), output_field=DurationField())


def _skip_locked(query: QuerySet) -> QuerySet:
    """Lock the rows, skipping rows another controller has locked (PostgreSQL). SQLite has one writer."""
    if connection.features.has_select_for_update_skip_locked:
        return query.select_for_update(skip_locked=True, of=("self",))
    return query


# The kinds a lane claims, in this order: status updates go first when both wait, so a resync's thousands of
# stock records never hold up a shipment, and stock records take the account's calls that are left.
CART_LANE_KINDS = (RecordKind.STATUS_UPDATE, RecordKind.INVENTORY_UPDATE)
EMAIL_LANE_KINDS = (RecordKind.EMAIL,)


def claim(cart_id: int | None, holder: str, lease: str, limit: int, seconds: float) -> list[StackRecord]:
    """Take up to `limit` due records of one cart (None: the e-mail lane) and mark them in flight.

    Only the holder of the lane's lease may claim, and the claim itself is a lease of `seconds` that the
    controller's heartbeat renews while the record is being sent. On PostgreSQL, FOR UPDATE SKIP LOCKED
    lets many controllers claim side by side. A record is never claimed while another record of the same
    order and kind is in flight, so two senders never race to deliver the same package.
    """
    if limit <= 0:
        return []
    with transaction.atomic():
        lane = () if cart_id is None else (cart_id,)
        now = timezone.now()
        records: list[StackRecord] = []
        # One read per kind, each in the order of the index `stack_due_per_cart_kind`: it stops at its LIMIT,
        # and never sorts the backlog however long it grows.
        for kind in EMAIL_LANE_KINDS if cart_id is None else CART_LANE_KINDS:
            records += _due(kind, limit - len(records)).instances(StackRecord, lease, holder, *lane, now)
            if len(records) == limit:
                break
        if not records:
            return []
        _claimed(len(records), seconds).run(holder, *(r.pk for r in records))
        # What the sender needs, read in the claim's transaction with prepared reads (a join would build the
        # order's many columns anew each time): the records' orders, and the lane's cart.
        order_ids = sorted({r.order_id for r in records if r.order_id is not None})
        orders = (
            {order.pk: order for order in _orders(len(order_ids)).instances(Order, *order_ids)} if order_ids else {}
        )
        cart = next(iter(_CART.instances(Cart, cart_id)), None) if cart_id is not None else None
        for record in records:  # as the UPDATE left them (claimed_until is the database's clock: never read here)
            record.state, record.claimed_by, record.attempts = State.IN_FLIGHT, holder, record.attempts + 1
            record.cart = cart
            if record.order_id is not None:
                record.order = orders[record.order_id]
    return records


_CART = Prepared(lambda pk: Cart.objects.filter(pk=pk), int)


@functools.lru_cache(maxsize=256)
def _claimed(count: int, seconds: float) -> PreparedUpdate:
    """The claim's mark on `count` records, in flight for `seconds`. Prepared: the ORM compiled it anew for
    every claim, a tenth of a busy controller's CPU on PostgreSQL."""

    def build(holder: str, *ids: int) -> tuple[QuerySet, dict[str, Any]]:
        values = {
            "state": State.IN_FLIGHT,
            "claimed_by": holder,
            "claimed_until": db_time_after(seconds),
            "attempts": F("attempts") + 1,
        }
        return StackRecord.objects.filter(id__in=ids), values

    return PreparedUpdate(build, str, *(int,) * count)


@functools.lru_cache(maxsize=64)
def _orders(count: int) -> Prepared:
    return Prepared(lambda *ids: Order.objects.filter(pk__in=ids).order_by(), *(int,) * count)


@functools.lru_cache(maxsize=256)
def _due(kind: str, limit: int) -> Prepared:
    """Up to `limit` records of one kind a claim takes: due, of the lane, none of their order and kind in flight,
    and only while the lane's lease is held (checked in the same statement: a lane taken over claims nothing).
    Prepared: the controller claims many times a second. E-mails are the e-mail lane's (no cart) and only its."""
    email = kind == RecordKind.EMAIL

    def build(lease: str, holder: str, *lane_and_now: Any) -> QuerySet:
        *cart, now = lane_and_now
        busy = StackRecord.objects.filter(coalesce_key=OuterRef("coalesce_key"), state=State.IN_FLIGHT)
        held = Lease.objects.filter(name=lease, holder=holder, expires_at__gt=Now())
        due = (
            StackRecord.objects.filter(_lane_filter(cart[0] if cart else None), kind=kind, state__in=OPEN_STATES)
            .filter(next_attempt_at__lte=now)
            .filter(~Exists(busy), Exists(held))
            .order_by("next_attempt_at", "id")
        )
        return _skip_locked(due)[:limit]

    return Prepared(build, str, str, *(() if email else (int,)), dt.datetime)


@functools.lru_cache(maxsize=64)
def _lanes_due(carts: int) -> Prepared:
    """Which of `carts` carts' lanes have records due; with no carts, whether the e-mail lane has. The e-mail
    lane is asked apart: SQLite reads `cart_id IS NULL OR cart_id IN (…)`, and a UNION of the two as well, through
    the index of every due record (a busy lane's whole backlog) instead of the lanes' own."""

    def build(now: dt.datetime, *cart_ids: int) -> QuerySet:
        lanes = Q(cart_id__in=cart_ids) if cart_ids else Q(cart__isnull=True)
        due = StackRecord.objects.filter(lanes, state__in=OPEN_STATES, next_attempt_at__lte=now)
        return due.order_by().values_list("cart_id").distinct()

    return Prepared(build, dt.datetime, *(int,) * carts)


def lanes_due(lanes: Iterable[int | None]) -> set[int | None]:
    """Which of these lanes (None: the e-mail lane) have records due now: cheap reads, prepared (an idle
    controller polls ten times a second), that let the poll skip the lanes with nothing to send instead of
    opening a claim transaction on each. They read only these lanes' due records (index `stack_due_per_cart`),
    never a busy lane's backlog."""
    wanted = set(lanes)
    carts = sorted(c for c in wanted if c is not None)
    now = timezone.now()
    due: set[int | None] = set()
    if carts:
        due |= {cart_id for (cart_id,) in _lanes_due(len(carts)).rows(now, *carts)}
    if None in wanted:
        due |= {cart_id for (cart_id,) in _lanes_due(0).rows(now)}
    return due


def renew_claims(ids: Iterable[int], holder: str, seconds: float) -> None:
    """The heartbeat: records still being sent keep their claim."""
    StackRecord.objects.filter(id__in=list(ids), claimed_by=holder, state=State.IN_FLIGHT).update(
        claimed_until=db_time_after(seconds)
    )


_STILL_CLAIMED = Prepared(
    lambda pk, holder: StackRecord.objects.filter(
        pk=pk, claimed_by=holder, state=State.IN_FLIGHT, claimed_until__gt=Now()
    ).values_list("pk")[:1],
    int,
    str,
)


def still_claimed(record_id: int, holder: str) -> bool:
    """Checked just before a call goes out: a sender that lost its claim (it stalled) must not send."""
    return bool(_STILL_CLAIMED.rows(record_id, holder))


def claimers(cart_id: int | None, holder: str) -> set[str]:
    """Who else holds claims on this lane's records (a controller that died, or lost the lane)."""
    in_flight = StackRecord.objects.filter(_lane_filter(cart_id), state=State.IN_FLIGHT).exclude(claimed_by=holder)
    return set(in_flight.order_by().values_list("claimed_by", flat=True).distinct())


def recover_abandoned(cart_id: int | None, actor: str, dead: Iterable[str] = ()) -> int:
    """Records whose claim ran out, or whose claimer is known `dead`, go back on the stack.

    They keep their due time, so the claim (oldest due first) takes them ahead of the backlog: these are
    the packages whose answer may have been lost. Their next attempt reads the cart's state first,
    because the lost sender may have sent them.
    """
    count = 0
    lost = Q(claimed_until__lt=Now()) | Q(claimed_by__in=list(dead))
    with transaction.atomic():
        stale = StackRecord.objects.filter(_lane_filter(cart_id), lost, state=State.IN_FLIGHT)
        for record in _skip_locked(stale).select_related("order"):
            _fold_or_reopen(record, record.next_attempt_at)
            if record.order is not None:
                events.stack_record_recovered(record.order, record, actor)
            count += 1
    return count


def wake_waiting(cart_id: int | None) -> int:
    """The cart answered again after failures: records waiting out a backoff go now (paced by the gate)."""
    return StackRecord.objects.filter(
        _lane_filter(cart_id), state=State.RETRY, next_attempt_at__gt=timezone.now()
    ).update(next_attempt_at=timezone.now())


def _fold_or_reopen(record: StackRecord, next_at: dt.datetime) -> None:
    """Back to waiting, unless a newer record for the same order and kind is open: then fold into it."""
    newer = (
        StackRecord.objects.filter(coalesce_key=record.coalesce_key, state__in=OPEN_STATES)
        .exclude(pk=record.pk)
        .first()
    )
    if newer is not None:
        newer.reasons = list(dict.fromkeys([*record.reasons, *newer.reasons]))
        newer.coalesced += 1 + record.coalesced
        # The newer record inherits the doubt: it must reconcile before sending.
        newer.attempts = max(newer.attempts, record.attempts)
        newer.next_attempt_at = min(newer.next_attempt_at, next_at)
        newer.save(update_fields=["reasons", "coalesced", "attempts", "next_attempt_at", "updated_at"])
        record.state = State.CLEARED
        record.last_error = f"folded into record {newer.pk}"
        record.save(update_fields=["state", "last_error", "updated_at"])
        return
    record.state, record.next_attempt_at, record.claimed_by, record.claimed_until = State.RETRY, next_at, "", None
    record.save(update_fields=["state", "next_attempt_at", "claimed_by", "claimed_until", "updated_at"])


def _still_ours(record: StackRecord, holder: str) -> StackRecord | None:
    """The record, locked, if this controller still holds it; None if its claim ran out and it moved on."""
    current = StackRecord.objects.select_for_update().filter(pk=record.pk).first()
    if current is None or current.state != State.IN_FLIGHT or current.claimed_by != holder:
        log.warning("stack record %s: its claim moved on before %s recorded the outcome", record.pk, holder)
        return None
    return current


@dataclass(frozen=True)
class Delivered:
    """A package the cart now has, and the timeline line that says so."""

    shipment_id: int
    message: str
    fulfillment_id: str = ""


@dataclass(frozen=True)
class Sent:
    """A record the cart took, as its sender hands it over to be recorded: `at` is when the cart answered, and
    `last` its last package (remembered with it, in one commit)."""

    record: StackRecord
    message: str
    at: dt.datetime
    last: Delivered | None = None


def _case(values: dict[int, Any], output_field: Field) -> Case:
    """Each row's own value, by its id: one UPDATE writes a batch of rows that each take their own."""
    return Case(*(When(pk=pk, then=Value(value)) for pk, value in values.items()), output_field=output_field)


# The two writes of every delivery, for a batch of `count` rows at once and prepared (the ORM would build and
# compile them anew for each batch). Each returns the ids it changed.
@functools.lru_cache(maxsize=128)
def _packages_at_cart(count: int) -> PreparedUpdate:
    def build(*values: Any) -> tuple[QuerySet, dict[str, Any]]:
        ids, at, fulfillment = values[0::3], values[1::3], values[2::3]
        return Shipment.objects.filter(pk__in=ids, delivered_to_cart_at__isnull=True), {
            "delivered_to_cart_at": _case(dict(zip(ids, at, strict=True)), DateTimeField()),
            "cart_fulfillment_id": _case(dict(zip(ids, fulfillment, strict=True)), CharField()),
        }

    return PreparedUpdate(build, *(int, dt.datetime, str) * count)


@functools.lru_cache(maxsize=128)
def _sent(count: int) -> PreparedUpdate:
    def build(holder: str, now: dt.datetime, *values: Any) -> tuple[QuerySet, dict[str, Any]]:
        ids, at, seconds = values[0::3], values[1::3], values[2::3]
        return StackRecord.objects.filter(pk__in=ids, state=State.IN_FLIGHT, claimed_by=holder), {
            "state": State.SENT,
            "sent_at": _case(dict(zip(ids, at, strict=True)), DateTimeField()),
            "claimed_by": "",
            "claimed_until": None,
            "last_error": "",
            "fix_hint": "",
            "delivery_seconds": _case(dict(zip(ids, seconds, strict=True)), FloatField()),
            "updated_at": now,
        }

    return PreparedUpdate(build, str, dt.datetime, *(int, dt.datetime, float) * count)


def _remember(packages: list[tuple[StackRecord, Delivered, dt.datetime]], actor: str) -> None:
    """The cart has these packages: mark them, and tell each order's timeline of those not marked before."""
    packages = list({package.shipment_id: (r, package, at) for r, package, at in packages}.values())  # each once
    values = [v for _, package, at in packages for v in (package.shipment_id, at, package.fulfillment_id[:64])]
    marked = set(_packages_at_cart(len(packages)).returning(*values))
    for record, package, _ in packages:
        if package.shipment_id in marked and record.order is not None:
            events.package_delivered(
                record.order, record, package.shipment_id, package.message, package.fulfillment_id, actor
            )


def package_delivered(record: StackRecord, package: Delivered, actor: str) -> None:
    """The cart has this package: remember it at once, so no later attempt sends it again."""
    with transaction.atomic(), deferred.written_at_end():
        _remember([(record, package, timezone.now())], actor)


def record_sent(outcomes: list[Sent], holder: str, actor: str) -> set[int]:
    """These records are delivered: one transaction records them all (a controller's recorder hands over what
    its senders delivered meanwhile, so a busy stack commits once for several records). Their last packages are
    remembered even if a record's claim moved on, since they shipped. Returns the ids recorded as sent."""
    now = timezone.now()
    with transaction.atomic(), deferred.written_at_end():
        last = [(o.record, o.last, o.at) for o in outcomes if o.last is not None]
        if last:
            _remember(last, actor)
        seconds = {o.record.pk: (o.at - o.record.created_at).total_seconds() for o in outcomes}
        values = [v for o in outcomes for v in (o.record.pk, o.at, seconds[o.record.pk])]
        sent = set(_sent(len(outcomes)).returning(holder, now, *values))
        metrics.sent([(o.record, seconds[o.record.pk]) for o in outcomes if o.record.pk in sent])
        for outcome in outcomes:
            record = outcome.record
            if record.pk not in sent:
                log.warning("stack record %s: its claim moved on before %s recorded the outcome", record.pk, holder)
            elif record.order_id is not None and outcome.message:
                events.stack_record_sent(record.order, record, outcome.message, actor)
    return sent


def mark_failed(
    record: StackRecord, holder: str, error: CartError, actor: str, retry_base: float = BACKOFF_BASE_SECONDS
) -> State | None:
    """Schedule a retry, or make a problem record when a person must act. Returns the new state."""
    now = timezone.now()
    with transaction.atomic():
        current = _still_ours(record, holder)
        if current is None:
            return None
        labels = metrics.labels_of(current)
        delay = None
        if error.kind == ErrorKind.PERMANENT:
            current.state = State.PROBLEM
            metrics.bump("ordermanager_stack_problems_total", labels)
        else:
            delay = error.retry_after if error.kind == ErrorKind.RATE_LIMITED and error.retry_after else None
            delay = max(delay or 0.0, backoff(current.attempts, retry_base))
            current.state, current.next_attempt_at = State.RETRY, now + dt.timedelta(seconds=delay)
            metrics.bump("ordermanager_stack_retries_total", {**labels, "reason": error.kind.value})
        current.last_error, current.fix_hint, current.last_response = error.message[:4000], error.fix_hint, error.raw
        current.claimed_by, current.claimed_until = "", None
        current.save()
        if current.order_id is not None:
            events.delivery_failed(record.order, current, error, delay, actor)
        return State(current.state)


# --- operator commands ------------------------------------------------------------------------


@transaction.atomic
def retry_records(*, actor: str, ids: list[int] | None = None, problems: bool = False) -> list[int]:
    """Send problem or waiting records again now (after the operator fixed the cause)."""
    if ids is None and not problems:
        raise InputError("record", "name the record(s) to retry, or --problems for every problem record")
    chosen = StackRecord.objects.select_for_update(of=("self",)).select_related("order")
    chosen = chosen.filter(state=State.PROBLEM) if problems else chosen.filter(pk__in=ids or [])
    found = list(chosen)
    if ids is not None:
        missing = sorted(set(ids) - {r.pk for r in found})
        if missing:
            raise InputError("record", f"there is no stack record {missing[0]}")
        wrong = [r for r in found if r.state not in (State.PROBLEM, State.RETRY, State.PENDING)]
        if wrong:
            raise InputError(
                "record",
                f"record {wrong[0].pk} is {wrong[0].get_state_display().lower()}, "
                "only problem or waiting records can be retried",
            )
    for record in found:
        if record.state == State.PROBLEM:
            _fold_or_reopen(record, timezone.now())
        else:  # already waiting: just send it now
            record.next_attempt_at = timezone.now()
            record.save(update_fields=["next_attempt_at", "updated_at"])
    events.stack_records_retried(found, actor)
    return [r.pk for r in found]


@transaction.atomic
def clear_failed(*, actor: str) -> list[int]:
    """Delete Records with Failed Attempts: problem records leave the stack (they stay listed as cleared)."""
    found = list(
        StackRecord.objects.select_for_update(of=("self",)).select_related("order").filter(state=State.PROBLEM)
    )
    StackRecord.objects.filter(pk__in=[r.pk for r in found]).update(state=State.CLEARED, updated_at=timezone.now())
    events.problem_records_cleared(found, actor)
    return [r.pk for r in found]
