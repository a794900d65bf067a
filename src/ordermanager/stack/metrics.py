"""Monitoring: the Prometheus text a scraper reads from /metrics.

Most figures are read from the stack records themselves at scrape time (records are kept after they are
sent), so the hot path of a delivery writes nothing extra, and every controller on every machine is
counted. Only failures, which records do not remember one by one, are counted as they happen.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone

from ordermanager.carts import import_problems
from ordermanager.carts.models import Cart
from ordermanager.stack.models import Lease, Metric, StackRecord, State

LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)
FAMILIES = {
    "ordermanager_stack_records": ("gauge", "Stack records by state, kind and cart."),
    "ordermanager_stack_oldest_pending_seconds": ("gauge", "Age of the oldest record waiting to be sent, by cart."),
    "ordermanager_stack_controllers_alive": ("gauge", "Stack controllers whose heartbeat is current."),
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
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}" if inner else name


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


def render() -> str:
    """The Prometheus text exposition format, version 0.0.4."""
    lines: list[str] = []

    def family(name: str) -> None:
        kind, text = FAMILIES[name]
        lines.extend([f"# HELP {name} {text}", f"# TYPE {name} {kind}"])

    now = timezone.now()
    by_kind = ("kind", "cart__store_name")
    family("ordermanager_stack_records")
    for row in StackRecord.objects.values("state", *by_kind).annotate(n=Count("id")).order_by():
        lines.append(f"{_key('ordermanager_stack_records', {**_labels(row), 'state': row['state']})} {row['n']}")
    family("ordermanager_stack_oldest_pending_seconds")
    waiting = StackRecord.objects.filter(state__in=[State.PENDING, State.RETRY])
    for row in waiting.values("cart__store_name").annotate(oldest=Min("created_at")).order_by():
        labels = {"cart": row["cart__store_name"] or "email"}
        lines.append(
            f"{_key('ordermanager_stack_oldest_pending_seconds', labels)} {(now - row['oldest']).total_seconds():.3f}"
        )
    family("ordermanager_stack_controllers_alive")
    alive = Lease.objects.filter(name__startswith="controller:", expires_at__gt=now).exclude(holder="").count()
    lines.append(f"ordermanager_stack_controllers_alive {alive}")

    family("ordermanager_stack_queued_total")
    for row in StackRecord.objects.values(*by_kind).annotate(n=Count("id")).order_by():
        lines.append(f"{_key('ordermanager_stack_queued_total', _labels(row))} {row['n']}")
    delivered = StackRecord.objects.filter(state=State.SENT)
    family("ordermanager_stack_sent_total")
    for row in delivered.values(*by_kind).annotate(n=Count("id")).order_by():
        lines.append(f"{_key('ordermanager_stack_sent_total', _labels(row))} {row['n']}")
    buckets = {f"le{n}": Count("id", filter=Q(delivery_seconds__lte=bound)) for n, bound in enumerate(LATENCY_BUCKETS)}
    timed = delivered.filter(delivery_seconds__isnull=False).values(*by_kind)
    family("ordermanager_stack_delivery_seconds")
    for row in timed.annotate(n=Count("id"), total=Sum("delivery_seconds"), **buckets).order_by():
        name, labels = "ordermanager_stack_delivery_seconds", _labels(row)
        for n, bound in enumerate(LATENCY_BUCKETS):
            lines.append(f"{_key(name + '_bucket', {**labels, 'le': str(bound)})} {row[f'le{n}']}")
        lines.append(f"{_key(name + '_bucket', {**labels, 'le': '+Inf'})} {row['n']}")
        lines.append(f"{_key(name + '_sum', labels)} {row['total']:.6f}")
        lines.append(f"{_key(name + '_count', labels)} {row['n']}")

    family("ordermanager_import_problems")
    for cart, count in import_problems.counts_by_cart().items():
        lines.append(f"{_key('ordermanager_import_problems', {'cart': cart})} {count}")
    _imports(lines, family)

    stored = sorted(Metric.objects.values_list("key", "value"))
    for name in ("ordermanager_stack_retries_total", "ordermanager_stack_problems_total"):
        family(name)
        lines.extend(f"{key} {value:g}" for key, value in stored if key.split("{")[0] == name)
    return "\n".join(lines) + "\n"


def _imports(lines: list[str], family: Callable[[str], None]) -> None:
    """The last import of each cart that has finished one: a failed scheduled import shows here, not only in a log."""
    finished = Cart.objects.filter(last_import_ok__isnull=False, last_import_finished_at__isnull=False)
    rows = list(finished.values_list("store_name", "last_import_finished_at", "last_import_ok"))
    family("ordermanager_cart_last_import_timestamp_seconds")
    lines.extend(
        f"{_key('ordermanager_cart_last_import_timestamp_seconds', {'cart': name})} {at.timestamp():.3f}"
        for name, at, _ in rows
    )
    family("ordermanager_cart_last_import_ok")
    lines.extend(f"{_key('ordermanager_cart_last_import_ok', {'cart': name})} {int(ok)}" for name, _, ok in rows)
