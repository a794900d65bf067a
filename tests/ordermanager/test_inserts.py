"""Rows written without the ORM's per-value compiling (`ordermanager.inserts`): the same rows as the ORM writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ordermanager.errors import InputError
from ordermanager.inserts import insert, insert_all
from ordermanager.orders.models import Order, OrderItem, PaymentStatus, TimelineEntry, TimelineEvent
from tests.conftest import new_order

MOMENT = dt.datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _orders(cart, tag: str) -> list[Order]:
    """Orders whose values take every path: text, integers, a bool, a datetime, a date, decimals, NULLs, a
    foreign key, a choice given as its enum member and an integer given for a text column."""
    return [
        Order(
            cart=cart,
            channel_order_id=f"{tag}-1",
            profile_id=12345678901,
            ordered_at=MOMENT,
            expected_ship_date=dt.date(2026, 12, 1),
            buyer_name="Zoë O'Brien 100%",
            total=Decimal("1234.5"),
            amount_paid=Decimal("0.10"),
            payment_status=PaymentStatus.NOT_YET_SUBMITTED,
            on_hold=True,
        ),
        Order(cart=None, channel_order_id=f"{tag}-2", ship_to_postal_code=12345, ordered_at=None),
    ]


def _stored(model, pks: list[int], *skip: str) -> list[dict]:
    rows = list(model.objects.filter(pk__in=pks).order_by("pk").values())
    return [{k: v for k, v in row.items() if k not in ("id", *skip)} for row in rows]


def test_insert_all_writes_what_bulk_create_writes_and_gives_each_row_its_key(ca_cart):
    # given the same orders built twice, and lines built before their orders have keys
    ours, theirs = _orders(ca_cart, "ours"), _orders(ca_cart, "theirs")
    our_lines = [OrderItem(order=o, sku="SKU-1", quantity=2, unit_price=Decimal("9.99")) for o in ours]
    their_lines = [OrderItem(order=o, sku="SKU-1", quantity=2, unit_price=Decimal("9.99")) for o in theirs]

    # when one set goes through insert_all and the other through bulk_create
    insert_all(ours)
    insert_all(our_lines)
    Order.objects.bulk_create(theirs)
    OrderItem.objects.bulk_create(their_lines)

    # then the rows are alike but for their keys, their order IDs and their moment of writing
    assert all(o.pk is not None and not o._state.adding for o in [*ours, *our_lines])
    mine = _stored(Order, [o.pk for o in ours], "channel_order_id", "created_at", "updated_at")
    assert mine == _stored(Order, [o.pk for o in theirs], "channel_order_id", "created_at", "updated_at")
    assert mine[0]["buyer_name"] == "Zoë O'Brien 100%"
    assert mine[1]["ship_to_postal_code"] == "12345"
    assert Order.objects.get(pk=ours[0].pk).ordered_at == MOMENT
    # each line went to its own order, whose key it took after the order was written
    assert [line.order_id for line in our_lines] == [o.pk for o in ours]
    assert _stored(OrderItem, [i.pk for i in our_lines], "order_id") == _stored(
        OrderItem, [i.pk for i in their_lines], "order_id"
    )


def test_insert_all_stamps_auto_now_add_and_stores_json_as_bulk_create_does(ca_cart):
    order = new_order(ca_cart)
    data = {"package": 7, "skus": ["A", "B"], "note": None}
    ours = TimelineEntry(order=order, actor="test", kind=TimelineEvent.ORDER_HELD, message="held", data=data)
    theirs = TimelineEntry(order=order, actor="test", kind=TimelineEvent.ORDER_HELD, message="held", data=data)

    insert_all([ours])
    TimelineEntry.objects.bulk_create([theirs])

    assert ours.at is not None
    assert _stored(TimelineEntry, [ours.pk], "at") == _stored(TimelineEntry, [theirs.pk], "at")
    assert TimelineEntry.objects.get(pk=ours.pk).at == ours.at


def test_insert_all_splits_what_one_statement_cannot_hold_and_binds_arrays_on_postgresql(ca_cart):
    # given more entries than one statement takes on SQLite (500 rows at most)
    order = new_order(ca_cart)
    entries = [
        TimelineEntry(order=order, actor="test", kind=TimelineEvent.ORDER_HELD, message=f"note {n}")
        for n in range(1203)
    ]

    with CaptureQueriesContext(connection) as queries:
        insert_all(entries)

    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len({e.pk for e in entries}) == 1203
    assert list(
        order.timeline.filter(pk__in=[e.pk for e in entries]).order_by("pk").values_list("message", flat=True)
    ) == [e.message for e in sorted(entries, key=lambda e: e.pk)]
    if connection.vendor == "sqlite":
        assert len(inserts) == 3
    else:  # one array per column, whatever the number of rows
        assert len(inserts) == 1
        assert "UNNEST" in inserts[0]["sql"]


def test_insert_all_refuses_a_row_whose_related_object_is_unsaved(ca_cart):
    # an unsaved order has no key to lend its line: refused as bulk_create refuses it, nothing written
    line = OrderItem(order=Order(cart=ca_cart, channel_order_id="unsaved"), sku="SKU-1", quantity=1)
    before = OrderItem.objects.count()

    with pytest.raises(ValueError, match="unsaved related object"):
        insert_all([line])

    assert OrderItem.objects.count() == before


def test_insert_runs_the_row_guard_and_writes_nothing_it_refuses(ca_cart):
    order = new_order(ca_cart)
    before = order.timeline.count()
    entry = TimelineEntry(order=order, actor="a" * 101, kind=TimelineEvent.ORDER_HELD, message="note")

    with pytest.raises(InputError, match="actor"):
        insert(entry)

    assert order.timeline.count() == before
    insert(TimelineEntry(order=order, actor="test", kind=TimelineEvent.ORDER_HELD, message="a note"))
    assert order.timeline.order_by("-id").values_list("message", flat=True).first() == "a note"
