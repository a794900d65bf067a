"""Benchmark: stock levels reaching the ChannelAdvisor sandbox (issue 13).

    .venv/bin/python bench/bench_inventory.py [--skus 2500] [--latency-ms 100] [--trickle-seconds 45]

Against a sandbox with 100 ms latency and ChannelAdvisor's 2,000 calls/min, in one run:
1. latency: stock changes made at 10% of the limit, from the action's commit to the sandbox's 204 for
   that SKU's UpdateQuantity (target p99 ≤ 5 s; SEOM promised 20 s);
2. a full resync of every SKU (`stock sync --all`) with the ProductIDs kept: calls per minute over the
   steady state as a share of the limit (target ≥ 0.95), calls per SKU, and the time the command
   predicted beside the time it took.
It prints each figure beside its target as a ratio. It is a benchmark, not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import time

from django.core.management import call_command
from django.db import connection

from bench_stack import (  # also sets Django up
    LIMIT_PER_MINUTE,
    WORK,
    controller,
    latency_line,
    parse_time,
    percentiles,
    wait_for,
)
from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess
from ordermanager.carts import actions as carts
from ordermanager.demo import add_demo_cart
from ordermanager.inventory import actions as inventory
from ordermanager.inventory import syncing
from ordermanager.params import actions as params
from ordermanager.stack.models import StackRecord, State


def seed_catalogue(ca: SandboxControl, cart: carts.Cart, count: int) -> dict[int, str]:
    """`count` products at the sandbox and here (levels counted before syncing), their ProductIDs kept."""
    skus = [f"BEN-{n:05d}" for n in range(count)]
    products = [
        {"ProfileID": demo.PROFILE_ID, "Sku": sku, "Title": f"Bench item {sku}", "DCQuantities": []} for sku in skus
    ]
    ids = ca.seed(products=products)["product_ids"]
    for sku, remote_id in zip(skus, ids, strict=True):
        inventory.set_stock(sku, 1)
        inventory.remember_remote_id(cart, sku, remote_id)
    return dict(zip(ids, skus, strict=True))


def sku_calls(ca: SandboxControl, since: int, by_id: dict[int, str]) -> list[tuple[str, float, int]]:
    """(SKU, time, status) of each UpdateQuantity the sandbox answered."""
    found = []
    for call in ca.calls(since=since, route="update_quantity"):
        product = int(call["path"].split("(")[1].split(")")[0])
        found.append((by_id[product], parse_time(call["time"]), call["status"]))
    return found


def latency(ca: SandboxControl, by_id: dict[int, str], seconds: float) -> dict[str, float]:
    rate = LIMIT_PER_MINUTE * 0.10 / 60
    skus = list(by_id.values())
    process = controller()
    committed: dict[str, float] = {}
    try:
        wait_for(lambda: StackRecord.objects.filter(state=State.PENDING).count() == 0, timeout=10)
        time.sleep(3)  # the controller starts (imports Django, takes its leases) before the clock runs
        seq = ca.last_call_seq()
        started = time.time()
        for n in range(int(seconds * rate)):
            time.sleep(max(0.0, started + n / rate - time.time()))
            inventory.set_stock(skus[n], 100 + n)
            committed[skus[n]] = time.time()  # the action's transaction has committed on return
        wait_for(lambda: not StackRecord.objects.exclude(state__in=[State.SENT, State.CLEARED]).exists(), 60)
    finally:
        process.terminate()
        process.wait(30)
    delays = [at - committed[sku] for sku, at, status in sku_calls(ca, seq, by_id) if status == 204]
    return percentiles(delays, len(committed))


def resync(ca: SandboxControl, cart: carts.Cart, by_id: dict[int, str]) -> dict[str, float]:
    StackRecord.objects.all().delete()
    ids = inventory.queue_levels(cart, every_sku=True, reason="full resync")
    planned = syncing.plan(cart, ids)
    seq = ca.last_call_seq()
    began = time.monotonic()
    process = controller()
    try:
        wait_for(lambda: not StackRecord.objects.exclude(state__in=[State.SENT, State.CLEARED]).exists(), 3600)
    finally:
        took = time.monotonic() - began
        process.terminate()
        process.wait(30)
    calls = [c for c in ca.calls(since=seq) if c["route"] != "token"]
    times = sorted(parse_time(c["time"]) for c in calls)
    start, end = times[0] + 10, times[-1] - 5  # steady state: without start-up and the tail
    steady = [t for t in times if start <= t <= end]
    return {
        "skus": len(ids),
        "calls": len(calls),
        "status_429": sum(1 for c in calls if c["status"] == 429),
        "sent": StackRecord.objects.filter(state=State.SENT).count(),
        "per_minute": len(steady) / ((end - start) / 60),
        "steady_seconds": end - start,
        "predicted": planned.seconds,
        "took": took,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skus", type=int, default=2500, help="catalogue size for the resync")
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--trickle-seconds", type=float, default=45, help="length of the latency run")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; data in {WORK}", flush=True)
    with SandboxProcess(WORK / "casandbox.sqlite3") as sandbox, sandbox.control() as ca:
        ca.reset()
        ca.seed(**demo.payload())
        cart = add_demo_cart(sandbox.base_url, "Bench")
        by_id = seed_catalogue(ca, cart, args.skus)
        params.set_parameter("SynchQOH", "True")
        carts.edit_cart(cart, synchronize_inventory=True)
        cart.refresh_from_db()
        ca.set_latency(args.latency_ms)

        print(
            f"latency: stock changes at 10% of the limit ({LIMIT_PER_MINUTE * 0.1:.0f}/min) for "
            f"{args.trickle_seconds:.0f} s, sandbox at {args.latency_ms:.0f} ms…",
            flush=True,
        )
        lat = latency(ca, by_id, args.trickle_seconds)
        print(f"{latency_line(lat, 5)}; SEOM's 20 s: {lat['p99'] / 20:.3f} of it")

        print(f"resync: every one of {args.skus} SKUs at {LIMIT_PER_MINUTE}/min…", flush=True)
        r = resync(ca, cart, by_id)
        share = r["per_minute"] / LIMIT_PER_MINUTE
        print(
            f"  sustained {r['per_minute']:.0f} calls/min over {r['steady_seconds']:.0f} s of steady state "
            f"= {share:.3f} of the limit (target ≥ 0.95: {share / 0.95:.2f}x); 429s: {r['status_429']}"
        )
        print(
            f"  {r['calls']} API calls for {r['skus']} SKUs ({r['calls'] / r['skus']:.3f} per SKU, target 1.000), "
            f"{r['sent']} records sent; predicted {r['predicted']:.0f} s, took {r['took']:.0f} s "
            f"({r['took'] / r['predicted']:.2f}x); 10,000 SKUs at this rate: "
            f"{10_000 / r['per_minute']:.1f} min"
        )


if __name__ == "__main__":
    main()
