"""Benchmark of the local costs, beside a bare INSERT+COMMIT loop on the same database.

    .venv/bin/python bench/bench_local.py [--orders 1000] [--records 1000] [--sent-rows 1000000] [--profile]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/om_bench .venv/bin/python bench/bench_local.py

The sandbox runs with its limits off and no latency, so what is measured is this side:
1. queries per tracking action and per imported order (targets 15 and 20);
2. tracking actions per second, and a bare single-row INSERT+COMMIT loop on the same database (ratio);
3. CPU per imported order (target 2 ms) and per delivered record (target 5 ms), process CPU time over
   the orders or records handled (the import's acknowledgement threads and the sandbox's client included);
4. /metrics and `stack status` with `--sent-rows` sent records on the stack (target < 50 ms), the rows
   written with one INSERT … SELECT.
`--profile` prints where the CPU went (cProfile, top functions by own time) for the import and delivery.
It is a benchmark, not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import tempfile
import time
from pathlib import Path

WORK = Path(tempfile.mkdtemp(prefix="bench-local-"))
os.environ.setdefault("ORDERMANAGER_DATA", str(WORK))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordermanager.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from _setup import bench_setup  # noqa: E402 - bench/ is on sys.path: it holds this script
from casandbox import demo  # noqa: E402
from casandbox.testing import SandboxControl  # noqa: E402
from ordermanager.carts.connectors.registry import connector_for  # noqa: E402
from ordermanager.carts.models import Cart  # noqa: E402
from ordermanager.orders import actions  # noqa: E402
from ordermanager.orders.importing import import_orders  # noqa: E402
from ordermanager.orders.models import Order  # noqa: E402
from ordermanager.params import actions as params  # noqa: E402
from ordermanager.stack import actions as stack_actions  # noqa: E402
from ordermanager.stack import leases  # noqa: E402
from ordermanager.stack.delivery import deliver  # noqa: E402
from ordermanager.stack.models import StackRecord  # noqa: E402

ACTOR = "bench"


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def profiled(enabled: bool):
    profile = cProfile.Profile(time.process_time) if enabled else None  # CPU, not waiting
    if profile:
        profile.enable()
    return profile


def show(profile: cProfile.Profile | None, title: str) -> None:
    if profile is None:
        return
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(18)
    print(f"--- where the CPU went: {title} (own time) ---")
    print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def bare_inserts(count: int) -> float:
    """Single-row INSERT+COMMIT per second: the database's own floor on this machine."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_bare (id integer PRIMARY KEY, note varchar(50))")
        cursor.execute("DELETE FROM bench_bare")
    started = time.perf_counter()
    for n in range(count):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_bare (id, note) VALUES (%s, %s)", [n, "x"])
    return count / (time.perf_counter() - started)


def import_run(ca: SandboxControl, cart: Cart, count: int, profile: bool) -> tuple[int, float, float]:
    ca.generate_orders(demo.PROFILE_ID, count, seed=2, max_items=2, shipping_status="Unshipped")
    started, spent = time.perf_counter(), cpu()
    prof = profiled(profile)
    summary = import_orders(cart)
    show(prof, "import")
    return summary.imported, cpu() - spent, time.perf_counter() - started


def tracking_run(cart: Cart, profile: bool) -> tuple[int, float]:
    orders = list(Order.objects.filter(cart=cart).order_by("id").values_list("pk", flat=True))
    prof = profiled(profile)
    started = time.perf_counter()
    for n, pk in enumerate(orders):
        actions.add_tracking_number(pk, f"1ZLOCAL{n:06d}", carrier="UPS", shipping_class="Ground", actor=ACTOR)
    elapsed = time.perf_counter() - started
    show(prof, "tracking action")
    return len(orders), elapsed


def delivery_run(cart: Cart, limit: int, profile: bool) -> tuple[int, float]:
    """Claim and deliver records one by one in this process: the controller's hot path without its threads."""
    holder, lane = "bench-local", f"cart:{cart.pk}"
    connector = connector_for(cart)
    delivered = 0
    prof = profiled(profile)
    spent = cpu()
    try:
        while delivered < limit:
            leases.acquire(lane, holder, 60)
            records = stack_actions.claim(cart.pk, holder, lane, 20, 60)
            if not records:
                break
            for record in records:
                delivered += bool(deliver(record, connector, holder))
    finally:
        connector.close()
    spent = cpu() - spent
    show(prof, "delivery")
    return delivered, spent


