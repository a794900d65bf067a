"""The doctor's bulk checks, for one cart or the whole system: controllers, leases, the oldest waiting record,
problem records by cause, the last import, and each cart's settings. Reads only, except Test Settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.utils import timezone

from ordermanager.carts import import_problems
from ordermanager.carts.models import Cart
from ordermanager.stack import health, leases
from ordermanager.stack.health import Check
from ordermanager.stack.models import OPEN_STATES, Lease, StackRecord, State
from ordermanager.wording import plural


@dataclass(frozen=True)
class Cause:
    cart: str
    error: str
    fix: str
    records: int


@dataclass
class CartCheckup:
    cart: Cart
    checks: list[Check]
    waiting: int
    oldest_waiting: dt.datetime | None
    problems: list[Cause]
    set_aside: int = 0  # orders the imports set aside (import problems)

    @property
    def last_import(self) -> str:
        if not self.cart.type.imports_orders:
            return "does not import orders"
        when = self.cart.last_import
        if self.set_aside:
            return f"{when}; {plural(self.set_aside, 'order')} set aside: ordermanager import-problems list"
        return when


@dataclass
class Checkup:
    controllers: list[Lease]
    lanes: list[Lease]
    carts: list[CartCheckup]
    problems: list[Cause]
    oldest_waiting: dt.datetime | None
    now: dt.datetime = field(default_factory=timezone.now)

    @property
    def checks(self) -> list[Check]:
        """Every check that was run, the system's first."""
        return [_controllers(self.controllers), *(c for cart in self.carts for c in cart.checks)]

    @property
    def needs_operator(self) -> list[str]:
        """What the operator must look at, one line each: broken checks, problem records, failed or refused
        imports. Empty when everything holds (a backlog alone is not a fault: a running controller works it off)."""
        found = [f"{check.name}: {check.message}" for check in self.checks if not check.ok]
        found += [
            f"{plural(cause.records, 'problem record')} on {cause.cart}: {cause.error}" for cause in self.problems
        ]
        for c in self.carts:
            if c.cart.last_import_ok is False:
                found.append(f"{c.cart.store_name}: last import {c.cart.last_import}")
            if c.set_aside:
                found.append(f"{c.cart.store_name}: {plural(c.set_aside, 'order')} set aside at import")
        return found


def _controllers(alive: list[Lease]) -> Check:
    if not alive:
        return Check("Stack controllers", False, "No stack controller is running.", health.NO_CONTROLLER_FIX)
    return Check("Stack controllers", True, f"{len(alive)} running: {', '.join(lease.holder for lease in alive)}.")


def problems_by_cause(carts: list[Cart] | None = None) -> list[Cause]:
    """Problem records grouped by their error and fix, most records first."""
    query = StackRecord.objects.filter(state=State.PROBLEM)
    if carts is not None:
        query = query.filter(cart__in=carts)
    rows = query.values("cart__store_name", "last_error", "fix_hint").annotate(n=Count("id")).order_by("-n")
    return [Cause(r["cart__store_name"] or "(e-mail)", r["last_error"], r["fix_hint"], r["n"]) for r in rows]


def checkup(cart: Cart | None = None, *, test_settings: bool = True) -> Checkup:
    """One cart (or every active cart, when `cart` is None): its settings, whether a controller drives it,
    its backlog and its problems."""
    carts = [cart] if cart is not None else list(Cart.objects.filter(active=True))
    waiting = StackRecord.objects.filter(state__in=OPEN_STATES)
    per_cart = {
        row["cart"]: row for row in waiting.values("cart").annotate(n=Count("id"), oldest=Min("created_at")).order_by()
    }
    problems = problems_by_cause(carts if cart is not None else None)
    set_aside = import_problems.counts_by_cart()
    checkups = []
    for c in carts:
        row = per_cart.get(c.pk, {})
        checkups.append(
            CartCheckup(
                cart=c,
                checks=[health.cart_settings(c, test_settings=test_settings), health.controller_driving(c)],
                waiting=row.get("n", 0),
                oldest_waiting=row.get("oldest"),
                problems=[p for p in problems if p.cart == c.store_name],
                set_aside=set_aside.get(c.store_name, 0),
            )
        )
    scope = Q(cart=cart) if cart is not None else Q()
    oldest = waiting.filter(scope).aggregate(at=Min("created_at"))["at"]
    lanes = [lease for lease in leases.alive("") if not lease.name.startswith("controller:")]
    return Checkup(leases.alive("controller:"), lanes, checkups, problems, oldest)
