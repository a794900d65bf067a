"""Crashes and several controllers: real `ordermanager stack run` processes, killed with SIGKILL."""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from subprocess import STDOUT, Popen
from typing import IO

import pytest
from django.conf import settings
from django.db import connection

from casandbox import demo
from ordermanager.carts import actions as carts
from ordermanager.inventory import actions as inventory
from ordermanager.inventory.models import CartProduct
from ordermanager.orders.models import TimelineEntry, TimelineEvent
from ordermanager.params import actions as params
from ordermanager.stack import leases
from ordermanager.stack.models import OPEN_STATES, StackRecord, State
from tests.conftest import make_sandbox_cart
from tests.ordermanager.test_stack import live_cart, shipped_order, ships_per_order  # noqa: F401 - fixture

pytestmark = pytest.mark.slow


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def log(tmp_path: Path) -> Iterator[IO[str]]:
    """Where the controllers write; shown when a test fails."""
    with (tmp_path / "controllers.log").open("a+") as handle:
        yield handle


def tail(handle: IO[str]) -> str:
    handle.flush()
    handle.seek(0)
    return handle.read()[-3000:]


def controller(log: IO[str], *extra: str) -> Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "ORDERMANAGER_ENCRYPTION_KEY": settings.ENCRYPTION_KEY,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
    }
    command = [sys.executable, "-m", "ordermanager", "stack", "run", "--no-import", "--retry-base", "0.05", *extra]
    return Popen(command, env=env, stdout=log, stderr=STDOUT)


def wait_for(
    condition: Callable[[], object],
    what: str,
    timeout: float,
    process: Popen | None = None,
    detail: Callable[[], object] = lambda: "",
) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds (saying `detail()`), or if `process`
    stops meanwhile."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert process is None or process.poll() is None, f"the controller stopped before {what}"
        assert time.monotonic() < deadline, f"not in {timeout} s: {what} {detail()}"
        time.sleep(0.02)


def undelivered() -> bool:
    return StackRecord.objects.filter(state__in=[*OPEN_STATES, State.IN_FLIGHT]).exists()


def wait_until_delivered(timeout: float) -> None:
    def records() -> list[dict]:
        return list(StackRecord.objects.values("id", "state", "attempts", "last_error"))

    wait_for(lambda: not undelivered(), "every record delivered", timeout, detail=records)


def wait_until_alive(process: Popen, timeout: float = 60) -> None:
    """Until the controller's heartbeat is in the database, i.e. it has set up its signal handlers."""

    def alive() -> bool:
        return any(f":{process.pid}:" in lease.holder for lease in leases.alive("controller:"))

    wait_for(alive, "its heartbeat was in the database", timeout, process)


def sending(process: Popen) -> bool:
    """The controller holds a claim on a record it is sending."""
    return StackRecord.objects.filter(state=State.IN_FLIGHT, claimed_by__contains=f":{process.pid}:").exists()


def deliver_the_rest(log: IO[str]) -> Popen:
    """A controller that runs until nothing is left to deliver, then is stopped with SIGTERM."""
    survivor = controller(log)
    try:
        wait_until_alive(survivor)
        wait_until_delivered(timeout=180)
    finally:
        survivor.terminate()
        survivor.wait(30)
    return survivor


def test_kill_9_at_random_points_still_delivers_every_shipment_exactly_once(live_cart, ca, log):  # noqa: F811
    # given 30 shipments to deliver, and a sandbox slow enough that kills land mid-flight
    orders = [shipped_order(live_cart, ca, f"1ZKILL{n:04d}") for n in range(30)]
    ca.set_latency(300)  # each call lasts long enough for a kill to land while it is on the wire
    rng = random.Random(9)

    # when controllers are killed with SIGKILL, one after another, each after a random number of Ship calls
    # and while it is sending (observed, not guessed from the time, so a slow machine changes nothing)
    for _ in range(5):
        target = len(ca.calls(route="ship")) + rng.randint(1, 4)
        process = controller(log)

        def mid_flight(process: Popen = process, target: int = target) -> bool:
            return not undelivered() or (len(ca.calls(route="ship")) >= target and sending(process))

        wait_for(mid_flight, f"{target} Ship calls, with a record in flight", timeout=60, process=process)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if not undelivered():
            break
    survivor = deliver_the_rest(log)

    # then every shipment reached the sandbox exactly once
    assert ships_per_order(ca) == {int(o.channel_order_id): 1 for o in orders}, tail(log)
    assert set(StackRecord.objects.values_list("state", flat=True)) <= {State.SENT, State.CLEARED}
    assert survivor.returncode == 0  # SIGTERM stops it cleanly
    # and the kills did land while records were in flight (else this test proves little)
    interrupted = TimelineEntry.objects.filter(kind=TimelineEvent.STACK_RECORD_RECOVERED)
    assert interrupted.exists()


