"""The stack controller: a long-running worker that empties the stack.

One controller thread claims records and hands them to each cart account's senders (at most
`CartConcurrentRequests` in flight, paced by the account's token bucket). Each cart account is
driven by one controller at a time, through a lease with a heartbeat; when a controller stops, its
leases expire and another controller takes the accounts over. On SQLite only one controller runs.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections, connection, connections
from django.utils import timezone

from ordermanager.carts.connectors.base import CartError, Connector, ErrorKind
from ordermanager.carts.connectors.registry import connector_for
from ordermanager.carts.models import Cart
from ordermanager.params import service as params
from ordermanager.stack import actions, leases
from ordermanager.stack.delivery import deliver
from ordermanager.stack.limits import AccountGate, account_gate
from ordermanager.stack.models import OPEN_STATES, StackRecord, State

log = logging.getLogger("ordermanager.stack")

EMAIL_LANE = "email"
EMAIL_CONCURRENCY = 2
# Senders per allowed call in flight: while some wait on the cart, the others read the next order and
# record the last answer, so the account's calls never wait on our own database work.
SENDERS_PER_CALL = 2


class AnotherControllerRunning(RuntimeError):
    pass


@dataclass
class Settings:
    poll_seconds: float = 0.1
    lease_seconds: float = 15.0
    visibility_seconds: float = 300.0
    refresh_seconds: float = 5.0
    once: bool = False
    imports: bool = True
    retry_base_seconds: float = actions.BACKOFF_BASE_SECONDS
    handle_signals: bool = True


def _lane_name(cart_id: int | None) -> str:
    return f"cart:{cart_id}" if cart_id is not None else EMAIL_LANE


class Senders:
    """Threads that deliver claimed records. Each keeps its database connection between records (one
    connection per sender, reconnecting only if it broke) and closes it when the lane stops."""

    def __init__(self, count: int, work: Callable[[StackRecord], None], wake: threading.Event, name: str) -> None:
        self._queue: queue.SimpleQueue[StackRecord | None] = queue.SimpleQueue()
        self._work, self._wake = work, wake
        self._lock = threading.Lock()
        self._in_flight = 0
        self._threads = [threading.Thread(target=self._loop, name=f"{name}-{n}", daemon=True) for n in range(count)]
        for thread in self._threads:
            thread.start()

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def submit(self, record: StackRecord) -> None:
        with self._lock:
            self._in_flight += 1
        self._queue.put(record)

    def _loop(self) -> None:
        try:
            while (record := self._queue.get()) is not None:
                try:
                    self._work(record)
                finally:
                    close_old_connections()  # drops this thread's connection only if it broke or aged
                    with self._lock:
                        self._in_flight -= 1
                    self._wake.set()
        finally:
            connections.close_all()

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()


@dataclass
class Lane:
    """One cart account (or the buyers' e-mail), as driven by this controller."""

    cart_id: int | None
    holder: str
    settings: Settings
    wake: threading.Event
    cart: Cart | None = None
    gate: AccountGate | None = None
    connector: Connector | None = None
    senders: Senders | None = None
    signature: tuple = ()
    importing: threading.Thread | None = None

    def refresh(self) -> None:
        """(Re)build the connection when the cart's settings or limits changed, once nothing is in flight."""
        cart = Cart.objects.filter(pk=self.cart_id).first() if self.cart_id is not None else None
        limits = (params.get("CartRequestsPerMinute", cart=cart), params.get("CartConcurrentRequests", cart=cart))
        signature = (cart.updated_at if cart else None, limits) if self.cart_id is not None else ("email",)
        if signature == self.signature or self.busy():
            return
        self.close()
        self.cart, self.signature = cart, signature
        self.gate = account_gate(cart) if cart is not None else AccountGate(600, EMAIL_CONCURRENCY)
        self.connector = None
        if cart is not None and cart.active:
            with contextlib.suppress(CartError):  # a cart type with nothing to connect to stays idle
                self.connector = connector_for(cart, self.gate)
        self.senders = Senders(
            self.gate.concurrency * SENDERS_PER_CALL, self._send, self.wake, f"stack-{_lane_name(self.cart_id)}"
        )

    def busy(self) -> bool:
        return self.senders is not None and self.senders.in_flight > 0

    def pump(self) -> int:
        """Claim as many due records as there are free senders, and start them."""
        if self.senders is None or self.gate is None or (self.cart_id is not None and self.connector is None):
            return 0
        free = self.gate.concurrency * SENDERS_PER_CALL - self.senders.in_flight
        records = actions.claim(self.cart_id, self.holder, free, self.settings.visibility_seconds)
        for record in records:
            self.senders.submit(record)
        return len(records)

    def _send(self, record: StackRecord) -> None:
        try:
            deliver(record, self.connector, self.holder, self.settings.retry_base_seconds)
        except Exception as error:  # a bug must not kill the sender; the record says what happened
            log.exception("stack record %s: unexpected error", record.pk)
            failure = CartError(ErrorKind.TRANSIENT, f"unexpected error in the order manager: {type(error).__name__}")
            try:
                actions.mark_failed(
                    record, self.holder, failure, f"stack:{self.holder}", self.settings.retry_base_seconds
                )
            except Exception:
                # the database itself failed; the record stays in flight and is recovered by a restart
                log.exception("stack record %s: could not record the failure", record.pk)

    def import_if_due(self) -> None:
        cart = self.cart
        if cart is None or not cart.active or not cart.type.imports_orders or not self.settings.imports:
            return
        minutes = params.get("OrderImportMinutes", cart=cart)
        if minutes == 0 or (self.importing is not None and self.importing.is_alive()):
            return
        last = Cart.objects.filter(pk=cart.pk).values_list("last_import_at", flat=True).first()
        if last is not None and (timezone.now() - last).total_seconds() < minutes * 60:
            return
        self.importing = threading.Thread(target=self._import, name=f"import-{cart.pk}", daemon=True)
        self.importing.start()

    def _import(self) -> None:
        from ordermanager.orders.importing import import_orders

        try:
            summary = import_orders(self.cart, actor=f"stack:{self.holder}", gate=self.gate)
            log.info("%s: imported %d of %d downloaded orders", self.cart, summary.imported, summary.downloaded)
        except Exception:
            log.exception("%s: order import failed", self.cart)
        finally:
            connections.close_all()

    def close(self) -> None:
        if self.senders is not None:
            self.senders.stop()
        if self.connector is not None:
            self.connector.close()
        self.senders = self.connector = None


class StackController:
    def __init__(self, settings: Settings | None = None, holder: str | None = None) -> None:
        self.settings = settings or Settings()
        self.holder = holder or leases.new_holder()
        self.lanes: dict[int | None, Lane] = {}
        self.stop = threading.Event()
        self.wake = threading.Event()
        self._last_refresh = 0.0

    # --- life cycle -------------------------------------------------------------------------

    def run(self) -> None:
        self._claim_sqlite_slot()
        self._install_signals()
        log.info("stack controller %s started", self.holder)
        try:
            while not self.stop.is_set():
                if time.monotonic() - self._last_refresh >= self.settings.refresh_seconds:
                    self._refresh()
                started = sum(lane.pump() for lane in self.lanes.values())
                if self.settings.once and not started and self._drained():
                    break
                if not started:
                    self.wake.wait(self.settings.poll_seconds)
                    self.wake.clear()
        finally:
            self._shutdown()

    def _install_signals(self) -> None:
        if self.settings.handle_signals and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: (self.stop.set(), self.wake.set()))

    def _claim_sqlite_slot(self) -> None:
        if connection.vendor == "sqlite" and not leases.acquire("sqlite", self.holder, self.settings.lease_seconds):
            holder = next((lease.holder for lease in leases.alive("sqlite")), "another process")
            raise AnotherControllerRunning(
                f"A stack controller ({holder}) is already running on this SQLite database; only one may run. "
                "Use PostgreSQL (DATABASE_URL) to run several."
            )

    def _shutdown(self) -> None:
        for lane in self.lanes.values():
            lane.close()
            leases.release(_lane_name(lane.cart_id), self.holder)
        leases.release(f"controller:{self.holder}", self.holder)
        if connection.vendor == "sqlite":
            leases.release("sqlite", self.holder)
        log.info("stack controller %s stopped", self.holder)
        close_old_connections()

    # --- lanes ------------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Heartbeat, renew or take leases for every lane with work, and drop lanes we lost."""
        self._last_refresh = time.monotonic()
        ttl = self.settings.lease_seconds
        leases.acquire(f"controller:{self.holder}", self.holder, ttl)
        if connection.vendor == "sqlite" and not leases.acquire("sqlite", self.holder, ttl):
            log.error("lost the SQLite controller slot; stopping")
            self.stop.set()
            return
        # Every active cart (and the e-mail lane) has a lane ready, so a new record waits one poll, not a
        # refresh; carts with records left from before (inactive now) are driven too, to settle them.
        wanted = set(
            StackRecord.objects.filter(state__in=[*OPEN_STATES, State.IN_FLIGHT]).values_list("cart_id", flat=True)
        )
        if not self.settings.once:
            wanted |= {None, *Cart.objects.filter(active=True).values_list("pk", flat=True)}
        for cart_id in wanted | set(self.lanes):
            name = _lane_name(cart_id)
            if not leases.acquire(name, self.holder, ttl):
                lost = self.lanes.pop(cart_id, None)
                if lost is not None:
                    log.warning("lease %s taken over by another controller", name)
                    lost.close()
                continue
            lane = self.lanes.get(cart_id)
            if lane is None:
                lane = self.lanes[cart_id] = Lane(cart_id, self.holder, self.settings, self.wake)
                # Records another controller left in flight: it stopped, since its lease ran out.
                actions.recover_abandoned(cart_id, self.holder, f"stack:{self.holder}")
            lane.refresh()
            lane.import_if_due()

    def _drained(self) -> bool:
        """--once: nothing due now, nothing in flight, no import running."""
        if any(lane.busy() or (lane.importing and lane.importing.is_alive()) for lane in self.lanes.values()):
            return False
        due = StackRecord.objects.filter(state__in=OPEN_STATES, next_attempt_at__lte=timezone.now())
        lanes_due = set(due.values_list("cart_id", flat=True).distinct())
        if lanes_due - set(self.lanes):
            self._refresh()  # work for a lane we do not drive yet
        return not lanes_due
