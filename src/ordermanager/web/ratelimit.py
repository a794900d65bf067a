"""A fixed-window counter per key (e.g. a client address), kept in the database: every worker process and
every machine behind the load balancer counts against the same row."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ordermanager.web.models import RateCounter


def allow(key: str, limit: int, seconds: float) -> bool:
    """Count one try for `key`; False when `limit` tries were already made in the last window of `seconds`."""
    now = timezone.now()
    expired = now - dt.timedelta(seconds=seconds)
    counters = RateCounter.objects.filter(key=key)
    with transaction.atomic():
        # Each is one conditional UPDATE: two workers counting at once never both slip under the limit.
        if counters.filter(window_start__lte=expired).update(window_start=now, count=1):
            return True
        if counters.filter(window_start__gt=expired, count__lt=limit).update(count=F("count") + 1):
            return True
        if counters.exists():
            return False
        try:
            with transaction.atomic():
                RateCounter.objects.create(key=key, window_start=now, count=1)
            return True
        except IntegrityError:  # another worker made the row meanwhile: count against it
            return bool(counters.filter(count__lt=limit).update(count=F("count") + 1))
