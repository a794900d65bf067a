"""Monitoring: the Prometheus text a scraper reads from /metrics.

What grows with history (records sent, their delivery times, records pruned) is counted as it happens, in
the transaction that changes the record, in rows of `Metric` that every controller on every machine adds
to: a scrape reads those rows and the records still on the stack (never the sent ones), so it costs the
same at a thousand sent records or a million. Failures are counted the same way.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence

from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.core import Metric as Metric_
from prometheus_client.registry import Collector

from ordermanager.carts import import_problems
from ordermanager.carts.models import Cart
from ordermanager.stack.models import Lease, Metric, StackRecord, State

# Sent records removed by `stack prune`: the sent gauge is what was sent less what was pruned.
PRUNED = "ordermanager_stack_pruned_total"
# States whose records are counted from the table: all but sent, the one that grows with history.
LIVE_STATES = [State.PENDING, State.IN_FLIGHT, State.RETRY, State.PROBLEM, State.CLEARED]
DELIVERY = "ordermanager_stack_delivery_seconds"
IN_BUCKET = "ordermanager_stack_delivery_seconds_in_bucket"  # stored per bucket, not cumulative
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
    PRUNED: ("counter", "Sent records deleted by the retention job (stack prune)."),
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
    """Add to a counter, inside the caller's transaction so the count matches what committed."""
    add({_key(name, labels): amount})


def add(amounts: dict[str, float]) -> None:
    """Add to several counters (keys as Prometheus shows them) in one statement, creating those seen for the
    first time: INSERT … ON CONFLICT (key) DO UPDATE (PostgreSQL, and SQLite ≥ 3.24)."""
    keys = sorted(amounts)  # one order of row locks for every controller: no deadlock between two of them
    table, key, value = (connection.ops.quote_name(name) for name in (Metric._meta.db_table, "key", "value"))
    rows = ", ".join(["(%s, %s)"] * len(keys))
    # Names from the model, values bound.
    sql = (
        f"INSERT INTO {table} ({key}, {value}) VALUES {rows} "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET {value} = {table}.{value} + excluded.{value}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [part for key in keys for part in (key, amounts[key])])


def sent(deliveries: list[tuple[StackRecord, float]]) -> None:
    """Count deliveries (each a record and its delivery time in seconds): sent, the sum of delivery times, and
    the one bucket each time falls in (the scrape adds the buckets up, so a delivery touches three rows, not one
    per bucket). One statement for them all."""
    amounts: dict[str, float] = {}
    for record, seconds in deliveries:
        labels = labels_of(record)
        bound = next((str(b) for b in LATENCY_BUCKETS if seconds <= b), "+Inf")
        for key, amount in (
            (_key("ordermanager_stack_sent_total", labels), 1.0),
            (_key(f"{DELIVERY}_sum", labels), seconds),
            (_key(IN_BUCKET, {**labels, "le": bound}), 1.0),
        ):
            amounts[key] = amounts.get(key, 0.0) + amount
    if amounts:
        add(amounts)


def pruned(counts: dict[tuple[str, str], int]) -> None:
    """Sent records deleted by the retention job, by (kind, cart name)."""
    if counts:
        add({_key(PRUNED, {"kind": kind, "cart": cart}): n for (kind, cart), n in counts.items()})


def _stored() -> dict[str, dict[tuple, float]]:
    """Every stored counter: name → its labels (sorted pairs) → value."""
    stored: dict[str, dict[tuple, float]] = {}
    for key, value in Metric.objects.values_list("key", "value"):
        name, labels = _parse_key(key)
        # A key written before labels were JSON (the counters' migration) adds to the same labels.
        by_labels = stored.setdefault(name, {})
        pairs = tuple(sorted(labels.items()))
        by_labels[pairs] = by_labels.get(pairs, 0.0) + value
    return stored


def _sent_kept(stored: dict[str, dict[tuple, float]]) -> dict[tuple, float]:
    """Sent records still in the table: those sent less those pruned, by labels."""
    pruned_by = stored.get(PRUNED, {})
    sent = stored.get("ordermanager_stack_sent_total", {})
    return {labels: n - pruned_by.get(labels, 0) for labels, n in sent.items()}


def records_by_state() -> dict[str, dict[str, int]]:
    """Records by cart name ("email" for buyers' e-mail) and state: the live ones counted, the sent ones from
    the counters."""
    counts: dict[str, dict[str, int]] = {}
    live = StackRecord.objects.filter(state__in=LIVE_STATES).values("cart__store_name", "state").annotate(n=Count("id"))
    for row in live.order_by():
        counts.setdefault(row["cart__store_name"] or "email", {})[row["state"]] = row["n"]
    for labels, n in _sent_kept(_stored()).items():
        by_state = counts.setdefault(dict(labels)["cart"], {})
        by_state[State.SENT] = by_state.get(State.SENT, 0) + int(n)
    return counts


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
        stored = _stored()
        live = list(
            StackRecord.objects.filter(state__in=LIVE_STATES)
            .values("state", "kind", "cart__store_name")
            .annotate(n=Count("id"))
            .order_by()
        )
        records = _family("ordermanager_stack_records", ["kind", "cart", "state"])
        for row in live:
            _add(records, {**_labels(row), "state": row["state"]}, row["n"])
        for labels, n in _sent_kept(stored).items():
            _add(records, {**dict(labels), "state": State.SENT.value}, n)
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
        # Queued: every record ever put on the stack = those sent (counted) + those on it now in another state.
        sent_by = stored.get("ordermanager_stack_sent_total", {})
        queued_by = dict(sent_by)
        for row in live:
            labels = tuple(sorted(_labels(row).items()))
            queued_by[labels] = queued_by.get(labels, 0) + row["n"]
        queued = _family("ordermanager_stack_queued_total", ["kind", "cart"])
        for labels, n in sorted(queued_by.items()):
            _add(queued, dict(labels), n)
        yield queued
        sent = _family("ordermanager_stack_sent_total", ["kind", "cart"])
        for labels, n in sorted(sent_by.items()):
            _add(sent, dict(labels), n)
        yield sent
        yield self._latency(stored)
        problems = _family("ordermanager_import_problems", ["cart"])
        for cart, count in import_problems.counts_by_cart().items():
            _add(problems, {"cart": cart}, count)
        yield problems
        yield from self._imports()
        for name in ("ordermanager_stack_retries_total", "ordermanager_stack_problems_total", PRUNED):
            rows = stored.get(name, {})
            names = sorted({k for labels in rows for k, _ in labels})
            family = _family(name, names)
            for labels, value in rows.items():
                found = dict(labels)
                _add(family, {k: found.get(k, "") for k in names}, value)
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
    def _latency(stored: dict[str, dict[tuple, float]]) -> Metric_:
        """Cumulative buckets from the per-bucket counts; the count is the records sent."""
        histogram = _family(DELIVERY, ["kind", "cart"])
        sent = stored.get("ordermanager_stack_sent_total", {})
        in_bucket = stored.get(IN_BUCKET, {})
        for labels, total in sorted(stored.get(f"{DELIVERY}_sum", {}).items()):
            base, running, counts = dict(labels), 0.0, []
            for bound in LATENCY_BUCKETS:
                running += in_bucket.get(tuple(sorted({**base, "le": str(bound)}.items())), 0.0)
                counts.append((str(bound), running))
            histogram.add_metric([base[k] for k in sorted(base)], [*counts, ("+Inf", sent.get(labels, running))], total)
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
