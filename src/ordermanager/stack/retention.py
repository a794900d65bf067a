"""Retention: sent records past a configurable age leave the stack; each order's timeline keeps their story.

What /metrics and `stack status` say about sent records comes from counters (stack.metrics), so deleting
old ones changes no total; the counter of pruned records says how many left.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Now
from django.utils import timezone

from ordermanager.params import actions as params
from ordermanager.stack import metrics
from ordermanager.stack.actions import db_time_after
from ordermanager.stack.models import Lease, StackRecord, State

log = logging.getLogger(__name__)

DAILY = "stack-prune"  # a Lease row used as a once-a-day gate shared by every controller
BATCH = 5000  # rows per transaction: a long prune never holds locks for long


def prune_sent(older_than: dt.timedelta, *, now: dt.datetime | None = None) -> int:
    """Delete sent records sent more than `older_than` ago, in batches. Returns how many."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - older_than
    total = 0
    while True:
        with transaction.atomic():
            old = StackRecord.objects.filter(state=State.SENT, sent_at__lt=cutoff).order_by()
            ids = list(old.values_list("id", flat=True)[:BATCH])
            if not ids:
                return total
            chosen = StackRecord.objects.filter(pk__in=ids)
            by_labels = chosen.values("kind", "cart__store_name").annotate(n=Count("id")).order_by()
            counts = {(row["kind"], row["cart__store_name"] or "email"): row["n"] for row in by_labels}
            chosen.delete()
            metrics.pruned(counts)
        total += len(ids)


def kept_days() -> int:
    return params.get("StackKeepSentDays")


def prune_if_due(holder: str) -> int | None:
    """Once a day across all controllers: whoever first finds the day's gate open prunes. None if not due."""
    # Born expired (a day ago: the database's clock and ours need not agree to the millisecond).
    Lease.objects.get_or_create(
        name=DAILY, defaults={"holder": "", "expires_at": timezone.now() - dt.timedelta(days=1)}
    )
    # A conditional UPDATE: of two controllers finding the gate open, one changes the row, the other none.
    taken = Lease.objects.filter(name=DAILY, expires_at__lte=Now()).update(
        holder=holder, expires_at=db_time_after(24 * 3600), heartbeat_at=Now()
    )
    if not taken:
        return None
    days = kept_days()
    pruned = prune_sent(dt.timedelta(days=days))
    if pruned:
        log.info("pruned %s sent stack record(s) older than %s days", pruned, days)
    return pruned
