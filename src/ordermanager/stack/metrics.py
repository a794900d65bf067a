"""Monitoring: counters kept in the database, and the Prometheus text a scraper reads from /metrics.

Counters live in the database rather than in a process, so every controller on every machine adds
to the same numbers and a restart does not reset them.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min
from django.utils import timezone

from ordermanager.stack.models import Lease, Metric, StackRecord, State

LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)
HELP = {
    "ordermanager_stack_records": ("gauge", "Stack records by state, kind and cart."),
    "ordermanager_stack_oldest_pending_seconds": ("gauge", "Age of the oldest record waiting to be sent, by cart."),
    "ordermanager_stack_controllers_alive": ("gauge", "Stack controllers whose heartbeat is current."),
    "ordermanager_stack_queued_total": ("counter", "Records put on the stack (a coalesced change counts once)."),
    "ordermanager_stack_sent_total": ("counter", "Records delivered."),
    "ordermanager_stack_retries_total": ("counter", "Attempts that will be retried, by reason."),
    "ordermanager_stack_problems_total": ("counter", "Records that became problem records."),
    "ordermanager_stack_delivery_seconds": ("histogram", "From the change's commit to the cart's OK."),
}


def _key(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}" if inner else name


def labels_of(record: StackRecord) -> dict[str, str]:
    return {"kind": record.kind, "cart": record.cart.store_name if record.cart_id else "email"}


def bump(name: str, labels: dict[str, str], amount: float = 1.0) -> None:
    """Add to a counter, inside the caller's transaction so the count matches what committed."""
    key = _key(name, labels)
    if Metric.objects.filter(key=key).update(value=F("value") + amount):
        return
    try:
        with transaction.atomic():
            Metric.objects.create(key=key, value=amount)
    except IntegrityError:  # created meanwhile by another controller
        Metric.objects.filter(key=key).update(value=F("value") + amount)


def observe(name: str, seconds: float, labels: dict[str, str]) -> None:
    for bound in LATENCY_BUCKETS:
        if seconds <= bound:
            bump(f"{name}_bucket", {**labels, "le": str(bound)})
    bump(f"{name}_bucket", {**labels, "le": "+Inf"})
    bump(f"{name}_sum", labels, seconds)
    bump(f"{name}_count", labels)


def render() -> str:
    """The Prometheus text exposition format, version 0.0.4."""
    lines: list[str] = []

    def family(name: str) -> None:
        kind, text = HELP[name]
        lines.extend([f"# HELP {name} {text}", f"# TYPE {name} {kind}"])

    family("ordermanager_stack_records")
    for row in StackRecord.objects.values("state", "kind", "cart__store_name").annotate(n=Count("id")).order_by():
        labels = {"state": row["state"], "kind": row["kind"], "cart": row["cart__store_name"] or "email"}
        lines.append(f"{_key('ordermanager_stack_records', labels)} {row['n']}")
    family("ordermanager_stack_oldest_pending_seconds")
    now = timezone.now()
    waiting = StackRecord.objects.filter(state__in=[State.PENDING, State.RETRY])
    for row in waiting.values("cart__store_name").annotate(oldest=Min("created_at")).order_by():
        age = (now - row["oldest"]).total_seconds()
        lines.append(
            f"{_key('ordermanager_stack_oldest_pending_seconds', {'cart': row['cart__store_name'] or 'email'})}"
            f" {age:.3f}"
        )
    family("ordermanager_stack_controllers_alive")
    alive = Lease.objects.filter(name__startswith="controller:", expires_at__gt=now).count()
    lines.append(f"ordermanager_stack_controllers_alive {alive}")
    stored = {m.key: m.value for m in Metric.objects.all()}
    for name, (kind, _) in HELP.items():
        if kind == "gauge":
            continue
        rows = sorted((k, v) for k, v in stored.items() if k.split("{")[0].startswith(name))
        if rows:
            family(name)
            lines.extend(f"{k} {v:g}" for k, v in rows)
    return "\n".join(lines) + "\n"
