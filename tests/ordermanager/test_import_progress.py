"""The import's progress knows its total from the start: the cart's $count of waiting orders."""

from __future__ import annotations

from ordermanager.carts import actions as carts
from ordermanager.orders.importing import import_orders
from tests.conftest import sandbox_order


def test_progress_has_the_whole_total_from_the_first_batch(sandbox_cart, ca):
    # given five waiting orders, imported two at a time
    for _ in range(5):
        sandbox_order(ca, 1)
    carts.edit_cart(sandbox_cart, order_download_batch=2)
    seen: list[tuple[int, int]] = []

    # when
    summary = import_orders(sandbox_cart, progress=lambda done, total: seen.append((done, total)))

    # then the bar's total is 5 from the first order on, not the size of the batch read so far
    assert summary.imported == 5
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