def query_counts(ca: SandboxControl, cart: Cart) -> tuple[int, int]:
    ca.generate_orders(demo.PROFILE_ID, 1, seed=3, max_items=1, shipping_status="Unshipped")
    with CaptureQueriesContext(connection) as imported:
        import_orders(cart)
    order = Order.objects.filter(cart=cart).order_by("-id").first()
    with CaptureQueriesContext(connection) as tracked:
        actions.add_tracking_number(order, "1ZCOUNT0001", carrier="UPS", shipping_class="Ground", actor=ACTOR)
    return len(tracked), len(imported)


def seed_sent(rows: int, cart: Cart) -> float:
    """`rows` sent records, sent a day ago, in one INSERT … SELECT over a generated series (SQLite: a recursive
    CTE)."""
    started = time.perf_counter()
    table = StackRecord._meta.db_table
    columns = (
        "kind, state, cart_id, coalesce_key, sku, reasons, coalesced, attempts, next_attempt_at, last_error, "
        "fix_hint, last_response, claimed_by, created_at, updated_at, sent_at, delivery_seconds"
    )
    values = (
        "'status_update', 'sent', %s, 'seed:' || n, '', '[]', 0, 1, {now}, '', '', '', '', {now}, {now}, {now}, 0.5"
    )
    if connection.vendor == "postgresql":
        now = "now() - interval '1 day'"
        source = f"SELECT {values.format(now=now)} FROM generate_series(1, %s) AS n"  # noqa: S608 - no input
    else:
        now = "datetime('now', '-1 day')"
        series = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %s) "
        source = series + f"SELECT {values.format(now=now)} FROM s"  # noqa: S608 - no outside input
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"INSERT INTO {table} ({columns}) {source}", [cart.pk, rows])
        else:
            cursor.execute(f"INSERT INTO {table} ({columns}) {source.replace('%s', str(rows), 1)}", [cart.pk])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


def timed(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--sent-rows", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    settings.METRICS_TOKEN = "bench"  # /metrics answers a scraper with the token only
    with bench_setup(WORK) as (_, ca, cart):
        ca.set_limits(enabled=False)
        params.set_parameter("CartRequestsPerMinute", "100000", cart=cart)

        tracking_queries, import_queries = query_counts(ca, cart)
        Order.objects.all().delete()
        StackRecord.objects.all().delete()
        print(
            f"queries: tracking action {tracking_queries} (target 15: {tracking_queries / 15:.2f} of it); "
            f"import of one order {import_queries} (target 20: {import_queries / 20:.2f})",
            flush=True,
        )

        imported, import_cpu, import_wall = import_run(ca, cart, args.orders, args.profile)
        per_order = import_cpu / imported * 1000
        print(
            f"import: {imported} orders in {import_wall:.1f} s ({imported / import_wall:.0f}/s), "
            f"{per_order:.2f} ms CPU per order (target 2 ms: {per_order / 2:.2f} of it)",
            flush=True,
        )
        actions_done, tracking_wall = tracking_run(cart, args.profile)
        bare = bare_inserts(2000)
        rate = actions_done / tracking_wall
        print(
            f"tracking actions: {rate:.0f}/s; bare INSERT+COMMIT: {bare:.0f}/s; "
            f"ratio {rate / bare:.3f} (an action does {tracking_queries} queries in one transaction)",
            flush=True,
        )
        delivered, delivery_cpu = delivery_run(cart, actions_done, args.profile)
        per_record = delivery_cpu / max(delivered, 1) * 1000
        print(
            f"delivery: {delivered} records, {per_record:.2f} ms CPU per record in this process "
            f"(target 5 ms: {per_record / 5:.2f} of it; the sandbox's own CPU is another process)",
            flush=True,
        )

        small = timed(lambda: Client().get("/metrics", HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION="Bearer bench"))
        seconds = seed_sent(args.sent_rows, cart)
        print(f"seeded {args.sent_rows:,} sent records in {seconds:.1f} s", flush=True)
        big = timed(lambda: Client().get("/metrics", HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION="Bearer bench"))
        status = timed(lambda: call_command("stack", "status", stdout=io.StringIO()))
        print(
            f"/metrics: {small * 1000:.1f} ms at {delivered:,} sent records, {big * 1000:.1f} ms at "
            f"{args.sent_rows + delivered:,} (target < 50 ms: {big / 0.05:.2f} of it; growth {big / small:.2f}x); "
            f"stack status {status * 1000:.1f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
