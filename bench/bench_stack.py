"""Benchmark: the stack controller delivering shipments to the ChannelAdvisor sandbox.

    .venv/bin/python bench/bench_stack.py [--shipments 2600] [--latency-ms 100] [--trickle-seconds 60]

It measures, in one run, against a sandbox with 100 ms latency and ChannelAdvisor's 2,000 calls/min:
1. throughput: one account with a backlog, where the rate limit binds (not the 5-call cap), in calls
   per minute over the steady state, as a share of the limit, and the 429s seen there;
2. calls per shipment: Ship calls (and any other API calls) per shipment delivered;
3. latency: from an action's commit to the sandbox's 204, with changes made at 10% of the limit.
It prints each figure beside its target as a ratio. It is a benchmark, not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

WORK = Path(tempfile.mkdtemp(prefix="bench-stack-"))
os.environ.setdefault("ORDERMANAGER_DATA", str(WORK))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordermanager.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from casandbox import demo  # noqa: E402
from casandbox.testing import SandboxControl, SandboxProcess  # noqa: E402
from ordermanager.carts import actions as carts  # noqa: E402
from ordermanager.carts.carriers import map_carrier  # noqa: E402
from ordermanager.demo import add_demo_cart  # noqa: E402
from ordermanager.orders import actions  # noqa: E402
from ordermanager.orders.actions import NewItem  # noqa: E402
from ordermanager.orders.models import Order  # noqa: E402
from ordermanager.params import actions as params  # noqa: E402
from ordermanager.stack.models import StackRecord, State  # noqa: E402
from ordermanager.statuses.actions import load_default_status_events  # noqa: E402

LIMIT_PER_MINUTE = 2000
ACTOR = "bench"


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def make_orders(ca: SandboxControl, cart: carts.Cart, count: int) -> list[int]:
    """Orders that exist in the sandbox and here, each ready for one whole-order shipment."""
    ids = ca.generate_orders(demo.PROFILE_ID, count, seed=1, max_items=1, shipping_status="Unshipped")
    local = []
    for ca_id in ids:
        raw = ca.order(ca_id)
        item = raw["Items"][0]
        order = actions.receive_order(
            [NewItem(item["Sku"], item["Quantity"], channel_item_id=str(item["ID"]))],
            actor=ACTOR,
            cart=cart,
            channel_order_id=str(ca_id),
            profile_id=demo.PROFILE_ID,
        )
        local.append(order.pk)
    return local


def controller() -> subprocess.Popen:
    env = {**os.environ, "ORDERMANAGER_ENCRYPTION_KEY": settings.ENCRYPTION_KEY}
    return subprocess.Popen(
        [sys.executable, "-m", "ordermanager", "stack", "run", "--no-import"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(WORK / "controller.log").open("w"),
    )


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def open_records() -> int:
    return StackRecord.objects.exclude(state__in=[State.SENT, State.CLEARED]).count()


def throughput(ca: SandboxControl, cart: carts.Cart, shipments: int) -> dict[str, float]:
    orders = make_orders(ca, cart, shipments)
    for n, pk in enumerate(orders):
        actions.add_tracking_number(pk, f"1ZTHRU{n:06d}", carrier="UPS", shipping_class="Ground", actor=ACTOR)
    seq = ca.last_call_seq()
    process = controller()
    try:
        wait_for(lambda: open_records() == 0, timeout=shipments / (LIMIT_PER_MINUTE / 60) * 2 + 60)
    finally:
        process.terminate()
        process.wait(30)
    calls = ca.calls(since=seq)
    ships = [c for c in calls if c["route"] == "ship"]
    times = sorted(parse_time(c["time"]) for c in calls)
    # steady state: leave out the first and last 10 s (start-up, and the tail as the backlog runs out)
    start, end = times[0] + 10, times[-1] - 10
    steady = [t for t in times if start <= t <= end]
    steady_429 = [c for c in calls if c["status"] == 429 and start <= parse_time(c["time"]) <= end]
    per_minute = len(steady) / ((end - start) / 60) if end > start else 0.0
    return {
        "shipments": shipments,
        "ship_calls": len(ships),
        "ship_204": sum(1 for c in ships if c["status"] == 204),
        "other_api_calls": sum(1 for c in calls if c["route"] not in ("ship", "token")),
        "calls_per_minute": per_minute,
        "steady_seconds": end - start,
        "steady_429": len(steady_429),
        "all_429": sum(1 for c in calls if c["status"] == 429),
        "delivered": StackRecord.objects.filter(state=State.SENT).count(),
    }


def latency(ca: SandboxControl, cart: carts.Cart, seconds: float) -> dict[str, float]:
    """Changes at 10% of the limit; for each, commit time here → time of the sandbox's 204."""
    rate = LIMIT_PER_MINUTE * 0.10 / 60
    count = int(seconds * rate)
    orders = make_orders(ca, cart, count)
    process = controller()
    committed: dict[str, float] = {}
    try:
        time.sleep(3)  # let the controller start
        seq = ca.last_call_seq()
        started = time.time()
        for n, pk in enumerate(orders):
            target = started + n / rate
            time.sleep(max(0.0, target - time.time()))
            number = f"1ZLAT{n:06d}"
            actions.add_tracking_number(pk, number, carrier="UPS", shipping_class="Ground", actor=ACTOR)
            committed[number] = time.time()  # the action's transaction has committed on return
        wait_for(lambda: open_records() == 0, timeout=60)
    finally:
        process.terminate()
        process.wait(30)
    import json

    delays = []
    for call in ca.calls(since=seq, route="ship"):
        if call["status"] == 204:
            number = json.loads(call["body"])["Value"]["TrackingNumber"]
            delays.append(parse_time(call["time"]) - committed[number])
    return percentiles(delays, count)


