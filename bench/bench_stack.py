"""Benchmark: the stack controller delivering shipments to the ChannelAdvisor sandbox.

    .venv/bin/python bench/bench_stack.py [--shipments 3000] [--latency-ms 100] [--trickle-seconds 60]

It measures, in one run, against a sandbox with 100 ms latency and ChannelAdvisor's 2,000 calls/min:
1. throughput: one account with a backlog, where the rate limit binds (not the 5-call cap), in calls
   per minute over the steady state, as a share of the limit, and the 429s seen there; the controller
   process's CPU per delivered record; the time to drain 10,000 shipments (measured start-up plus
   10,000 at the steady rate, when --shipments is fewer: setting up 10,000 orders alone takes minutes);
2. calls per shipment: Ship calls (and any other API calls) per shipment delivered;
3. the peers, modelled (bench/_peers.py), on the same sandbox settings: a serial stack that waits for each
   answer (SEOM's) and a client paced at 4 requests/s (SkuVault's); calls/min, drain time of 10,000
   (extrapolated from --peer-seconds of sending) and ours/peer ratios;
4. import at the rate limit: --import-orders orders imported, in calls per minute as a share of the limit;
5. latency: from an action's commit to the sandbox's 204, with changes made at 10% of the limit.
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

import _peers  # noqa: E402 - bench/ is on sys.path: it holds this script

django.setup()

from django.conf import settings  # noqa: E402

from _setup import analyze, bench_setup  # noqa: E402 - bench/ is on sys.path: it holds this script
from casandbox import demo  # noqa: E402
from casandbox.testing import SandboxControl, SandboxProcess  # noqa: E402
from ordermanager.carts import actions as carts  # noqa: E402
from ordermanager.orders import actions  # noqa: E402
from ordermanager.orders.actions import NewItem  # noqa: E402
from ordermanager.orders.importing import import_orders  # noqa: E402
from ordermanager.orders.models import Order  # noqa: E402
from ordermanager.stack.models import StackRecord, State  # noqa: E402

LIMIT_PER_MINUTE = 2000
DRAIN = 10_000  # shipments: the drain time every stack is compared on
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


def child_cpu(process: subprocess.Popen) -> float:
    """Stop the controller and return the CPU seconds it used (user + system), read from wait4."""
    process.terminate()
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    analyze()
    seq = ca.last_call_seq()
    started = time.monotonic()
    process = controller()
    try:
        # Start-up (Django, the checks, the first claim) is paid once per process, not per record: the CPU
        # used until the first Ship call is kept apart.
        wait_for(lambda: ca.last_call_seq() > seq, timeout=60)
        start_up = process_cpu(process.pid)
        wait_for(lambda: open_records() == 0, timeout=shipments / (LIMIT_PER_MINUTE / 60) * 2 + 60)
        drained = time.monotonic() - started
    finally:
        cpu = child_cpu(process)
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
        "drain_seconds": drained,
        "cpu_seconds": cpu,
        "start_up_cpu_seconds": start_up,
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


def fresh(ca: SandboxControl, cart: carts.Cart, latency_ms: float) -> None:
    """A fresh account (the sandbox numbers orders from the start again), nothing of the last run here."""
    ca.reset()
    ca.seed(**demo.payload())
    ca.set_latency(latency_ms)
    Order.objects.filter(cart=cart).delete()
    StackRecord.objects.all().delete()


def peers(sandbox: SandboxProcess, ca: SandboxControl, seconds: float) -> dict[str, dict]:
    results = {}
    for name, per_second, share in (("serial (SEOM's stack)", None, 1.0), ("paced 4/s (SkuVault's client)", 4.0, 0.5)):
        ids = ca.generate_orders(demo.PROFILE_ID, int(seconds * 12 * share) + 10, seed=5, max_items=1)
        results[name] = _peers.ship_for(sandbox.api_url, sandbox.token_url, ids, seconds * share, per_second)
    return results


def import_rate(ca: SandboxControl, cart: carts.Cart, count: int) -> dict[str, float]:
    ca.generate_orders(demo.PROFILE_ID, count, seed=4, max_items=2, shipping_status="Unshipped")
    seq = ca.last_call_seq()
    started = time.monotonic()
    summary = import_orders(cart)
    elapsed = time.monotonic() - started
    calls = [c for c in ca.calls(since=seq) if c["route"] != "token"]
    return {
        "imported": summary.imported,
        "acknowledged": summary.acknowledged,
        "seconds": elapsed,
        "calls": len(calls),
        "per_minute": len(calls) / elapsed * 60,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shipments", type=int, default=3000, help="backlog for the throughput run")
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--trickle-seconds", type=float, default=60, help="length of the latency run")
    parser.add_argument("--peer-seconds", type=float, default=60, help="how long the serial peer sends")
    parser.add_argument("--import-orders", type=int, default=1500)
    args = parser.parse_args()

    with bench_setup(WORK) as (sandbox, ca, cart):
        ca.set_latency(args.latency_ms)

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
        cpu_ms = (t["cpu_seconds"] - t["start_up_cpu_seconds"]) / max(t["delivered"], 1) * 1000
        whole_ms = t["cpu_seconds"] / max(t["delivered"], 1) * 1000
        print(
            f"  controller CPU: {t['cpu_seconds']:.1f} s for {t['delivered']} records, of it "
            f"{t['start_up_cpu_seconds']:.1f} s start-up = {cpu_ms:.2f} ms per delivered record "
            f"(target 5 ms: {cpu_ms / 5:.2f} of it; threads, heartbeat and polling included); "
            f"{whole_ms:.2f} ms with the start-up"
        )
        ours_rate = t["calls_per_minute"] / 60
        ours_drain = t["drain_seconds"] + max(0, DRAIN - t["shipments"]) / ours_rate
        how = "measured" if t["shipments"] >= DRAIN else f"{t['shipments']} measured, the rest at the steady rate"
        print(f"  drain of {DRAIN:,} shipments: {ours_drain / 60:.1f} min ({how})", flush=True)

        fresh(ca, cart, args.latency_ms)
        print(f"peers (models), same sandbox settings, extrapolated to {DRAIN:,} from a short run…", flush=True)
        for name, peer in peers(sandbox, ca, args.peer_seconds).items():
            rate = peer["shipped"] / peer["seconds"]
            ratio = t["calls_per_minute"] / peer["per_minute"]
            drain = DRAIN / rate if rate else float("inf")
            print(
                f"  {name}: {peer['per_minute']:.0f} calls/min ({peer['calls']} in {peer['seconds']:.0f} s), "
                f"drain of {DRAIN:,}: {drain / 60:.1f} min; ours/peer: {ratio:.1f}x "
                f"calls/min, {drain / ours_drain:.1f}x faster drain"
            )

        fresh(ca, cart, args.latency_ms)
        print(f"import at the rate limit: {args.import_orders} orders at {args.latency_ms:.0f} ms…", flush=True)
        imp = import_rate(ca, cart, args.import_orders)
        share = imp["per_minute"] / LIMIT_PER_MINUTE
        print(
            f"  {imp['imported']} imported, {imp['acknowledged']} acknowledged in {imp['seconds']:.0f} s: "
            f"{imp['per_minute']:.0f} calls/min = {share:.3f} of the limit (target ≥ 0.9: {share / 0.9:.2f}x); "
            f"5,000 orders would take {5000 / (imp['imported'] / imp['seconds']) / 60:.1f} min",
            flush=True,
        )

        fresh(ca, cart, args.latency_ms)
        print(
            f"latency: changes at 10% of the limit ({LIMIT_PER_MINUTE * 0.1:.0f}/min) for "
            f"{args.trickle_seconds:.0f} s…",
            flush=True,
        )
        lat = latency(ca, cart, args.trickle_seconds)
        print(latency_line(lat, 2))


if __name__ == "__main__":
    main()
