"""Watching a Send QOH or a full resync go out: expected duration first, then a progress bar.

The records are delivered by the stack controller (its pacing, its retries, its problem records). When
no controller is running, one runs in this process until the records are delivered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ordermanager.carts.connectors.pacing import HEADROOM
from ordermanager.carts.models import Cart
from ordermanager.inventory.models import CartProduct
from ordermanager.params import actions as params
from ordermanager.stack import leases
from ordermanager.stack.models import StackRecord, State

DONE = (State.SENT, State.PROBLEM, State.CLEARED)


@dataclass(frozen=True)
class Plan:
    records: int
    lookups: int  # SKUs whose ProductID is not kept yet: one more call each
    per_minute: float

    @property
    def calls(self) -> int:
        return self.records + self.lookups

    @property
    def seconds(self) -> float:
        return self.calls / (self.per_minute * HEADROOM / 60.0)


def plan(cart: Cart, ids: list[int]) -> Plan:
    skus = StackRecord.objects.filter(pk__in=ids).values_list("sku", flat=True)
    kept = CartProduct.objects.filter(cart=cart, sku__in=skus).count()
    return Plan(len(ids), len(ids) - kept, float(params.get("CartRequestsPerMinute", cart=cart)))


def duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def counts(ids: list[int]) -> dict[str, int]:
    found: dict[str, int] = {}
    for state in StackRecord.objects.filter(pk__in=ids).values_list("state", flat=True):
        found[state] = found.get(state, 0) + 1
    return found


def wait(ids: list[int], show: Callable[[int, int, float], None], every: float = 0.5) -> dict[str, int]:
    """Until every record is sent or a problem; runs a controller here if none is running."""
    controller = runner = None
    if not leases.alive("controller:"):
        from ordermanager.stack.controller import Settings, StackController

        controller = StackController(Settings(imports=False, handle_signals=False))
        runner = threading.Thread(target=controller.run, name="stock-sync-controller", daemon=True)
        runner.start()
    started = time.monotonic()
    try:
        while True:
            now = counts(ids)
            done = sum(n for state, n in now.items() if state in DONE)
            show(done, len(ids), time.monotonic() - started)
            if done >= len(ids):
                return now
            # A progress display, not a test: it polls the stack's own table at a human pace.
            time.sleep(every)
    finally:
        if controller is not None and runner is not None:
            controller.stop.set()
            controller.wake.set()
            runner.join()  # its leases are released before the command goes on
