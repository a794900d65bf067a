"""Benchmark: the orders list with 100,000 orders, server time per page.

    .venv/bin/python bench/bench_web.py [--orders 100000] [--runs 30]

It fills an empty database (SQLite in a temporary folder, or DATABASE_URL) with orders, then asks the web app for
the orders list as a logged-in operator, in-process through Django's test client: the time is the server's (URL
routing, middleware, permission check, queries, template), without a network. It prints the median and the 95th
percentile of each page, and the first page's median beside the target (300 ms) as a ratio. The other pages (a
filter, a search, a page deep in the list) show that keyset pages cost the same anywhere. Not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

WORK = Path(tempfile.mkdtemp(prefix="bench-web-"))
os.environ.setdefault("ORDERMANAGER_DATA", str(WORK))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordermanager.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from ordermanager.carts import actions as carts  # noqa: E402
from ordermanager.orders.models import Order, OrderItem, Shipment, TrackingNumber  # noqa: E402
from ordermanager.orders.tracking_rules import normalize  # noqa: E402
from ordermanager.statuses.actions import load_default_status_events  # noqa: E402

TARGET_MS = 300.0
LABELS = ["Order Received", "Approved", "Picking", "Tracking Received", "Order Shipped", "On Hold"]
BATCH = 5_000


def fill(count: int) -> None:
    """Orders straight into the tables (bulk inserts: this is the data a list reads, not a test of the actions)."""
    load_default_status_events()
    cart = carts.add_cart(
        "Bench Store", "channeladvisor", account_id="11111111-2222-3333-4444-555555555555", profile_id=1
    )
    now = timezone.now()
    for start in range(0, count, BATCH):
        n_range = range(start, min(start + BATCH, count))
        with transaction.atomic():
            orders = Order.objects.bulk_create(
                Order(
                    cart=cart,
                    channel_order_id=str(9_000_000 + n),
                    buyer_name=f"Buyer {n}",
                    buyer_email=f"buyer{n}@example.com",
                    status_label=LABELS[n % len(LABELS)],
                    shipping_status="Shipped" if n % 3 == 0 else "Unshipped",
                    payment_status="Cleared",
                    on_hold=n % 997 == 0,
                    total=n % 200,
                )
                for n in n_range
            )
            if not connection.features.can_return_rows_from_bulk_insert:
                orders = list(Order.objects.filter(channel_order_id__in=[str(9_000_000 + n) for n in n_range]))
            OrderItem.objects.bulk_create(OrderItem(order=o, sku=f"SKU-{o.pk % 500}", quantity=1) for o in orders)
            shipped = [o for o in orders if o.shipping_status == "Shipped"]
            packages = Shipment.objects.bulk_create(Shipment(order=o, carrier="UPS", shipped_at=now) for o in shipped)
            numbers = ((p, f"1ZBENCH{p.order.pk:09d}") for p in packages)
            TrackingNumber.objects.bulk_create(
                # Each number with its normalized form, as the tracking action writes it (one box, one order).
                TrackingNumber(shipment=p, order=p.order, number=number, normalized=normalize(number), processed=True)
                for p, number in numbers
            )


def measure(client: Client, url: str, runs: int) -> tuple[float, float]:
    client.get(url)  # warm the caches of the database and the template loader
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["testserver"]
    print(f"database: {connection.vendor}; data in {WORK}", flush=True)
    started = time.perf_counter()
    fill(args.orders)
    print(f"filled {args.orders:,} orders in {time.perf_counter() - started:.0f} s", flush=True)

    operator = User.objects.create_user("bench", password="bench-password-1")
    operator.groups.add(Group.objects.get(name="Operator"))
    client = Client()
    client.force_login(operator)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does after a load like this one
    middle = Order.objects.order_by("-pk").values_list("pk", flat=True)[args.orders // 2]
    tracking = TrackingNumber.objects.filter(order_id__lte=middle).order_by("-order_id").first()
    pages = [
        ("first page", "/orders/"),
        ("a page in the middle", f"/orders/?after={middle}"),
        ("filter: status label", "/orders/?label=Picking"),
        ("filter: on hold", "/orders/?hold=yes"),
        ("search: tracking number", f"/orders/?q={tracking.number}"),
        ("search: e-mail", f"/orders/?q=buyer{args.orders // 3}@example.com"),
        ("search: buyer name prefix", f"/orders/?q=Buyer+{args.orders // 3}"),
    ]
    print(f"{'page':<26}{'median ms':>11}{'p95 ms':>9}")
    first = None
    for name, url in pages:
        median, p95 = measure(client, url, args.runs)
        first = first if first is not None else median
        print(f"{name:<26}{median:>11.1f}{p95:>9.1f}")
    print(
        f"\norders list, {args.orders:,} orders: median {first:.1f} ms server time; "
        f"target {TARGET_MS:.0f} ms; ratio {first / TARGET_MS:.2f} (below 1 meets it)"
    )


if __name__ == "__main__":
    main()
