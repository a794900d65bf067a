"""Leases with heartbeats: which controller drives which cart account, and which controllers are alive.

Expiry is judged by the database's clock, so machines whose clocks disagree still agree on who holds
a lease.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, When
from django.db.models.functions import Now

from ordermanager.stack.actions import db_time_after
from ordermanager.stack.models import Lease


def _this_machine() -> str:
    """Host name, boot and PID namespace: two containers with one host name are still told apart."""
    boot = ""
    with contextlib.suppress(OSError):
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    namespace = ""
    with contextlib.suppress(OSError):
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    return f"{socket.gethostname()[:40]}/{boot}/{namespace}"


MACHINE = _this_machine()
EMAIL_LANE = "email"


def lane_name(cart_id: int | None) -> str:
    """The lease of a cart account, or of the buyers' e-mail."""
    return f"cart:{cart_id}" if cart_id is not None else EMAIL_LANE


def new_holder() -> str:
    """machine:pid:random. The pid lets a controller on the same machine see that a holder died (kill -9)."""
    return f"{MACHINE}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _dead_on_this_machine(holder: str) -> bool:
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != MACHINE or not parts[1].isdigit():
        return False
    pid_text = parts[1]
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire(name: str, holder: str, seconds: float) -> bool:
    """Take or renew a lease. Succeeds if it is free, expired, ours, or held by a process that died here."""
    current = Lease.objects.filter(name=name).values_list("holder", flat=True).first()
    if current is None:
        try:
            with transaction.atomic():
                Lease.objects.create(
                    name=name, holder=holder, expires_at=db_time_after(seconds), heartbeat_at=Now(), started_at=Now()
                )
            return True
        except IntegrityError:
            current = Lease.objects.filter(name=name).values_list("holder", flat=True).first()
            if current is None:
                return False
    takeover = Q(expires_at__lt=Now()) | Q(holder="")
    if current and current != holder and _dead_on_this_machine(current):
        takeover |= Q(holder=current)
    # A conditional UPDATE: of two controllers racing for an expired lease, exactly one matches.
    return bool(
        Lease.objects.filter(Q(name=name) & (Q(holder=holder) | takeover)).update(
            started_at=Case(When(holder=holder, then=F("started_at")), default=Now()),
            holder=holder,
            expires_at=db_time_after(seconds),
            heartbeat_at=Now(),
        )
    )


def renew(name: str, holder: str, seconds: float) -> bool:
    """The heartbeat: keep a lease we hold, never take one (a lease just handed back stays free)."""
    return bool(
        Lease.objects.filter(name=name, holder=holder).update(expires_at=db_time_after(seconds), heartbeat_at=Now())
    )


def release(name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).update(holder="", expires_at=Now())


def alive(prefix: str) -> list[Lease]:
    """Current leases whose holder has not died on this machine (a kill -9 here is seen at once)."""
    current = Lease.objects.filter(name__startswith=prefix, expires_at__gt=Now()).exclude(holder="")
    return [lease for lease in current if not _dead_on_this_machine(lease.holder)]


def dead(holders: set[str]) -> set[str]:
    """Of these lease holders, those whose process died on this machine."""
    return {holder for holder in holders if _dead_on_this_machine(holder)}


def fair_share(accounts: int, controllers: int) -> int:
    """⌈accounts ÷ live controllers⌉: what each controller aims to drive."""
    return -(-accounts // max(controllers, 1))


@dataclass(frozen=True)
class Shares:
    """Who drives which cart account now, as one controller sees it when it balances."""

    share: int
    holders: dict[str, str]  # lease name → live holder
    live: set[str]  # live controllers

    def free(self, name: str) -> bool:
        return name not in self.holders

    def someone_short(self, me: str) -> bool:
        """Another live controller drives fewer accounts than its share, so a surplus should go to it."""
        counts = Counter(self.holders.values())
        return any(counts[holder] < self.share for holder in self.live if holder != me)


def shares(accounts: set[str], me: str) -> Shares:
    live = {lease.holder for lease in alive("controller:")} | {me}
    holders = {lease.name: lease.holder for lease in alive("cart:") if lease.name in accounts}
    return Shares(fair_share(len(accounts), len(live)), holders, live)
