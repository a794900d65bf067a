"""Monitoring: the Prometheus text a scraper reads from /metrics.

What grows with history (records sent, their delivery times, records pruned) is counted as it happens, in
the transaction that changes the record, in rows of `Metric` that every controller on every machine adds
to: a scrape reads those rows and the records still on the stack (never the sent ones), so it costs the
same at a thousand sent records or a million. Failures are counted the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone

from ordermanager.carts import import_problems
from ordermanager.carts.models import Cart
from ordermanager.stack.models import Lease, Metric, StackRecord, State

LABEL = re.compile(r'(\w+)="(.*?)"(?=,\w+="|$)')
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
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}" if inner else name


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


def sent(record: StackRecord, seconds: float) -> None:
    """Count a delivery: sent, the sum of delivery times, and the one bucket its time falls in (the scrape
    adds the buckets up, so a delivery touches three rows, not one per bucket)."""
    labels = labels_of(record)
    bound = next((str(b) for b in LATENCY_BUCKETS if seconds <= b), "+Inf")
    add(
        {
            _key("ordermanager_stack_sent_total", labels): 1.0,
            _key(f"{DELIVERY}_sum", labels): seconds,
            _key(IN_BUCKET, {**labels, "le": bound}): 1.0,
        }
    )


def pruned(counts: dict[tuple[str, str], int]) -> None:
    """Sent records deleted by the retention job, by (kind, cart name)."""
    if counts:
        add({_key(PRUNED, {"kind": kind, "cart": cart}): n for (kind, cart), n in counts.items()})


def _labels(row: dict) -> dict[str, str]:
    return {"kind": row["kind"], "cart": row["cart__store_name"] or "email"}


def render() -> str:
    """The Prometheus text exposition format, version 0.0.4."""
    lines: list[str] = []

    def family(name: str) -> None:
        kind, text = FAMILIES[name]
        lines.extend([f"# HELP {name} {text}", f"# TYPE {name} {kind}"])

    now = timezone.now()
    stored = dict(Metric.objects.values_list("key", "value"))
    live = list(
        StackRecord.objects.filter(state__in=LIVE_STATES)
        .values("state", "kind", "cart__store_name")
        .annotate(n=Count("id"))
        .order_by()
    )
    sent_kept = _sent_kept(stored)
    family("ordermanager_stack_records")
    for row in live:
        lines.append(f"{_key('ordermanager_stack_records', {**_labels(row), 'state': row['state']})} {row['n']}")
    for labels, n in sent_kept.items():
        lines.append(f"{_key('ordermanager_stack_records', {**dict(labels), 'state': State.SENT.value})} {n:g}")
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

    # Queued: every record ever put on the stack = those sent (counted) + those on it now in another state.
    queued: dict[tuple, float] = {}
    for row in live:
        labels = tuple(sorted(_labels(row).items()))
        queued[labels] = queued.get(labels, 0) + row["n"]
    for labels, n in _counted(stored, "ordermanager_stack_sent_total").items():
        queued[labels] = queued.get(labels, 0) + n
    family("ordermanager_stack_queued_total")
    lines.extend(
        f"{_key('ordermanager_stack_queued_total', dict(labels))} {n:g}" for labels, n in sorted(queued.items())
    )
    family("ordermanager_stack_sent_total")
    lines.extend(_stored(stored, "ordermanager_stack_sent_total"))
    family("ordermanager_stack_delivery_seconds")
    lines.extend(_histogram(stored))

    family("ordermanager_import_problems")
    for cart, count in import_problems.counts_by_cart().items():
        lines.append(f"{_key('ordermanager_import_problems', {'cart': cart})} {count}")
    _imports(lines, family)

    for name in ("ordermanager_stack_retries_total", "ordermanager_stack_problems_total", PRUNED):
        family(name)
        lines.extend(_stored(stored, name))
    return "\n".join(lines) + "\n"


def _stored(stored: dict[str, float], name: str) -> list[str]:
    return [f"{key} {value:g}" for key, value in sorted(stored.items()) if key.split("{")[0] == name]


def _parse_labels(key: str) -> dict[str, str]:
    # A label's value may hold commas (a store's name): split on `name="` only.
    return dict(LABEL.findall(key.partition("{")[2].removesuffix("}")))


def _counted(stored: dict[str, float], name: str) -> dict[tuple, float]:
    """A stored counter by its labels (sorted label pairs)."""
    return {
        tuple(sorted(_parse_labels(key).items())): value for key, value in stored.items() if key.split("{")[0] == name
    }


def records_by_state() -> dict[str, dict[str, int]]:
    """Records by cart name ("email" for buyers' e-mail) and state: the live ones counted, the sent ones from
    the counters."""
    counts: dict[str, dict[str, int]] = {}
    live = StackRecord.objects.filter(state__in=LIVE_STATES).values("cart__store_name", "state").annotate(n=Count("id"))
    for row in live.order_by():
        counts.setdefault(row["cart__store_name"] or "email", {})[row["state"]] = row["n"]
    for labels, n in _sent_kept(dict(Metric.objects.values_list("key", "value"))).items():
        by_state = counts.setdefault(dict(labels)["cart"], {})
        by_state[State.SENT] = by_state.get(State.SENT, 0) + int(n)
    return counts


def _sent_kept(stored: dict[str, float]) -> dict[tuple, float]:
    """Sent records still in the table: those sent less those pruned, by labels."""
    pruned_by = _counted(stored, PRUNED)
    return {
        labels: n - pruned_by.get(labels, 0) for labels, n in _counted(stored, "ordermanager_stack_sent_total").items()
    }


def _histogram(stored: dict[str, float]) -> list[str]:
    """Cumulative buckets from the per-bucket counts, in their bounds' order, then the sum and the count."""
    lines = []
    sent = _counted(stored, "ordermanager_stack_sent_total")
    for labels, total in sorted(_counted(stored, f"{DELIVERY}_sum").items()):
        base = dict(labels)
        running = 0.0
        for bound in [str(b) for b in LATENCY_BUCKETS]:
            running += stored.get(_key(IN_BUCKET, {**base, "le": bound}), 0.0)
            lines.append(f"{_key(DELIVERY + '_bucket', {**base, 'le': bound})} {running:g}")
        count = sent.get(labels, running)
        lines.append(f"{_key(DELIVERY + '_bucket', {**base, 'le': '+Inf'})} {count:g}")
        lines.append(f"{_key(DELIVERY + '_sum', base)} {total:.6f}")
        lines.append(f"{_key(DELIVERY + '_count', base)} {count:g}")
    return lines


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