def percentiles(delays: list[float], changes: int) -> dict[str, float]:
    delays = sorted(delays)
    return {
        "changes": changes,
        "delivered": len(delays),
        "p50": statistics.median(delays),
        "p99": delays[max(0, int(len(delays) * 0.99) - 1)],
        "max": delays[-1],
    }


def latency_line(lat: dict[str, float], target: float) -> str:
    return (
        f"  commit → 204: p50 {lat['p50']:.3f} s, p99 {lat['p99']:.3f} s, max {lat['max']:.3f} s over "
        f"{lat['delivered']} of {lat['changes']} changes (p99 target ≤ {target:g} s: {lat['p99'] / target:.2f} of it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shipments", type=int, default=2600, help="backlog for the throughput run")
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--trickle-seconds", type=float, default=60, help="length of the latency run")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    load_default_status_events()
    params.set_parameter("UseStatusUpdates", "True")
    print(f"database: {connection.vendor}; data in {WORK}", flush=True)
    with SandboxProcess(WORK / "casandbox.sqlite3") as sandbox, sandbox.control() as ca:
        ca.reset()
        ca.seed(**demo.payload())
        ca.set_latency(args.latency_ms)
        cart = add_demo_cart(sandbox.base_url, "Bench")
        map_carrier(cart, "UPS", "Ground", "UPS", "Ground")

        print(
            f"throughput: {args.shipments} shipments queued, sandbox at {args.latency_ms:.0f} ms and "
            f"{LIMIT_PER_MINUTE}/min…",
            flush=True,
        )
        t = throughput(ca, cart, args.shipments)
        share = t["calls_per_minute"] / LIMIT_PER_MINUTE
        print(
            f"  sustained {t['calls_per_minute']:.0f} calls/min over {t['steady_seconds']:.0f} s of steady state "
            f"= {share:.3f} of the limit (target ≥ 0.95: {share / 0.95:.2f}x)"
        )
        print(f"  429s in steady state: {t['steady_429']} (target 0); in the whole run: {t['all_429']}")
        per_shipment = t["ship_calls"] / t["shipments"]
        print(
            f"  Ship calls per shipment: {per_shipment:.3f} ({t['ship_calls']} calls, {t['ship_204']} answered 204, "
            f"{t['delivered']} records sent); other API calls: {t['other_api_calls']} (target: 1.000 and 0)"
        )

        # a fresh account for the second run: the sandbox numbers orders from the start again
        ca.reset()
        ca.seed(**demo.payload())
        ca.set_latency(args.latency_ms)
        Order.objects.filter(cart=cart).delete()
        StackRecord.objects.all().delete()
        print(
            f"latency: changes at 10% of the limit ({LIMIT_PER_MINUTE * 0.1:.0f}/min) for "
            f"{args.trickle_seconds:.0f} s…",
            flush=True,
        )
        lat = latency(ca, cart, args.trickle_seconds)
        print(latency_line(lat, 2))


if __name__ == "__main__":
    main()
