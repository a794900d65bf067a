"""Import at the rate limit (issue: Performance): Export acknowledgements go out side by side, within the
account's calls in flight, each only once its order is committed here."""

from __future__ import annotations

from ordermanager.carts.connectors.pacing import AccountGate
from ordermanager.orders.importing import import_orders
from ordermanager.orders.models import Order
from tests.conftest import sandbox_order

ORDERS = 12
LATENCY_MS = 150


def test_acknowledgements_go_out_side_by_side_within_the_accounts_limit(sandbox_cart, ca):
    # given a dozen orders waiting, an account allowing 3 calls in flight, and 150 ms per answer
    for _ in range(ORDERS):
        sandbox_order(ca, 1)
    ca.set_latency(LATENCY_MS)
    ca.reset_stats()

    # when they are imported
    summary = import_orders(sandbox_cart, gate=AccountGate(per_minute=6000, concurrency=3))

    # then every one is here and acknowledged, with up to three acknowledgements at a time and never more
    assert (summary.imported, summary.acknowledged, summary.unacknowledged) == (ORDERS, ORDERS, [])
    assert Order.objects.filter(cart=sandbox_cart).count() == ORDERS
    assert ca.stats()["max_in_flight"] == 3
    exports = ca.calls(route="export")
    assert len(exports) == ORDERS
    assert {c["status"] for c in exports} == {204}
