"""Query budgets on the stack's hot path: claiming one record and delivering it to the cart.

The budget counts what one record costs whatever the order holds: a package more adds only its own
claim check and the commit that records it at once, never a lookup per package.
"""

from __future__ import annotations

from ordermanager.carts.connectors.registry import connector_for
from ordermanager.carts.models import Cart
from ordermanager.orders import actions
from ordermanager.orders.importing import import_orders
from ordermanager.orders.models import Order
from ordermanager.stack import actions as stack_actions
from ordermanager.stack import leases
from ordermanager.stack.delivery import deliver
from ordermanager.stack.models import StackRecord, State
from tests.conftest import ACTOR, sandbox_order
from tests.ordermanager.test_stack import live_cart  # noqa: F401 - fixture

# Claim (one statement picks the records with the lane's lease checked in it, the update, the orders, the cart)
# and its commit; read the packages with their tracking and their carrier codes, and the items with their package
# lines; the claim check before the call; record the package, its timeline entry, the record and its counters
# (sent, delivery time, its bucket: one INSERT … ON CONFLICT DO UPDATE) in one commit. It was 18: the packages'
# five reads (packages, lines with their items, tracking, items, the mapping) became three. The claim's count is
# unchanged (the lease check moved into the statement that picks the records, the read after the update became
# the orders' and the cart's reads), and a controller claims in batches, so per record it is less. Most of the
# CPU saved is not in the count: these statements are prepared (ordermanager.prepared), not built anew. The
# carrier mapping, a read of its own until 2026-12, comes with the packages.
CLAIM_AND_DELIVER = 15
# Each package before the last: its claim check, and its own commit (recorded at once: a later one may fail).
PER_EXTRA_PACKAGE = 5


def order_in_packages(cart: Cart, ca, *quantities: int) -> Order:
    """An imported order with one package (and tracking number) per line."""
    ca_id = sandbox_order(ca, *quantities)
    import_orders(cart)
    order = Order.objects.get(cart=cart, channel_order_id=str(ca_id))
    for n, item in enumerate(order.items.order_by("id")):
        actions.add_tracking_number(
            order,
            f"1ZQUERY{n:03d}",
            carrier="UPS",
            shipping_class="Ground",
            items=[(item.sku, item.quantity)],
            actor=ACTOR,
        )
    return order


def claim_and_deliver(cart: Cart, queries, budget: int) -> None:
    holder, lane = "query-count", f"cart:{cart.pk}"
    leases.acquire(lane, holder, 15)
    connector = connector_for(cart)
    try:
        with queries(budget):
            [record] = stack_actions.claim(cart.pk, holder, lane, 1, 15)
            assert deliver(record, connector, holder) is True
    finally:
        connector.close()


def test_claiming_and_delivering_one_package_stays_within_its_budget(live_cart, ca, django_assert_max_num_queries):  # noqa: F811
    # given
    order = order_in_packages(live_cart, ca, 2)

    # when / then
    claim_and_deliver(live_cart, django_assert_max_num_queries, CLAIM_AND_DELIVER)
    assert StackRecord.objects.get(order=order).state == State.SENT
    assert len(ca.calls(route="ship")) == 1


def test_more_packages_add_no_lookup_per_package(live_cart, ca, django_assert_max_num_queries):  # noqa: F811
    # given one record for an order in four packages, all of one shipping method
    order = order_in_packages(live_cart, ca, 1, 2, 1, 3)
    assert StackRecord.objects.filter(order=order).count() == 1

    # when / then
    claim_and_deliver(live_cart, django_assert_max_num_queries, CLAIM_AND_DELIVER + 3 * PER_EXTRA_PACKAGE)
    assert StackRecord.objects.get(order=order).state == State.SENT
    assert len(ca.calls(route="ship")) == 4
    assert not order.shipments.filter(delivered_to_cart_at__isnull=True).exists()
