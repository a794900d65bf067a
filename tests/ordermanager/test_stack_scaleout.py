# ruff: noqa: F811 - pytest fixtures imported from the other stack tests are parameters here
"""Several controllers share the cart accounts fairly, and a crash's records go before the backlog.

Real `ordermanager stack run` processes on PostgreSQL, against the sandbox. Only PostgreSQL runs several
controllers: on SQLite a second controller exits (see test_stack_crash), so there is nothing to balance.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import IO

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess
from ordermanager.carts.models import Cart
from ordermanager.orders import actions
from ordermanager.orders.actions import NewItem
from ordermanager.stack import leases
from ordermanager.stack.models import StackRecord, State
from tests.conftest import make_sandbox_cart
from tests.ordermanager.test_cli import run
from tests.ordermanager.test_stack import live_cart, ships_per_order  # noqa: F401 - fixture
from tests.ordermanager.test_stack_crash import controller, log, tail, wait_until_alive, wait_until_delivered  # noqa: F401

pytestmark = pytest.mark.slow

LEASE = "3"  # seconds: controllers balance every second, so the tests wait seconds, not minutes


def wait_for(what: str, predicate: Callable[[], bool], log: IO[str], timeout: float = 30) -> None:
    """Poll the database (lease rows, records) until `predicate` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s\n{tail(log)}"
        time.sleep(0.1)


def drivers(carts: list[Cart]) -> Counter[str]:
    """Live controller → how many of these accounts it drives ("unattended": no one)."""
    holders = {lease.name: lease.holder for lease in leases.alive("cart:")}
    return Counter(holders.get(leases.lane_name(cart.pk), "unattended") for cart in carts)


def split(carts: list[Cart], shares: list[int]) -> bool:
    """Every account is driven, and the controllers drive these many each."""
    counts = drivers(carts)
    return "unattended" not in counts and sorted(counts.values()) == shares


@contextlib.contextmanager
def running(log: IO[str], count: int) -> Iterator[list[subprocess.Popen]]:
    """Controllers with short leases (more may be appended), stopped with SIGTERM at the end."""
    processes = [controller(log, "--lease-seconds", LEASE) for _ in range(count)]
    try:
        yield processes
    finally:
        for process in processes:
            process.terminate()
            process.wait(15)


def one_each_then_delivered(carts: list[Cart], processes: list[subprocess.Popen], log: IO[str]) -> None:
    """Within one lease period (plus a process start) each controller drives one account; then all is sent."""
    wait_for("one account each", lambda: split(carts, [1] * len(carts)), log, timeout=2 * float(LEASE) + 1)
    assert {pid_of(h) for h in drivers(carts)} == {p.pid for p in processes}
    wait_until_delivered(timeout=90)


def whole(log: IO[str]) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def pid_of(holder: str) -> int:
    return int(holder.rsplit(":", 2)[1])


def shipped_orders(ca: SandboxControl, cart: Cart, count: int, prefix: str, profile: int = demo.PROFILE_ID) -> None:
    """`count` sandbox orders received here, each with a tracking number for its one line: one Ship each."""
    for n, ca_id in enumerate(ca.generate_orders(profile, count, seed=1, max_items=1, shipping_status="Unshipped")):
        item = ca.order(ca_id)["Items"][0]
        order = actions.receive_order(
            [NewItem(item["Sku"], item["Quantity"], channel_item_id=str(item["ID"]))],
            actor="test",
            cart=cart,
            channel_order_id=str(ca_id),
            profile_id=profile,
        )
        actions.add_tracking_number(order.pk, f"{prefix}{n:05d}", carrier="UPS", shipping_class="Ground", actor="test")


def exactly_once(ca: SandboxControl) -> None:
    """Every package reached the sandbox once, and the stack says every record was sent."""
    counts = ships_per_order(ca)
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}
    assert len(counts) == StackRecord.objects.filter(state=State.SENT).count()
    assert not StackRecord.objects.exclude(state__in=[State.SENT, State.CLEARED]).exists()


@pytest.fixture
def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL runs several controllers; SQLite runs one, with nothing to balance")


def test_a_controller_started_beside_a_busy_one_gets_one_of_two_accounts(
    postgresql_only,
    live_cart,
    ca,
    sandbox: SandboxProcess,
    log,
):
    # given two accounts with work, driven by one controller alone
    second = make_sandbox_cart(sandbox, "CA Sandbox 2", second_profile=True)
    carts = [live_cart, second]
    shipped_orders(ca, live_cart, 40, "1ZSHA")
    shipped_orders(ca, second, 40, "1ZSHB", demo.SECOND_PROFILE_ID)
    ca.set_latency(150)
    with running(log, 1) as processes:
        wait_for("the first controller drives both", lambda: split(carts, [2]), log)

        # when a second controller starts beside it
        processes.append(controller(log, "--lease-seconds", LEASE))
        wait_until_alive(processes[-1])

        # then within one lease period each drives one account
        one_each_then_delivered(carts, processes, log)
        text = whole(log)  # before they stop: the last one running takes over what the other releases

    # and the hand-over sent nothing twice, and was logged as one line each way
    exactly_once(ca)
    assert text.count("handed back cart:") == 1, text
    assert text.count("took over cart:") == 3, text  # two by the first controller, one by the second


