"""The data migration of issue 10: existing tracking numbers get their normalized form, and numbers that were
already on several orders (accepted before the rule) are kept, the later ones marked shared."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("orders", "0003_web_indexes")]
AFTER = [("orders", "0004_tracking_rules_and_mappings")]


def migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_numbers_are_normalized_and_earlier_duplicates_marked_shared():
    # given numbers written before the rule: one on two orders, one differing only in case and dashes
    apps = migrate(BEFORE)
    Order, Shipment = apps.get_model("orders", "Order"), apps.get_model("orders", "Shipment")
    TrackingNumber = apps.get_model("orders", "TrackingNumber")
    first, second = Order.objects.create(), Order.objects.create()
    rows = []
    for order, number in [(first, "1z-999-aa1"), (second, "1Z999AA1"), (first, "1ZALONE01")]:
        shipment = Shipment.objects.create(order=order, carrier="UPS", shipped_at="2026-11-26T00:00:00Z")
        rows.append(TrackingNumber.objects.create(order=order, shipment=shipment, number=number).pk)

    # when the migration runs
    apps = migrate(AFTER)

    # then every number has its normalized form, and only the later duplicate is shared
    TrackingNumber = apps.get_model("orders", "TrackingNumber")
    found = {t.pk: (t.normalized, t.shared) for t in TrackingNumber.objects.all()}
    assert [found[pk] for pk in rows] == [("1Z999AA1", False), ("1Z999AA1", True), ("1ZALONE01", False)]
    migrate(executor_leaves())


def executor_leaves() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
