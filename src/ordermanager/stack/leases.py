"""Leases with heartbeats: which controller drives which cart account, and which controllers are alive.

Expiry is judged by the database's clock, so machines whose clocks disagree still agree on who holds
a lease.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
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


def release(name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).update(holder="", expires_at=Now())


def alive(prefix: str) -> list[Lease]:
    return list(Lease.objects.filter(name__startswith=prefix, expires_at__gt=Now()).exclude(holder=""))