def test_a_third_controller_started_later_takes_its_share(
    postgresql_only,
    live_cart,
    ca,
    sandbox: SandboxProcess,
    log,
):
    # given three accounts driven by two controllers (2 + 1)
    carts = [live_cart, make_sandbox_cart(sandbox, "CA Sandbox 2"), make_sandbox_cart(sandbox, "CA Sandbox 3")]
    for n, cart in enumerate(carts):
        shipped_orders(ca, cart, 20, f"1ZTH{n}")
    ca.set_latency(150)
    with running(log, 2) as processes:
        wait_for("two controllers share three accounts", lambda: split(carts, [1, 2]), log)

        # when a third controller starts
        processes.append(controller(log, "--lease-seconds", LEASE))
        wait_until_alive(processes[-1])

        # then each of the three drives one account
        one_each_then_delivered(carts, processes, log)
    exactly_once(ca)


def test_after_a_kill_9_the_records_in_flight_go_before_a_backlog_of_500(
    postgresql_only,
    live_cart,
    ca,
    log,
):
    # given a backlog of 500 shipments on one account, being sent slowly by a controller
    shipped_orders(ca, live_cart, 500, "1ZBACK")
    ca.set_latency(1500)
    victim = controller(log, "--lease-seconds", "30")
    in_flight = StackRecord.objects.filter(state=State.IN_FLIGHT)
    wait_for("records in flight", lambda: in_flight.count() >= 5, log)

    # when it is killed with calls in flight (a long lease: only the dead process tells the survivor)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    killed_at = timezone.now()
    lost = set(in_flight.values_list("id", flat=True))
    assert len(lost) >= 5
    ca.set_latency(20)
    survivor = controller(log, "--lease-seconds", "30")
    try:
        # then the records it left in flight are settled first, within seconds
        settled = StackRecord.objects.filter(id__in=lost, state=State.SENT)
        wait_for("the lost records settle", lambda: settled.count() == len(lost), log, timeout=30)
        last = max(settled.values_list("sent_at", flat=True))
        assert last - killed_at < timedelta(seconds=30)
        backlog_first = StackRecord.objects.filter(sent_at__gt=killed_at, sent_at__lt=last).exclude(id__in=lost)
        assert backlog_first.count() < 20, "the backlog went first"
        wait_until_delivered(timeout=120)
    finally:
        survivor.terminate()
        survivor.wait(15)

    # and every package reached the sandbox exactly once, and the recovery was one line
    exactly_once(ca)
    assert whole(log).count("recovered ") == 1, tail(log)


def test_status_and_metrics_say_who_drives_each_account_and_which_is_unattended(db, sandbox, ca, settings):
    settings.METRICS_PUBLIC = True
    # given two accounts: one driven by a live controller, one whose lease lapsed with no one to take it
    driven, lapsed = make_sandbox_cart(sandbox), make_sandbox_cart(sandbox, "CA Sandbox 2", second_profile=True)
    holder = leases.new_holder()
    assert leases.acquire(f"controller:{holder}", holder, 30)
    assert leases.acquire(leases.lane_name(driven.pk), holder, 30)
    assert leases.acquire(leases.lane_name(lapsed.pk), "gone:1:abc", 30)
    leases.release(leases.lane_name(lapsed.pk), "gone:1:abc")

    # when the operator looks
    status = run("stack", "status")
    body = Client().get("/metrics").content.decode()

    # then each says which controller drives which account, and which account nobody drives
    assert f"Account CA Sandbox: driven by {holder}" in status
    assert "Account CA Sandbox 2: driven by nobody: UNATTENDED" in status
    assert f"Stack controller {holder} is running" in status
    assert "drives CA Sandbox;" in status
    assert f'ordermanager_stack_account_controller{{cart="CA Sandbox",controller="{holder}"}} 1' in body
    assert 'ordermanager_stack_account_unattended{cart="CA Sandbox 2"} 1' in body
    assert 'ordermanager_stack_account_unattended{cart="CA Sandbox"} 0' in body
    assert f'ordermanager_stack_controller_accounts{{controller="{holder}"}} 1' in body
