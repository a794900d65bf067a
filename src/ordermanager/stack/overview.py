"""What the stack looks like now, and what it did over the last hours: read by `stack status`, the stack
viewer and the Home page. Reads only."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from ordermanager.carts.models import Cart
from ordermanager.stack import leases, metrics
from ordermanager.stack.models import OPEN_STATES, Lease, StackRecord, State

EMAIL = "(e-mail)"
ON_STACK = (*OPEN_STATES, State.IN_FLIGHT, State.PROBLEM)


@dataclass(frozen=True)
class Account:
    """A cart account, who drives it (None: unattended, its lease lapsed with no controller to take it), and
    the records it sent over the last minute."""

    cart: str
    controller: str | None
    sent_last_minute: int


@dataclass
class Overview:
    counts: dict[str, dict[str, int]]  # cart name (EMAIL for buyers' e-mail) → state → records
    oldest_waiting: dt.datetime | None
    controllers: list[Lease]
    now: dt.datetime = field(default_factory=timezone.now)

    @cached_property
    def accounts(self) -> list[Account]:
        """Read when shown (stack status, /metrics), so the Home page keeps its query budget."""
        return accounts(self.now)

    def driven_by(self, holder: str) -> list[Account]:
        return [account for account in self.accounts if account.controller == holder]

    def sent_per_minute(self, holder: str) -> int:
        return sum(account.sent_last_minute for account in self.driven_by(holder))

    @property
    def unattended(self) -> list[Account]:
        return [account for account in self.accounts if account.controller is None]

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


def accounts(now: dt.datetime | None = None) -> list[Account]:
    """Every cart account a controller should drive (active, or with records still to settle)."""
    now = now or timezone.now()
    # The records still to settle, not a join over the whole history of sent ones.
    unsettled = StackRecord.objects.filter(state__in=[*OPEN_STATES, State.IN_FLIGHT]).values("cart_id")
    carts = Cart.objects.filter(Q(active=True) | Q(pk__in=unsettled))
    names = dict(carts.distinct().order_by("store_name").values_list("pk", "store_name"))
    holders = {lease.name: lease.holder for lease in leases.alive("cart:")}
    # By the sent_at index alone: a filter on the cart too lets the planner walk the cart's whole history.
    recent = StackRecord.objects.filter(sent_at__gte=now - dt.timedelta(minutes=1))
    # Counted here, not by GROUP BY cart_id: grouping lets SQLite's planner prefer the cart index and walk every
    # sent record; a minute's sends are a few thousand rows at most.
    sent = Counter(recent.order_by().values_list("cart_id", flat=True))
    return [Account(name, holders.get(leases.lane_name(pk)), sent.get(pk, 0)) for pk, name in names.items()]


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
