"""History that costs nothing (issue: Performance): counters that /metrics and `stack status` read whatever
the number of sent records, and the retention job that trims old sent records but keeps each timeline."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from ordermanager.orders.models import TimelineEvent
from ordermanager.stack import retention
from ordermanager.stack.models import Lease, StackRecord, State
from tests.ordermanager.test_stack import drain, live_cart, shipped_order  # noqa: F401 - fixture

LABELS = (("cart", "CA Sandbox"), ("kind", "status_update"))


def metrics(settings) -> dict[tuple, float]:
    settings.METRICS_TOKEN = "scrape-token"
    body = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").content.decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def sent_days_ago(days: int) -> None:
    StackRecord.objects.filter(state=State.SENT).update(sent_at=timezone.now() - dt.timedelta(days=days))


def test_pruning_old_sent_records_keeps_the_totals_and_the_timeline(live_cart, ca, settings):  # noqa: F811
    # given two shipments delivered 40 days ago
    orders = [shipped_order(live_cart, ca, f"1ZPRUNE0{n}") for n in range(2)]
    drain()
    sent_days_ago(40)
    assert metrics(settings)[("ordermanager_stack_sent_total", LABELS)] == 2

    # when the operator prunes what is older than 30 days
    out = io.StringIO()
    call_command("stack", "prune", "--older-than", "30d", stdout=out)

    # then the records are gone, the totals are the same, the gauge of kept records says 0
    assert "2 sent record(s) older than 720.0 h deleted" in out.getvalue()
    assert not StackRecord.objects.exists()
    after = metrics(settings)
    assert after[("ordermanager_stack_sent_total", LABELS)] == 2
    assert after[("ordermanager_stack_queued_total", LABELS)] == 2
    assert after[("ordermanager_stack_records", (*LABELS, ("state", "sent")))] == 0
    assert after[("ordermanager_stack_pruned_total", LABELS)] == 2
    assert after[("ordermanager_stack_delivery_seconds_count", LABELS)] == 2
    # and each order's timeline still tells of the delivery
    for order in orders:
        assert order.timeline.filter(kind=TimelineEvent.PACKAGE_DELIVERED).exists()


def test_recent_sent_records_stay(live_cart, ca):  # noqa: F811
    shipped_order(live_cart, ca, "1ZKEEP001")
    drain()
    sent_days_ago(29)

    call_command("stack", "prune", "--older-than", "30d", stdout=io.StringIO())

    assert StackRecord.objects.filter(state=State.SENT).count() == 1


def test_status_counts_sent_records_from_the_counters(live_cart, ca):  # noqa: F811
    shipped_order(live_cart, ca, "1ZSTAT001")
    drain()
    # a sent record the counters never saw (written behind the product's back) is not counted: the
    # figure comes from the counters, not from reading the history
    StackRecord.objects.create(kind="status_update", cart=live_cart, coalesce_key="x", state=State.SENT)

    out = io.StringIO()
    call_command("stack", "status", stdout=out)

    row = next(line for line in out.getvalue().splitlines() if line.startswith("CA Sandbox"))
    states = [s.value for s in State]
    assert row.split()[2 + states.index("sent")] == "1"


def test_the_daily_prune_runs_once_a_day_whichever_controller_asks(live_cart, ca):  # noqa: F811
    shipped_order(live_cart, ca, "1ZDAILY01")
    drain()
    sent_days_ago(31)

    assert retention.prune_if_due("controller-a") == 1
    assert retention.prune_if_due("controller-b") is None  # the day's run is done
    assert retention.prune_if_due("controller-a") is None

    # a day later it runs again
    Lease.objects.filter(name=retention.DAILY).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert retention.prune_if_due("controller-b") == 0


@pytest.mark.parametrize("age", ["30", "thirty days", "0d", "30m", "3w"])
def test_a_bad_age_is_one_line(db, age):
    with pytest.raises(CommandError, match=r"older_than: must be"):
        call_command("stack", "prune", "--older-than", age, stdout=io.StringIO())
