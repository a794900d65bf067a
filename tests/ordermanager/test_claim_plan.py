"""The claim and the idle poll: what they take, and that they read only the rows they need however long the
backlog (SQLite's plans)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from ordermanager.carts.models import Cart
from ordermanager.stack import actions, leases
from ordermanager.stack.leases import lane_name
from ordermanager.stack.models import RecordKind, StackRecord, State
from tests.conftest import new_order


def record(kind: str, cart: Cart | None, key: str, *, due_in: float = 0.0, **fields: object) -> StackRecord:
    return StackRecord.objects.create(
        kind=kind,
        cart=cart,
        coalesce_key=key,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=due_in),
        **fields,
    )


def test_a_claim_takes_status_updates_first_then_fills_up_with_stock_records(ca_cart):
    # given stock records waiting longer than two status updates, one of which is not due yet
    stock = [record(RecordKind.INVENTORY_UPDATE, ca_cart, f"stock:{n}", due_in=-60, sku=f"S{n}") for n in range(3)]
    order = new_order(ca_cart)
    status = record(RecordKind.STATUS_UPDATE, ca_cart, "status:1", order=order)
    record(RecordKind.STATUS_UPDATE, ca_cart, "status:2", due_in=60, order=new_order(ca_cart))
    holder = leases.new_holder()
    assert leases.acquire(lane_name(ca_cart.pk), holder, 30)

    # when the lane claims three
    claimed = actions.claim(ca_cart.pk, holder, lane_name(ca_cart.pk), 3, 30)

    # then the due status update came first, and the two stock records waiting longest filled the batch
    assert [r.pk for r in claimed] == [status.pk, stock[0].pk, stock[1].pk]
    assert {r.state for r in StackRecord.objects.filter(pk__in=[r.pk for r in claimed])} == {State.IN_FLIGHT}


def test_the_idle_poll_names_only_the_lanes_asked_about_that_have_records_due(ca_cart):
    # given a due record on the cart's lane and on the e-mail lane, and one on another cart not due yet
    other = Cart.objects.create(store_name="Other", cart_type=ca_cart.cart_type)
    record(RecordKind.STATUS_UPDATE, ca_cart, "status:1", order=new_order(ca_cart))
    record(RecordKind.EMAIL, None, "email:1", order=new_order(ca_cart))
    record(RecordKind.INVENTORY_UPDATE, other, "stock:1", due_in=60, sku="S1")

    # then each poll names the lanes with something due among those it asked about
    assert actions.lanes_due([ca_cart.pk, other.pk, None]) == {ca_cart.pk, None}
    assert actions.lanes_due([other.pk]) == set()
    assert actions.lanes_due([None]) == {None}
    assert actions.lanes_due([other.pk, ca_cart.pk]) == {ca_cart.pk}
    assert actions.lanes_due([]) == set()


def plan(prepared) -> str:
    sql, params, *_ = prepared._compiled("default")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[3] for row in cursor.fetchall())


@pytest.fixture
def sqlite_only(db: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL plans by its statistics; this pins SQLite's, which has none to go by")


@pytest.mark.parametrize("kind", [RecordKind.STATUS_UPDATE, RecordKind.INVENTORY_UPDATE, RecordKind.EMAIL])
def test_a_claim_reads_the_due_records_in_index_order_and_never_sorts_the_backlog(sqlite_only, kind):
    read = plan(actions._due(kind, 5))

    assert "USING INDEX stack_due_per_cart_kind (cart_id=? AND kind=? AND next_attempt_at<?)" in read
    assert "TEMP B-TREE" not in read


@pytest.mark.parametrize("carts", [0, 1, 3])
def test_the_idle_poll_reads_only_the_drained_lanes_records(sqlite_only, carts):
    read = plan(actions._lanes_due(carts))

    assert "USING INDEX stack_due_per_cart (cart_id=? AND next_attempt_at<?)" in read
