"""Is a cart's delivery path working? Checks shared by `doctor --order`, `doctor --cart` and the order page.

Each check answers with a `Check`: ok or broken, in the operator's words, with the fix. They read only; Test
Settings is the one network call, made outside any transaction and bounded in time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from ordermanager.carts.connectors.base import CartError, ErrorKind
from ordermanager.carts.connectors.registry import check_secrets, connector_for
from ordermanager.carts.models import Cart
from ordermanager.orders.models import TimelineEntry, TimelineEvent
from ordermanager.stack import leases
from ordermanager.stack.models import StackRecord, State
from ordermanager.wording import local_time, plural

# Test Settings reaches the cart; a cart that does not answer must not hold the doctor longer than this.
TEST_SETTINGS_SECONDS = 20.0
NO_CONTROLLER_FIX = "Start one: ordermanager stack run (or check the service that runs it, and its log)."


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str
    fix: str = ""
    # Not ok, but no fault either: nothing to send yet. The chain stops here all the same.
    not_yet: bool = False
    # Ok, and the chain need go no further: everything of this order reached the cart.
    ends: bool = False

    @property
    def mark(self) -> str:
        return "ok" if self.ok else "not yet" if self.not_yet else "broken"


def cart_settings(cart: Cart, *, test_settings: bool, name: str = "Cart settings") -> Check:
    """Active, Send Status to Web, a type that takes updates, readable secrets and (if asked) Test Settings."""
    edit = f"ordermanager carts edit {cart.store_name!r}"
    if not cart.active:
        return Check(name, False, f"Cart {cart.store_name} is not active.", f"Tick Active: {edit} --active on")
    if not cart.type.takes_status_updates:
        return Check(name, False, f"{cart.store_name} is a {cart.type.label} cart, which takes no status updates.")
    if not cart.send_status_to_web:
        return Check(
            name,
            False,
            f"Send Status to Web is unticked on cart {cart.store_name}.",
            f"Tick it: {edit} --send-status-to-web on",
        )
    try:
        check_secrets(cart)
        if not test_settings:
            return Check(name, True, f"{cart.store_name} is active, its secrets are readable (Test Settings not run).")
        connector = connector_for(cart)
    except CartError as error:
        return Check(name, False, f"Cart {cart.store_name}: {error.message}.", error.fix_hint)
    outcome = _bounded_test_settings(connector, cart)
    if isinstance(outcome, CartError):
        fix = (
            outcome.fix_hint
            or f"correct the cart's settings ({edit}), then: ordermanager carts test {cart.store_name!r}"
        )
        return Check(name, False, f"Test Settings failed for {cart.store_name}: {outcome.message}.", fix)
    return Check(name, True, f"{cart.store_name} is active, its secrets are readable, Test Settings passed: {outcome}")


def _bounded_test_settings(connector, cart: Cart) -> str | CartError:
    if connection.in_atomic_block:
        raise RuntimeError("Test Settings makes a network call: never inside a database transaction")
    outcome: list[str | CartError] = []

    def run() -> None:
        try:
            outcome.append(connector.test_settings())
        except CartError as error:
            outcome.append(error)
        except Exception as error:  # whatever the cart does, the doctor reports it and goes on
            outcome.append(CartError(ErrorKind.PERMANENT, f"{type(error).__name__}: {error}"))

    thread = threading.Thread(target=run, name=f"test-settings-{cart.pk}", daemon=True)
    thread.start()
    thread.join(TEST_SETTINGS_SECONDS)
    if not outcome:
        return CartError(ErrorKind.TRANSIENT, f"no answer within {TEST_SETTINGS_SECONDS:.0f} s")
    connector.close()
    return outcome[0]


def controller_driving(cart: Cart) -> Check:
    """A controller alive (its heartbeat lease current), and one holding this cart's lane."""
    name = "Stack controller"
    held = leases.alive("")  # one small table: a lease per controller and per cart
    controllers = [lease for lease in held if lease.name.startswith("controller:")]
    if not controllers:
        return Check(name, False, "No stack controller is running: nothing is sent to any cart.", NO_CONTROLLER_FIX)
    lane = [lease for lease in held if lease.name == f"cart:{cart.pk}"]
    if not lane:
        return Check(
            name,
            False,
            f"{plural(len(controllers), 'stack controller')} running, but none drives cart {cart.store_name} "
            f"(its lane lease cart:{cart.pk} is not held).",
            "A controller takes a cart's lane within seconds of the cart becoming active; if none does, restart "
            "the controllers (ordermanager stack run) and read their log.",
        )
    beat = (timezone.now() - lane[0].heartbeat_at).total_seconds()
    return Check(name, True, f"Controller {lane[0].holder} drives {cart.store_name} (heartbeat {beat:.0f} s ago).")


def waiting_now(records: Iterable[StackRecord]) -> Check:
    """A record sitting out a rate limit or a backoff right now, and until when."""
    name = "Rate limit and backoff"
    now = timezone.now()
    for record in records:
        if record.state != State.RETRY or record.next_attempt_at <= now:
            continue
        failure = (
            TimelineEntry.objects.filter(
                order_id=record.order_id, kind=TimelineEvent.DELIVERY_FAILED, data__stack_record=record.pk
            )
            .order_by("-id")
            .first()
        )
        when = local_time(record.next_attempt_at)
        if failure is not None and failure.data.get("error_kind") == ErrorKind.RATE_LIMITED:
            return Check(
                name,
                False,
                f"The cart is rate-limiting this account: record {record.pk} waits until {when} ({record.last_error}).",
                "Nothing to do: it goes then by itself. If it keeps happening, lower CartRequestsPerMinute "
                "(ordermanager params set CartRequestsPerMinute N --cart …).",
            )
        return Check(
            name,
            False,
            f"Record {record.pk} is waiting out a backoff after attempt {record.attempts} failed "
            f"({record.last_error or 'no answer'}); next attempt at {when}.",
            f"It goes then by itself; once the cause is fixed, send it now: ordermanager stack retry {record.pk}",
        )
    return Check(name, True, "No rate limit or backoff holds this order's records now.")
