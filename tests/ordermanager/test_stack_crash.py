"""Crashes and several controllers: real `ordermanager stack run` processes, killed with SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from django.conf import settings
from django.db import connection

from casandbox import demo
from ordermanager.orders.models import TimelineEntry, TimelineEvent
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


def controller(log: IO[str], *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "ORDERMANAGER_ENCRYPTION_KEY": settings.ENCRYPTION_KEY,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
    }
    command = [sys.executable, "-m", "ordermanager", "stack", "run", "--no-import", "--retry-base", "0.05", *extra]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_delivered(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while StackRecord.objects.filter(state__in=[*OPEN_STATES, State.IN_FLIGHT]).exists():
        assert time.monotonic() < deadline, list(StackRecord.objects.values("id", "state", "attempts", "last_error"))
        time.sleep(0.1)


def wait_until_alive(process: subprocess.Popen, timeout: float = 30) -> None:
    """Until the controller's heartbeat is in the database, i.e. it has set up its signal handlers."""
    deadline = time.monotonic() + timeout
    while not any(f":{process.pid}:" in lease.holder for lease in leases.alive("controller:")):
        assert process.poll() is None, "the controller stopped before it started"
        assert time.monotonic() < deadline, "the controller did not start in time"
        time.sleep(0.05)


def test_kill_9_at_random_points_still_delivers_every_shipment_exactly_once(live_cart, ca, log):  # noqa: F811
    # given 30 shipments to deliver, and a sandbox slow enough that kills land mid-flight
    orders = [shipped_order(live_cart, ca, f"1ZKILL{n:04d}") for n in range(30)]
    # 200 ms: the stack now spends so little between calls that at 60 ms a loaded machine's slow start-up
    # could let the first controller finish before its kill
    ca.set_latency(200)
    rng = random.Random(9)

    # when controllers are killed with SIGKILL at random moments, one after another
    for _ in range(5):
        process = controller(log)
        time.sleep(rng.uniform(1.0, 2.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        if not StackRecord.objects.filter(state__in=[*OPEN_STATES, State.IN_FLIGHT]).exists():
            break
    survivor = controller(log)
    try:
        wait_until_alive(survivor)
        wait_until_delivered(timeout=90)
    finally:
        survivor.terminate()
        survivor.wait(15)

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

    first = controller(log, "--lease-seconds", "2")
    other = controller(log, "--lease-seconds", "2")
    time.sleep(2.0)
    first.send_signal(signal.SIGKILL)  # the other takes over its accounts when the lease runs out
    first.wait()
    try:
        wait_until_delivered(timeout=90)
    finally:
        other.terminate()
        other.wait(15)

    assert ships_per_order(ca) == {int(o.channel_order_id): 1 for o in orders}, tail(log)
    ships = [c for c in ca.calls(route="ship") if c["status"] == 204]
    assert len(ships) == len(orders)
