"""Monitoring: the Prometheus text a scraper reads from /metrics.

Most figures are read from the stack records themselves at scrape time (records are kept after they are
sent), so the hot path of a delivery writes nothing extra, and every controller on every machine is
counted. Only failures, which records do not remember one by one, are counted as they happen.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.core import Metric as Metric_
from prometheus_client.registry import Collector

from ordermanager.carts import import_problems
from ordermanager.carts.models import Cart
from ordermanager.stack.models import Lease, Metric, StackRecord, State

LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)
FAMILIES = {
    "ordermanager_stack_records": ("gauge", "Stack records by state, kind and cart."),
    "ordermanager_stack_oldest_pending_seconds": ("gauge", "Age of the oldest record waiting to be sent, by cart."),
    "ordermanager_stack_controllers_alive": ("gauge", "Stack controllers whose heartbeat is current."),
    "ordermanager_stack_account_controller": ("gauge", "1 for the controller driving each cart account."),
    "ordermanager_stack_account_unattended": ("gauge", "1 if no controller drives the cart account (lease lapsed)."),
    "ordermanager_stack_controller_accounts": ("gauge", "Cart accounts each live controller drives."),
    "ordermanager_stack_controller_sent_per_minute": ("gauge", "Records sent over the last minute, by controller."),
    "ordermanager_stack_queued_total": ("counter", "Records put on the stack (changes folded into one count once)."),
    "ordermanager_stack_sent_total": ("counter", "Records delivered."),
    "ordermanager_stack_retries_total": ("counter", "Attempts that will be retried, by reason."),
    "ordermanager_stack_problems_total": ("counter", "Records that became problem records."),
    "ordermanager_stack_delivery_seconds": ("histogram", "From the change's commit to the cart's OK."),
    "ordermanager_import_problems": ("gauge", "Orders set aside at import (could not be imported), by cart."),
    "ordermanager_cart_last_import_timestamp_seconds": ("gauge", "When the cart's last order import finished."),
    "ordermanager_cart_last_import_ok": ("gauge", "1 if the cart's last order import worked, 0 if it failed."),
}


def _key(name: str, labels: dict[str, str]) -> str:
    """A stored counter's key: its name and its labels as JSON, so that any cart name round-trips."""
    return f"{name}{json.dumps(sorted(labels.items()), ensure_ascii=False)}" if labels else name


def _parse_key(key: str) -> tuple[str, dict[str, str]]:
    name, bracket, rest = key.partition("[")
    if not bracket:
        name, brace, rest = key.partition("{")  # written before labels were JSON
        return name, dict(_OLD_LABEL.findall(rest)) if brace else {}
    return name, {str(k): str(v) for k, v in json.loads(bracket + rest)}


_OLD_LABEL = re.compile(r'(\w+)="([^"]*)"')


def labels_of(record: StackRecord) -> dict[str, str]:
    return {"kind": record.kind, "cart": record.cart.store_name if record.cart_id else "email"}


def bump(name: str, labels: dict[str, str], amount: float = 1.0) -> None:
    """Add to a failure counter, inside the caller's transaction so the count matches what committed."""
    key = _key(name, labels)
    if Metric.objects.filter(key=key).update(value=F("value") + amount):
        return
    try:
        with transaction.atomic():
            Metric.objects.create(key=key, value=amount)
    except IntegrityError:  # created meanwhile by another controller
        Metric.objects.filter(key=key).update(value=F("value") + amount)


def _labels(row: dict) -> dict[str, str]:
    return {"kind": row["kind"], "cart": row["cart__store_name"] or "email"}


def _family(name: str, labels: Sequence[str]) -> Metric_:
    kind, text = FAMILIES[name]
    base = name.removesuffix("_total") if kind == "counter" else name
    maker = {"gauge": GaugeMetricFamily, "counter": CounterMetricFamily, "histogram": HistogramMetricFamily}[kind]
    return maker(base, text, labels=sorted(labels))


def _add(family: Metric_, labels: dict[str, str], value: float) -> None:
    family.add_metric([labels[k] for k in sorted(labels)], value)


