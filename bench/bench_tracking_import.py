"""Benchmark: importing a tracking file (`ordermanager tracking import`).

    .venv/bin/python bench/bench_tracking_import.py [--rows 100000] [--small 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/om_bench_tracking .venv/bin/python bench/bench_tracking_import.py

It makes --rows + --small orders of one item each (created in bulk: the set-up is not what is measured),
writes a generic CSV of --rows rows (one whole-order package each, matched by cart order ID) and one of
--small rows, then imports each in a fresh process through the importer the command uses, without Process
Tracking Numbers. It prints rows per second (target ≥ 2,000) as a ratio, by wall time and by the importing process's CPU
time (on a shared machine the wall time includes waiting for a core; on PostgreSQL the server's CPU is not
in the process's), and each process's peak RSS: the large file's beside the small one's shows whether
memory stays flat.
The database must be empty (on SQLite a fresh one is made in a temporary folder). Nothing fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORK = Path(os.environ.get("ORDERMANAGER_DATA") or tempfile.mkdtemp(prefix="bench-tracking-"))
os.environ["ORDERMANAGER_DATA"] = str(WORK)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordermanager.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from ordermanager.carts import actions as carts  # noqa: E402
from ordermanager.carts.carriers import map_carrier  # noqa: E402
from ordermanager.carts.lookup import get_cart  # noqa: E402
from ordermanager.orders.models import Order, OrderItem  # noqa: E402
from ordermanager.orders.tracking_import import Options, Report, import_tracking_file  # noqa: E402
from ordermanager.params import actions as params  # noqa: E402
from ordermanager.statuses.actions import load_default_status_events  # noqa: E402

TARGET = 2000
STORE = "Bench Store"


def make_orders(prefix: str, count: int) -> None:
    cart = get_cart(STORE)
    for start in range(0, count, 5000):
        with transaction.atomic():
            orders = Order.objects.bulk_create(
                Order(cart=cart, channel_order_id=f"{prefix}{n:07d}") for n in range(start, min(count, start + 5000))
            )
            OrderItem.objects.bulk_create(OrderItem(order=o, sku="WID-001", quantity=1) for o in orders)


def write_file(path: Path, prefix: str, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Order Number,Tracking Number,Carrier,Service,Ship Date\n")
        for n in range(count):
            out.write(f"{prefix}{n:07d},1Z{prefix}{n:012d},UPS,Ground,{time.strftime('%Y-%m-%d')}\n")


def child(path: str) -> None:
    """Import one file and print what it took, as JSON (run in a process of its own)."""
    started = time.perf_counter()
    cpu = time.process_time()
    with open(path, "rb") as binary, open(os.devnull, "w") as sink:
        report = import_tracking_file(binary, Options("bench"), Report(sink))
    result = {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "counts": {k.value: v for k, v in report.counts.items()},
    }
    print(json.dumps(result))


def run_child(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path)], check=True, capture_output=True, text=True, env=os.environ
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    call_command("migrate", verbosity=0)
    if Order.objects.exists():
        sys.exit("the benchmark needs an empty database: point DATABASE_URL at a new one")
    params.set_parameter("UseStatusUpdates", "True")
    load_default_status_events()
    cart = carts.add_cart(STORE, "channeladvisor", account_id="11111111-2222-3333-4444-555555555555", profile_id=1)
    map_carrier(cart, "UPS", "Ground", "UPS", "Ground")
    print(f"database: {connection.vendor}; data in {WORK}", flush=True)
    started = time.perf_counter()
    make_orders("S", args.small)
    make_orders("L", args.rows)
    small, large = WORK / "small.csv", WORK / "large.csv"
    write_file(small, "S", args.small)
    write_file(large, "L", args.rows)
    print(f"set-up: {args.small + args.rows:,} orders and two files in {time.perf_counter() - started:.1f} s")

    figures = {}
    for label, path, count in (("small", small, args.small), ("large", large, args.rows)):
        result = run_child(path)
        assert result["counts"] == {"imported": count}, result["counts"]
        figures[label] = result
        rate, cpu_rate = count / result["seconds"], count / result["cpu"]
        print(
            f"{count:>7,} rows: {result['seconds']:6.1f} s wall, {rate:,.0f} rows/s = {rate / TARGET:.2f}x the "
            f"{TARGET:,}/s target; importer CPU {result['cpu']:.1f} s, {cpu_rate:,.0f} rows/s = "
            f"{cpu_rate / TARGET:.2f}x; peak RSS {result['rss_mb']:.0f} MB",
            flush=True,
        )
    ratio = figures["large"]["rss_mb"] / figures["small"]["rss_mb"]
    print(f"peak RSS, {args.rows:,} rows vs {args.small:,} rows: {ratio:.2f}x (flat memory: close to 1)")


if __name__ == "__main__":
    main()
