"""The stack controller: a long-running worker that empties the stack.

The main thread claims records and hands them to each cart account's senders (at most
`CartConcurrentRequests` calls in flight, paced by the account's token bucket); what the senders delivered, the
recorder writes a batch at a time (`stack.recorder`). Each cart account is
driven by one controller at a time, through a lease; a heartbeat thread renews the leases, and the
claims of the records being sent, until the senders have stopped. When a controller stops, its leases
and claims run out, and another controller takes the accounts over. On SQLite only one controller runs.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, connections
from django.utils import timezone

from ordermanager.carts import actions as carts
from ordermanager.carts.connectors.base import CartError, Connector, ErrorKind
from ordermanager.carts.connectors.registry import AccountGate, connector_for
from ordermanager.carts.models import Cart
from ordermanager.orders.importing import import_orders
from ordermanager.params import actions as params
from ordermanager.stack import actions, failures, leases, retention
from ordermanager.stack.delivery import deliver
from ordermanager.stack.leases import EMAIL_LANE, lane_name
from ordermanager.stack.models import OPEN_STATES, StackRecord, State
from ordermanager.stack.recorder import Recorder
from ordermanager.stack.senders import Senders

log = logging.getLogger("ordermanager.stack")

EMAIL_CONCURRENCY = 2
# Senders per allowed call in flight: while some wait on the cart, the others read the next order and
# record the last answer, so the account's calls never wait on our own database work.
SENDERS_PER_CALL = 2
# A lane claims in batches of half its senders, and holds that many claimed records queued beside its
# senders: a claim transaction serves several records (one per record cost as much CPU as sending it),
# and no sender waits for the next claim. The heartbeat renews the queued records' claims as well.
CLAIM_BATCH_PER_CALL = 1


class AnotherControllerRunning(RuntimeError):
    pass


@dataclass
class Settings:
    poll_seconds: float = 0.1
    lease_seconds: float = 15.0
    refresh_seconds: float = 5.0
    once: bool = False
    imports: bool = True
    retry_base_seconds: float = actions.BACKOFF_BASE_SECONDS
    handle_signals: bool = True


# How often a controller looks whether the daily retention job is due (it runs once a day across all of them);
# the first look is this long after start-up.
PRUNE_CHECK_SECONDS = 600.0


@dataclass
class Lane:
    """One cart account (or the buyers' e-mail), as driven by this controller."""

    cart_id: int | None
    holder: str
    settings: Settings
    wake: threading.Event
    recorder: Recorder
    cart: Cart | None = None
    gate: AccountGate | None = None
    connector: Connector | None = None
    unavailable: CartError | None = None
    senders: Senders | None = None
    signature: tuple = ()
    importing: threading.Thread | None = None
    failed_since_success: bool = False
    drained: bool = False  # its last claim found fewer records than it asked for: pumped again once some are due
    handing_back: bool = False  # over our share: claim nothing more, release once the calls in flight end
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> str:
        return lane_name(self.cart_id)

    def refresh(self) -> None:
        """(Re)build the connection when the cart's settings or limits changed, once nothing is in flight."""
        cart = Cart.objects.filter(pk=self.cart_id).first() if self.cart_id is not None else None
        per_minute = params.get("CartRequestsPerMinute", cart=cart)
        concurrency = params.get("CartConcurrentRequests", cart=cart) if cart else EMAIL_CONCURRENCY
        signature = (cart.updated_at if cart else None, cart.active if cart else True, per_minute, concurrency)
        if signature == self.signature or self.busy():
            return
        self.close()
        self.cart, self.signature = cart, signature
        self.gate = AccountGate(per_minute, concurrency)
        self.connector = self.unavailable = None
        if cart is None and self.cart_id is not None:
            self.unavailable = CartError(ErrorKind.PERMANENT, "the cart was deleted")
        elif cart is not None and not cart.active:
            self.unavailable = CartError(
                ErrorKind.PERMANENT,
                f"cart {cart.store_name} is not active",
                fix_hint=f"tick Active (ordermanager carts edit {cart.store_name!r} --active on), then "
                "ordermanager stack retry --problems; or clear these records",
            )
        elif cart is not None:
            try:
                self.connector = connector_for(cart, self.gate)
            except CartError as error:  # e.g. a manual cart, or secrets that cannot be read
                self.unavailable = error
        self.senders = Senders(concurrency * SENDERS_PER_CALL, self._send, self.wake, f"stack-{self.name}")

    def busy(self) -> bool:
        return self.senders is not None and bool(self.senders.in_flight)

    def pump(self) -> int:
        """Claim as many due records as there are free senders, and start them."""
        if self.senders is None or self.gate is None or self.handing_back:
            return 0
        if not self.senders.dry:
            return 0  # records are still queued for the senders: the senders wake us once none is left
        free = self.senders.count + self.gate.concurrency * CLAIM_BATCH_PER_CALL - len(self.senders.in_flight)
        records = actions.claim(self.cart_id, self.holder, self.name, free, self.settings.lease_seconds)
        for record in records:
            self.senders.submit(record)
        self.drained = len(records) < free
        return len(records)

    def _send(self, record: StackRecord) -> None:
        actor = f"stack:{self.holder}"
        if self.unavailable is not None:
            actions.mark_failed(record, self.holder, self.unavailable, actor)
            return
        try:
            sent = deliver(record, self.connector, self.holder, self.settings.retry_base_seconds, self.recorder.add)
        except Exception as error:  # a bug or a database failure must not kill the sender
            failures.handle(
                error,
                f"stack record {record.pk}",
                lambda failure: actions.mark_failed(record, self.holder, failure, actor),
            )
            return
        with self.lock:
            if sent is False:
                self.failed_since_success = True
            elif sent and self.failed_since_success:
                self.failed_since_success = False
                actions.wake_waiting(self.cart_id)  # the cart is back: no need to sit out the backoff

    def import_if_due(self) -> None:
        cart = self.cart
        if cart is None or not cart.active or not cart.type.imports_orders or self.connector is None:
            return
        minutes = params.get("OrderImportMinutes", cart=cart)
        if minutes == 0 or not self.settings.imports or (self.importing is not None and self.importing.is_alive()):
            return
        last = Cart.objects.filter(pk=cart.pk).values_list("last_import_at", flat=True).first()
        if last is not None and (timezone.now() - last).total_seconds() < minutes * 60:
            return
        self.importing = threading.Thread(target=self._import, name=f"import-{cart.pk}", daemon=True)
        self.importing.start()

    def _import(self) -> None:
        cart = self.cart
        assert cart is not None
        try:
            summary = import_orders(cart, actor=f"stack:{self.holder}", gate=self.gate)
            log.info("%s: imported %d of %d downloaded orders", cart, summary.imported, summary.downloaded)
            for line in summary.refused:
                log.warning("%s: %s (ordermanager import-problems list)", cart, line)
        except Exception as error:  # the operator sees it on the cart (carts show, stack status, /metrics)
            failures.handle(
                error, f"{cart}: order import", lambda failure: carts.record_import(cart, error=str(failure))
            )
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
        self._lanes_lock = threading.Lock()
        self.stop = threading.Event()
        self.wake = threading.Event()
        self._heartbeat_stop = threading.Event()
        self.recorder: Recorder | None = None  # started with the controller
        self._last_refresh = 0.0
        # Not at start-up: a controller starting is busy taking leases and recovering claims.
        self._next_prune_check = time.monotonic() + PRUNE_CHECK_SECONDS

    @property
    def _refresh_every(self) -> float:
        # A third of a lease: a controller started beside a busy one gets its share within one lease period.
        return min(self.settings.refresh_seconds, self.settings.lease_seconds / 3)

    # --- life cycle -------------------------------------------------------------------------

    def run(self) -> None:
        self._claim_sqlite_slot()
        self._install_signals()
        self.recorder = Recorder(self.holder)
        heartbeat = threading.Thread(target=self._heartbeat, name="stack-heartbeat", daemon=True)
        heartbeat.start()
        log.info("stack controller %s started", self.holder)
        next_poll = 0.0
        try:
            while not self.stop.is_set():
                if time.monotonic() - self._last_refresh >= self._refresh_every:
                    self._refresh()
                lanes = self._snapshot()
                if time.monotonic() >= next_poll:
                    next_poll = time.monotonic() + self.settings.poll_seconds
                    self._undrain(lanes)
                # A sender finishing wakes the loop; lanes with nothing due wait for the next poll.
                started = sum(lane.pump() for lane in lanes if not lane.drained)
                if self.settings.once and not started and self._drained():
                    break
                if not started:
                    self.wake.wait(max(next_poll - time.monotonic(), 0.0))
                    self.wake.clear()
        finally:
            self._shutdown(heartbeat)

    @staticmethod
    def _undrain(lanes: list[Lane]) -> None:
        """The poll: lanes whose last claim came up short are pumped again if records are due for them now."""
        drained = [lane for lane in lanes if lane.drained]
        if drained:
            due = actions.lanes_due(lane.cart_id for lane in drained)
            for lane in drained:
                lane.drained = lane.cart_id not in due

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

    def _shutdown(self, heartbeat: threading.Thread) -> None:
        # Senders finish their calls first, and what they delivered is recorded; the heartbeat keeps the leases
        # and claims alive meanwhile.
        for lane in self._snapshot():
            lane.close()
        if self.recorder is not None:
            self.recorder.stop()
        self._heartbeat_stop.set()
        heartbeat.join()
        for lane in self._snapshot():
            leases.release(lane.name, self.holder)
        leases.release(f"controller:{self.holder}", self.holder)
        if connection.vendor == "sqlite":
            leases.release("sqlite", self.holder)
        log.info("stack controller %s stopped", self.holder)
        connections.close_all()

    def _snapshot(self) -> list[Lane]:
        with self._lanes_lock:
            return list(self.lanes.values())

    def _heartbeat(self) -> None:
        """Renew our leases and the claims of records being sent, every third of the lease time."""
        ttl = self.settings.lease_seconds
        try:
            while not self._heartbeat_stop.wait(min(ttl / 3, 5.0)):
                try:
                    leases.acquire(f"controller:{self.holder}", self.holder, ttl)
                    if connection.vendor == "sqlite" and not leases.acquire("sqlite", self.holder, ttl):
                        log.error("lost the SQLite controller slot; stopping")
                        self.stop.set()
                    for lane in self._snapshot():
                        if not leases.renew(lane.name, self.holder, ttl):
                            log.warning("lease %s taken over by another controller", lane.name)
                    self._renew_claims(ttl)
                except DatabaseError:
                    log.exception("heartbeat failed; retrying")
                    connections.close_all()
        finally:
            connections.close_all()

    def _renew_claims(self, ttl: float) -> None:
        """Records being sent, queued for a sender, or delivered and waiting for the recorder keep their claims."""
        for lane in self._snapshot():
            if lane.senders is not None:
                actions.renew_claims(lane.senders.in_flight, self.holder, ttl)
        if self.recorder is not None and (delivered := self.recorder.pending):
            actions.renew_claims(delivered, self.holder, ttl)

    # --- lanes ------------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Balance the cart accounts, recover stale claims, and drop lanes we lost."""
        self._last_refresh = time.monotonic()
        ttl = self.settings.lease_seconds
        leases.acquire(f"controller:{self.holder}", self.holder, ttl)
        # Every active cart (and the e-mail lane) has a lane ready, so a new record waits one poll, not a
        # refresh; carts with records left from before (now inactive or deleted) get lanes to settle them.
        waiting = StackRecord.objects.filter(state__in=[*OPEN_STATES, State.IN_FLIGHT])
        wanted = set(waiting.order_by().values_list("cart_id", flat=True).distinct())
        if not self.settings.once:
            wanted |= {None, *Cart.objects.filter(active=True).values_list("pk", flat=True)}
        for cart_id in set(self.lanes):
            if not leases.acquire(lane_name(cart_id), self.holder, ttl):
                log.warning("lease %s taken over by another controller", self._drop(cart_id).name)
        self._balance(sorted(c for c in wanted if c is not None), EMAIL_LANE if None in wanted else None)
        for lane in self._snapshot():
            if lane.handing_back:
                if not lane.busy():
                    self._drop(lane.cart_id)
                    log.info("handed back %s (over our share); driving %d account(s)", lane.name, self._driving())
                continue
            dead = leases.dead(actions.claimers(lane.cart_id, self.holder))
            recovered = actions.recover_abandoned(lane.cart_id, f"stack:{self.holder}", dead)
            if recovered:
                log.info(
                    "%s: recovered %d record(s) from a lost claim; they go before the backlog", lane.name, recovered
                )
            lane.refresh()
            lane.import_if_due()
        self._prune_if_due()

    def _prune_if_due(self) -> None:
        """Once a day (across all controllers) the retention job runs, in a thread of its own: a long prune
        never holds up a delivery."""
        if self.settings.once or time.monotonic() < self._next_prune_check:
            return
        self._next_prune_check = time.monotonic() + PRUNE_CHECK_SECONDS
        threading.Thread(target=self._prune, name="stack-prune", daemon=True).start()

    def _prune(self) -> None:
        try:
            retention.prune_if_due(self.holder)
        except DatabaseError:
            log.exception("stack prune failed; it is tried again later")
        finally:
            connections.close_all()

    def _balance(self, accounts: list[int], email: str | None) -> None:
        """Aim at a fair share of the accounts: take free ones up to it, hand back a surplus someone lacks."""
        view = leases.shares({lane_name(c) for c in accounts}, self.holder)
        mine = [c for c, lane in self.lanes.items() if c is not None and not lane.handing_back]
        if len(mine) > view.share and view.someone_short(self.holder):
            for cart_id in mine[view.share :]:
                self.lanes[cart_id].handing_back = True  # its senders finish first; the lease is kept meanwhile
        taking = [c for c in accounts if c not in self.lanes and view.free(lane_name(c))]
        for cart_id in taking[: max(view.share - len(mine), 0)]:
            if leases.acquire(lane_name(cart_id), self.holder, self.settings.lease_seconds):
                self._add(cart_id)
                log.info(
                    "took over %s (share %d of %d account(s), %d controller(s)); driving %d account(s)",
                    lane_name(cart_id),
                    view.share,
                    len(accounts),
                    len(view.live),
                    self._driving(),
                )
        if email and None not in self.lanes and leases.acquire(email, self.holder, self.settings.lease_seconds):
            self._add(None)

    def _add(self, cart_id: int | None) -> None:
        with self._lanes_lock:
            assert self.recorder is not None
            self.lanes[cart_id] = Lane(cart_id, self.holder, self.settings, self.wake, self.recorder)

    def _driving(self) -> int:
        return sum(1 for c, lane in self.lanes.items() if c is not None and not lane.handing_back)

    def _drop(self, cart_id: int | None) -> Lane:
        with self._lanes_lock:
            lane = self.lanes.pop(cart_id)
        lane.close()
        leases.release(lane.name, self.holder)
        return lane

    def _drained(self) -> bool:
        """--once: nothing due now, nothing in flight, no import running."""
        if any(lane.busy() or (lane.importing and lane.importing.is_alive()) for lane in self._snapshot()):
            return False
        due = StackRecord.objects.filter(state__in=OPEN_STATES, next_attempt_at__lte=timezone.now())
        lanes_due = set(due.order_by().values_list("cart_id", flat=True).distinct())
        if lanes_due - set(self.lanes):
            self._refresh()  # work for a lane we do not drive yet
        return not lanes_due
