"""Leases with heartbeats: which controller drives which cart account, and which controllers are alive."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ordermanager.stack.models import Lease


def new_holder() -> str:
    """host:pid:random — the pid lets a controller on the same host see that a holder died (kill -9)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _dead_on_this_host(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire(name: str, holder: str, seconds: float) -> bool:
    """Take or renew a lease. Succeeds if it is free, expired, ours, or held by a process that died here."""
    now = timezone.now()
    until = now + dt.timedelta(seconds=seconds)
    current = Lease.objects.filter(name=name).values_list("holder", "expires_at").first()
    if current is None:
        try:
            with transaction.atomic():
                Lease.objects.create(name=name, holder=holder, expires_at=until, heartbeat_at=now, started_at=now)
            return True
        except IntegrityError:
            current = Lease.objects.filter(name=name).values_list("holder", "expires_at").first()
            if current is None:
                return False
    old_holder, _expires = current
    takeover = Q(expires_at__lt=now) | Q(holder="")
    if old_holder and old_holder != holder and _dead_on_this_host(old_holder):
        takeover |= Q(holder=old_holder)
    changes = {"holder": holder, "expires_at": until, "heartbeat_at": now}
    if old_holder != holder:
        changes["started_at"] = now
    # A conditional UPDATE: of two controllers racing for an expired lease, exactly one matches.
    return bool(Lease.objects.filter(Q(name=name) & (Q(holder=holder) | takeover)).update(**changes))


def release(name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).update(holder="", expires_at=timezone.now())


def alive(prefix: str) -> list[Lease]:
    return list(Lease.objects.filter(name__startswith=prefix, expires_at__gt=timezone.now()).exclude(holder=""))
