"""What the stack looks like now, and what it did over the last hours: read by `stack status`, the stack
viewer and the Home page. Reads only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min
from django.db.models.functions import TruncHour
from django.utils import timezone

from ordermanager.stack import leases, metrics
from ordermanager.stack.models import OPEN_STATES, Lease, StackRecord, State

EMAIL = "(e-mail)"
ON_STACK = (*OPEN_STATES, State.IN_FLIGHT, State.PROBLEM)


@dataclass
class Overview:
    counts: dict[str, dict[str, int]]  # cart name (EMAIL for buyers' e-mail) → state → records
    oldest_waiting: dt.datetime | None
    controllers: list[Lease]
    now: dt.datetime = field(default_factory=timezone.now)

    def total(self, *states: str) -> int:
        return sum(n for by_state in self.counts.values() for s, n in by_state.items() if s in states)

    @property
    def on_stack(self) -> int:
        return self.total(*ON_STACK)

    @property
    def problems(self) -> int:
        return self.total(State.PROBLEM)

    @property
    def oldest_waiting_seconds(self) -> float | None:
        return (self.now - self.oldest_waiting).total_seconds() if self.oldest_waiting else None


def overview() -> Overview:
    # Constant time however long the history: the sent records are counted as they are sent, not read.
    counts = {(EMAIL if cart == "email" else cart): n for cart, n in metrics.records_by_state().items()}
    oldest = StackRecord.objects.filter(state__in=OPEN_STATES).aggregate(at=Min("created_at"))["at"]
    return Overview(dict(sorted(counts.items())), oldest, leases.alive("controller:"))


@dataclass
class Hour:
    start: dt.datetime
    sent: int = 0
    failed: int = 0
    backlog: int = 0  # records on the stack (waiting, in flight or problem) at the end of the hour


def _per_hour(query, column: str) -> dict[dt.datetime, int]:
    rows = query.annotate(hour=TruncHour(column)).values("hour").annotate(n=Count("id")).order_by()
    return {row["hour"]: row["n"] for row in rows}


def activity(on_stack_now: int, hours: int = 48, now: dt.datetime | None = None) -> list[Hour]:
    """Records sent and failed per hour, and the backlog at each hour's end, over the last `hours`.

    "Failed" counts records whose latest attempt failed (waiting to retry, or a problem), by the hour of
    that attempt. The backlog is replayed backwards from the number on the stack now: an hour's end had
    what the next hour's end had, less what that hour added, plus what left (sent or cleared). Every query
    reads an index over the window only, never the whole history of sent records.
    """
    now = now or timezone.now()
    end = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    start = end - dt.timedelta(hours=hours)
    records = StackRecord.objects.all()
    created = _per_hour(records.filter(created_at__gte=start), "created_at")
    sent = _per_hour(records.filter(sent_at__gte=start), "sent_at")
    left = _per_hour(records.filter(state=State.CLEARED, updated_at__gte=start), "updated_at")
    failed = _per_hour(
        records.filter(state__in=[State.RETRY, State.PROBLEM], attempts__gt=0, updated_at__gte=start), "updated_at"
    )
    out = []
    backlog = on_stack_now
    for n in reversed(range(hours)):
        hour = start + dt.timedelta(hours=n)
        out.append(Hour(hour, sent.get(hour, 0), failed.get(hour, 0), max(backlog, 0)))
        backlog -= created.get(hour, 0) - sent.get(hour, 0) - left.get(hour, 0)
    return out[::-1]
