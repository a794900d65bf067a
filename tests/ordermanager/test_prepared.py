"""Prepared queries (the stack's hot path): compiled once, run with new values, and as strict as the ORM."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from ordermanager.orders.models import Order
from ordermanager.prepared import Prepared, PreparedUpdate
from tests.conftest import new_order

BY_ID_AND_CART_ID = Prepared(
    lambda pk, channel_id: Order.objects.filter(pk=pk, channel_order_id=channel_id).values_list(
        "id", "channel_order_id", "ordered_at"
    ),
    int,
    str,
)


def test_a_prepared_read_binds_new_values_on_each_run(ca_cart):
    # given two orders
    first = new_order(ca_cart, ordered_at=dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC))
    second = new_order(ca_cart)

    # when the same prepared read runs for each, and for a pair that does not match
    rows = [
        BY_ID_AND_CART_ID.rows(first.pk, first.channel_order_id),
        BY_ID_AND_CART_ID.rows(second.pk, second.channel_order_id),
        BY_ID_AND_CART_ID.rows(first.pk, second.channel_order_id),
    ]

    # then each run found its own row, with the datetime converted as the ORM converts it
    assert rows[0] == [(first.pk, first.channel_order_id, dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC))]
    assert rows[1] == list(Order.objects.filter(pk=second.pk).values_list("id", "channel_order_id", "ordered_at"))
    assert rows[2] == []


def test_a_prepared_read_gives_the_instances_the_orm_would(ca_cart):
    order = new_order(ca_cart, buyer_name="Ann Example")
    read = Prepared(lambda pk: Order.objects.filter(pk=pk), int)

    [found] = read.instances(Order, order.pk)

    assert (found.pk, found.buyer_name, found.cart_id) == (order.pk, "Ann Example", ca_cart.pk)


@pytest.mark.django_db
def test_a_query_that_rewrites_its_value_is_refused_before_it_runs():
    # icontains wraps the value in % signs: binding a new value in its place would change the meaning
    read = Prepared(lambda text: Order.objects.filter(buyer_name__icontains=text).values_list("id"), str)

    with pytest.raises(ValueError, match="as given"):
        read.rows("Ann")


def test_a_value_of_a_kind_that_cannot_be_bound_is_refused():
    with pytest.raises(TypeError, match="int, float, str and datetime"):
        Prepared(lambda value: Order.objects.filter(total=value), bytes)


def test_a_prepared_update_changes_only_the_rows_it_names(ca_cart):
    first, second = new_order(ca_cart), new_order(ca_cart)
    rename = PreparedUpdate(lambda pk, name: (Order.objects.filter(pk=pk), {"buyer_name": name}), int, str)

    assert rename.run(first.pk, "First Buyer") == 1
    assert rename.run(-1, "Nobody") == 0

    names = dict(Order.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "buyer_name"))
    assert names == {first.pk: "First Buyer", second.pk: second.buyer_name}


@pytest.mark.django_db(transaction=True)
def test_each_thread_runs_the_read_on_its_own_connection(ca_cart):
    order = new_order(ca_cart)
    found: list[list[tuple]] = []

    def read() -> None:
        from django.db import connection

        try:
            found.append(BY_ID_AND_CART_ID.rows(order.pk, order.channel_order_id))
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()

    assert [row[0] for row in found[0]] == [order.pk]


def test_a_constant_is_written_into_the_sql_and_still_matches_exactly(ca_cart):
    # given an order whose buyer's name holds a quote and a percent sign, and one that almost matches
    odd = new_order(ca_cart, buyer_name="O'Brien 100%")
    new_order(ca_cart, buyer_name="O'Brien 100")
    read = Prepared(lambda pk: Order.objects.filter(pk__gte=pk, buyer_name="O'Brien 100%").values_list("id"), int)

    # when the read runs
    rows = read.rows(0)

    # then the constant is part of the SQL (a partial index can serve it), the value stays bound, and only
    # the exact name matched
    sql, params, *_ = read._compiled("default")
    assert "'O''Brien 100%%'" in sql
    assert len(params) == 1
    assert rows == [(odd.pk,)]