class _StackCollector(Collector):
    """Reads the figures at scrape time; prometheus_client writes (and escapes) the text."""

    def collect(self) -> Iterator[Metric_]:
        now = timezone.now()
        by_kind = ("kind", "cart__store_name")
        records = _family("ordermanager_stack_records", ["kind", "cart", "state"])
        for row in StackRecord.objects.values("state", *by_kind).annotate(n=Count("id")).order_by():
            _add(records, {**_labels(row), "state": row["state"]}, row["n"])
        yield records
        oldest = _family("ordermanager_stack_oldest_pending_seconds", ["cart"])
        waiting = StackRecord.objects.filter(state__in=[State.PENDING, State.RETRY])
        for row in waiting.values("cart__store_name").annotate(oldest=Min("created_at")).order_by():
            _add(oldest, {"cart": row["cart__store_name"] or "email"}, (now - row["oldest"]).total_seconds())
        yield oldest
        alive = _family("ordermanager_stack_controllers_alive", [])
        alive.add_metric(
            [], Lease.objects.filter(name__startswith="controller:", expires_at__gt=now).exclude(holder="").count()
        )
        yield alive
        yield from self._shares()
        queued = _family("ordermanager_stack_queued_total", ["kind", "cart"])
        for row in StackRecord.objects.values(*by_kind).annotate(n=Count("id")).order_by():
            _add(queued, _labels(row), row["n"])
        yield queued
        delivered = StackRecord.objects.filter(state=State.SENT)
        sent = _family("ordermanager_stack_sent_total", ["kind", "cart"])
        for row in delivered.values(*by_kind).annotate(n=Count("id")).order_by():
            _add(sent, _labels(row), row["n"])
        yield sent
        yield self._latency(delivered)
        problems = _family("ordermanager_import_problems", ["cart"])
        for cart, count in import_problems.counts_by_cart().items():
            _add(problems, {"cart": cart}, count)
        yield problems
        yield from self._imports()
        stored: dict[str, list[tuple[dict[str, str], float]]] = {}
        for key, value in Metric.objects.values_list("key", "value"):
            name, labels = _parse_key(key)
            stored.setdefault(name, []).append((labels, value))
        for name in ("ordermanager_stack_retries_total", "ordermanager_stack_problems_total"):
            rows = stored.get(name, [])
            names = sorted({k for labels, _ in rows for k in labels})
            family = _family(name, names)
            for labels, value in rows:
                _add(family, {k: labels.get(k, "") for k in names}, value)
            yield family

    @staticmethod
    def _imports() -> Iterator[Metric_]:
        """The last import of each cart that has finished one: a failed scheduled import shows here, not only
        in a log."""
        finished = Cart.objects.filter(last_import_ok__isnull=False, last_import_finished_at__isnull=False)
        rows = list(finished.values_list("store_name", "last_import_finished_at", "last_import_ok"))
        when = _family("ordermanager_cart_last_import_timestamp_seconds", ["cart"])
        ok = _family("ordermanager_cart_last_import_ok", ["cart"])
        for name, at, succeeded in rows:
            _add(when, {"cart": name}, at.timestamp())
            _add(ok, {"cart": name}, int(succeeded))
        yield when
        yield ok

    @staticmethod
    def _latency(delivered: QuerySet[StackRecord]) -> Metric_:
        buckets = {
            f"le{n}": Count("id", filter=Q(delivery_seconds__lte=bound)) for n, bound in enumerate(LATENCY_BUCKETS)
        }
        timed = delivered.filter(delivery_seconds__isnull=False).values("kind", "cart__store_name")
        histogram = _family("ordermanager_stack_delivery_seconds", ["kind", "cart"])
        for row in timed.annotate(n=Count("id"), total=Sum("delivery_seconds"), **buckets).order_by():
            labels = _labels(row)
            counts = [(str(bound), row[f"le{n}"]) for n, bound in enumerate(LATENCY_BUCKETS)]
            histogram.add_metric([labels[k] for k in sorted(labels)], [*counts, ("+Inf", row["n"])], row["total"])
        return histogram

    @staticmethod
    def _shares() -> Iterator[Metric_]:
        """Who drives which account, and what each controller delivers: a takeover shows here, not only in a log."""
        from ordermanager.stack import leases, overview  # overview → leases → actions → metrics: import when used

        accounts = overview.accounts()
        driver = _family("ordermanager_stack_account_controller", ["cart", "controller"])
        unattended = _family("ordermanager_stack_account_unattended", ["cart"])
        for a in accounts:
            if a.controller:
                _add(driver, {"cart": a.cart, "controller": a.controller}, 1)
            _add(unattended, {"cart": a.cart}, int(a.controller is None))
        yield driver
        yield unattended
        driven, sent = Counter(a.controller for a in accounts), Counter()
        for a in accounts:
            sent[a.controller] += a.sent_last_minute
        holders = [lease.holder for lease in leases.alive("controller:")]
        for name, counts in (
            ("ordermanager_stack_controller_accounts", driven),
            ("ordermanager_stack_controller_sent_per_minute", sent),
        ):
            family = _family(name, ["controller"])
            for holder in holders:
                _add(family, {"controller": holder}, counts[holder])
            yield family


def render() -> bytes:
    """The Prometheus text exposition format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_StackCollector())
    return generate_latest(registry)