def test_two_controllers_on_postgresql_never_send_the_same_record(live_cart, ca, sandbox, log):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("on SQLite only one controller runs")
    # two accounts, so the two controllers can each drive one (or one drives both)
    second = make_sandbox_cart(sandbox, "CA Sandbox 2", second_profile=True)
    orders = [shipped_order(live_cart, ca, f"1ZPGA{n:04d}") for n in range(12)]
    orders += [
        shipped_order(second, ca, f"1ZPGB{n:04d}", order_fields={"ProfileID": demo.SECOND_PROFILE_ID})
        for n in range(12)
    ]
    ca.set_latency(40)

    pair = [controller(log, "--lease-seconds", "2") for _ in range(2)]
    # when one of them is killed while it is sending (the other takes its accounts over)
    seen: list[Popen] = []

    def one_is_sending() -> bool:
        seen[:] = [p for p in pair if sending(p)][:1]
        return bool(seen)

    wait_for(one_is_sending, "a controller is sending", timeout=60)
    [killed] = seen
    [other] = [p for p in pair if p is not killed]
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    try:
        wait_until_delivered(timeout=180)
    finally:
        other.terminate()
        other.wait(30)

    # then every shipment reached the sandbox exactly once
    assert ships_per_order(ca) == {int(o.channel_order_id): 1 for o in orders}, tail(log)
    ships = [c for c in ca.calls(route="ship") if c["status"] == 204]
    assert len(ships) == len(orders)


def test_kill_9_during_a_resync_loses_nothing_and_never_leaves_an_older_level(live_cart, ca, log):  # noqa: F811
    # given 40 SKUs counted, a cart that synchronizes inventory, and a full resync queued
    params.set_parameter("SynchQOH", "True")
    carts.edit_cart(live_cart, synchronize_inventory=True)
    live_cart.refresh_from_db()
    skus = [f"WID-{n:03d}" for n in range(1, 41)]
    for n, sku in enumerate(skus, start=1):
        inventory.set_stock(sku, n)
    StackRecord.objects.all().delete()
    inventory.queue_levels(live_cart, every_sku=True, reason="full resync")
    ca.set_latency(60)

    # when the controller is killed with SIGKILL mid-resync, and levels change while it is down
    process = controller(log)
    wait_for(
        lambda: len([c for c in ca.calls(route="update_quantity") if c["status"] == 204]) >= 10,
        "10 UpdateQuantity calls answered",
        timeout=60,
        process=process,
    )
    process.send_signal(signal.SIGKILL)
    process.wait()
    for n, sku in enumerate(skus, start=1):
        if n % 2:
            inventory.set_stock(sku, 100 + n)
    deliver_the_rest(log)

    # then every SKU shows its newest level at the cart: nothing lost, nothing older sent last
    expected = {sku: (100 + n if n % 2 else n) for n, sku in enumerate(skus, start=1)}
    last: dict[str, int] = {}
    ids = {p["ID"]: p["Sku"] for p in (ca.product(i) for i in _product_ids(live_cart, skus))}
    for call in ca.calls(route="update_quantity"):
        if call["status"] == 204:
            product = int(call["path"].split("(")[1].split(")")[0])
            last[ids[product]] = json.loads(call["body"])["Value"]["Updates"][0]["Quantity"]
    assert last == expected, tail(log)
    shown = {
        ids[i]: {r["DistributionCenterID"]: r["AvailableQuantity"] for r in ca.product(i)["DCQuantities"]} for i in ids
    }
    assert {sku: centers[1] for sku, centers in shown.items()} == expected
    # records in flight at the kill were folded into the newer change's record (cleared) or sent again
    assert set(StackRecord.objects.values_list("state", flat=True)) <= {State.SENT, State.CLEARED}
    interrupted = StackRecord.objects.filter(state=State.CLEARED) | StackRecord.objects.filter(attempts__gt=1)
    assert interrupted.exists()


def _product_ids(cart, skus: list[str]) -> list[int]:
    return list(CartProduct.objects.filter(cart=cart, sku__in=skus).values_list("remote_id", flat=True))
