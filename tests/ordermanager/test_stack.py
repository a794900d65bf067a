"""The stack controller against the sandbox over HTTP (issue: The stack).

These tests commit to the database (the controller's senders are threads or processes with their own
connections), so they use `transactional_db`.
"""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess
from ordermanager.carts.carriers import map_carrier
from ordermanager.carts.models import Cart
from ordermanager.inventory import actions as inventory
from ordermanager.orders import actions
from ordermanager.orders.importing import import_orders
from ordermanager.orders.models import Order, Shipment, TimelineEvent
from ordermanager.params import actions as params
from ordermanager.stack import actions as stack_actions
from ordermanager.stack import leases
from ordermanager.stack.controller import AnotherControllerRunning, Settings, StackController
from ordermanager.stack.models import OPEN_STATES, StackRecord, State
from ordermanager.statuses.actions import load_default_status_events
from tests.conftest import ACTOR, make_sandbox_cart, sandbox_order

FAST = {"poll_seconds": 0.02, "retry_base_seconds": 0.05, "imports": False, "handle_signals": False}


def drain(timeout: float = 60.0, **settings: object) -> None:
    """Run controllers (--once) until nothing is waiting or in flight."""
    deadline = time.monotonic() + timeout
    while StackRecord.objects.filter(state__in=[*OPEN_STATES, State.IN_FLIGHT]).exists():
        assert time.monotonic() < deadline, list(StackRecord.objects.values("id", "state", "last_error"))
        StackController(Settings(once=True, **{**FAST, **settings})).run()
        time.sleep(0.02)


@pytest.fixture
def live_cart(transactional_db: None, sandbox: SandboxProcess, ca: SandboxControl) -> Cart:
    params.set_parameter("UseStatusUpdates", "True")
    load_default_status_events()
    return make_sandbox_cart(sandbox)


def shipped_order(
    cart: Cart, ca: SandboxControl, number: str, *quantities: int, order_fields: dict | None = None, **tracking: object
) -> Order:
    """An order imported from the sandbox, with a tracking number added for all of it."""
    ca_id = sandbox_order(ca, *(quantities or (1,)), **(order_fields or {}))
    import_orders(cart)
    order = Order.objects.get(cart=cart, channel_order_id=str(ca_id))
    options = {"carrier": "UPS", "shipping_class": "Ground", **tracking}
    actions.add_tracking_number(order, number, actor=ACTOR, **options)
    return order


def ships_per_order(ca: SandboxControl) -> dict[int, int]:
    counts: dict[int, int] = {}
    for fulfillment in ca.fulfillments():
        counts[fulfillment["order_id"]] = counts.get(fulfillment["order_id"], 0) + 1
    return counts


def test_a_tracking_number_reaches_the_cart_once_and_the_timeline_says_so(live_cart, ca):
    order = shipped_order(live_cart, ca, "1ZSTACK0001")

    drain()

    record = StackRecord.objects.get(order=order)
    assert (record.state, record.attempts) == (State.SENT, 1)
    assert len(ca.calls(route="ship")) == 1
    assert ships_per_order(ca) == {int(order.channel_order_id): 1}
    assert Shipment.objects.get(order=order).delivered_to_cart_at is not None
    package = Shipment.objects.get(order=order)
    delivered = order.timeline.filter(kind=TimelineEvent.PACKAGE_DELIVERED).values_list("data", flat=True)
    assert list(delivered) == [{"stack_record": record.pk, "package": package.pk, "fulfillment": ""}]


def two_packages(cart: Cart, ca: SandboxControl, *packages: tuple[str, str, str]) -> tuple[int, Order]:
    """An imported two-line order, each line in a package of its own: (tracking, carrier, class) each."""
    ca_id = sandbox_order(ca, 1, 1)
    import_orders(cart)
    order = Order.objects.get(channel_order_id=str(ca_id))
    for item, (number, carrier, shipping_class) in zip(order.items.order_by("id"), packages, strict=True):
        actions.add_tracking_number(
            order, number, carrier=carrier, shipping_class=shipping_class, items=[(item.sku, 1)], actor=ACTOR
        )
    return ca_id, order


def test_a_burst_of_edits_becomes_one_call(live_cart, ca):
    ca_id, order = two_packages(live_cart, ca, ("1ZBURST01", "UPS", "Ground"), ("1ZBURST02", "UPS", "Ground"))

    drain()

    assert StackRecord.objects.filter(order=order).count() == 1
    assert len(ca.calls(route="ship")) == 2  # one call per package, both in the one record
    assert ca.order(ca_id)["ShippingStatus"] == "Shipped"


def test_a_bad_carrier_class_is_one_problem_after_one_attempt_then_retry_delivers_it(live_cart, ca):
    map_carrier(live_cart, "UPS", "Ground", "UPS", "Teleport")  # not on the account's carrier list
    order = shipped_order(live_cart, ca, "1ZBADMAP01")

    drain()

    record = StackRecord.objects.get(order=order)
    assert (record.state, record.attempts) == (State.PROBLEM, 1)
    assert "Carrier and Class is invalid." in record.last_error
    assert "Fulfill > Carriers" in record.fix_hint
    assert len(ca.calls(route="ship")) == 1  # no retry storm
    time.sleep(0.3)
    drain()
    assert len(ca.calls(route="ship")) == 1

    # when the operator fixes the mapping and retries the problem records
    map_carrier(live_cart, "UPS", "Ground", "UPS", "Ground")
    call_command("stack", "retry", "--problems", stdout=io.StringIO())
    drain()

    record.refresh_from_db()
    assert record.state == State.SENT
    assert ships_per_order(ca) == {int(order.channel_order_id): 1}
    assert order.timeline.filter(kind=TimelineEvent.STACK_RECORD_RETRIED, data__stack_record=record.pk).exists()


def test_an_unmapped_carrier_makes_a_problem_without_any_call(live_cart, ca):
    order = shipped_order(live_cart, ca, "1ZNOMAP01", carrier="DHL", shipping_class="Express")

    drain()

    record = StackRecord.objects.get(order=order)
    assert record.state == State.PROBLEM
    assert "map-carrier" in record.fix_hint
    assert ca.calls(route="ship") == []


def test_faults_of_every_kind_still_deliver_everything_exactly_once(live_cart, ca):
    # given 20% 5xx answers, ambiguous drops (applied, answer lost), a 429 burst and token expiry
    orders = [shipped_order(live_cart, ca, f"1ZCHAOS{n:04d}") for n in range(24)]
    ca.fault("ship", status=503, fraction=0.1, seed=1)
    ca.fault("ship", status=500, fraction=0.1, seed=2)
    ca.fault("ship", mode="drop_after_apply", fraction=0.15, seed=3)
    ca.fault("*", status=429, count=6, retry_after=1)
    ca.advance_clock(3601)

    drain(timeout=120)

    # then every order has exactly one fulfillment, and every record was sent
    assert ships_per_order(ca) == {int(o.channel_order_id): 1 for o in orders}
    assert set(StackRecord.objects.values_list("state", flat=True)) == {State.SENT}
    stats = ca.stats()
    assert stats["throttled"] >= 1
    retried = StackRecord.objects.filter(attempts__gt=1).count()
    assert retried >= 1


def test_partial_failure_keeps_the_delivered_package_delivered(live_cart, ca):
    ca_id, _ = two_packages(live_cart, ca, ("1ZHALF0001", "UPS", "Ground"), ("1ZHALF0002", "DHL", "Express"))

    drain()
    assert StackRecord.objects.get().state == State.PROBLEM  # DHL Express is not mapped
    map_carrier(live_cart, "DHL", "Express", "DHL", "Express")
    stack_actions.retry_records(actor=ACTOR, problems=True)
    drain()

    assert len(ca.fulfillments(order_id=ca_id)) == 2
    tracking = sorted(json.loads(c["body"])["Value"]["TrackingNumber"] for c in ca.calls(route="ship"))
    assert tracking == ["1ZHALF0001", "1ZHALF0002"]


def test_a_second_controller_on_sqlite_says_so_and_exits(live_cart):
    if connection.vendor != "sqlite":
        pytest.skip("on PostgreSQL several controllers run side by side (see the PostgreSQL test)")
    first = StackController(Settings(**FAST))
    first._claim_sqlite_slot()
    try:
        with pytest.raises(AnotherControllerRunning, match="only one may run"):
            StackController(Settings(**FAST)).run()
        with pytest.raises(CommandError, match=r"controller: A stack controller .* is already running"):
            call_command("stack", "run", "--once", stdout=io.StringIO())
    finally:
        leases.release("sqlite", first.holder)


def test_inventory_levels_reach_the_cart(live_cart, ca):
    params.set_parameter("SynchQOH", "True")
    from ordermanager.carts import actions as carts

    carts.edit_cart(live_cart, synchronize_inventory=True)
    inventory.set_stock("WID-001", 40)
    inventory.adjust_stock("WID-001", -3)  # coalesces with the count above: one call with the last level

    drain()

    [call] = ca.calls(route="update_quantity")
    value = json.loads(call["body"])["Value"]
    assert value["UpdateType"] == "Absolute"
    assert value["Updates"] == [{"DistributionCenterID": 1, "Quantity": 37}]
    assert StackRecord.objects.get().state == State.SENT


def test_tracking_email_goes_to_the_buyer(live_cart, ca, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    params.set_parameter("EmailTrackingToCustomer", "True")
    shipped_order(live_cart, ca, "1ZMAIL0001", order_fields={"BuyerEmailAddress": "ava@example.com"})

    drain()

    [message] = mail.outbox
    assert message.to == ["ava@example.com"]
    assert "1ZMAIL0001" in message.body


def test_operator_commands_show_the_stack(live_cart, ca):
    map_carrier(live_cart, "UPS", "Ground", "UPS", "Teleport")
    order = shipped_order(live_cart, ca, "1ZOPS00001")
    drain()
    record = StackRecord.objects.get()

    status = io.StringIO()
    call_command("stack", "status", stdout=status)
    assert "There is 1 record on the stack" in status.getvalue()
    assert "No stack controller is running" in status.getvalue()
    assert "1 problem record needs you" in status.getvalue()
    shown = io.StringIO()
    call_command("stack", "show", str(record.pk), stdout=shown)
    assert "Carrier and Class is invalid." in shown.getvalue()
    assert "Fulfill > Carriers" in shown.getvalue()

    call_command("stack", "clear", "--failed", stdout=io.StringIO())

    record.refresh_from_db()
    assert record.state == State.CLEARED
    assert order.timeline.filter(kind=TimelineEvent.PROBLEM_RECORD_CLEARED, data__stack_record=record.pk).exists()
    with pytest.raises(CommandError, match=r"record: record \d+ is cleared"):
        call_command("stack", "retry", str(record.pk), stdout=io.StringIO())


def test_metrics_are_served_for_prometheus(live_cart, ca, settings):
    settings.METRICS_TOKEN = "scrape-token"
    shipped_order(live_cart, ca, "1ZMETRIC01")
    drain()

    body = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").content.decode()

    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    labels = (("cart", "CA Sandbox"), ("kind", "status_update"))
    assert samples[("ordermanager_stack_sent_total", labels)] == 1
    assert samples[("ordermanager_stack_queued_total", labels)] == 1
    assert samples[("ordermanager_stack_records", (*labels, ("state", "sent")))] == 1
    assert samples[("ordermanager_stack_delivery_seconds_count", labels)] == 1
    assert "# TYPE ordermanager_stack_delivery_seconds histogram" in body


def test_claims_on_postgresql_skip_locked_rows(live_cart, ca):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite runs one controller")
    import threading

    for n in range(40):
        StackRecord.objects.create(kind="status_update", cart=live_cart, coalesce_key=f"test:{n}")
    lane = f"cart:{live_cart.pk}"
    leases.acquire(lane, "controller", 60)
    claimed: dict[int, list[int]] = {}
    barrier = threading.Barrier(4)

    def claimer(n: int) -> None:
        from django.db import connections

        barrier.wait()  # four connections claim at the same moment
        got = []
        while batch := stack_actions.claim(live_cart.pk, "controller", lane, 3, 60):
            got += [r.pk for r in batch]
        claimed[n] = got
        connections.close_all()

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    every = [pk for got in claimed.values() for pk in got]
    assert len(every) == len(set(every)) == 40


def test_retrying_a_waiting_record_sends_it_now_and_never_drops_it(live_cart, ca):
    order = shipped_order(live_cart, ca, "1ZWAIT0001")
    record = StackRecord.objects.get(order=order)
    StackRecord.objects.filter(pk=record.pk).update(state=State.RETRY, next_attempt_at="2099-01-01T00:00:00Z")

    stack_actions.retry_records(actor=ACTOR, ids=[record.pk])

    record.refresh_from_db()
    assert record.state == State.RETRY
    assert record.next_attempt_at.year < 2099
    drain()
    assert ships_per_order(ca) == {int(order.channel_order_id): 1}


def test_a_sender_whose_claim_ran_out_does_not_send(live_cart, ca):
    from ordermanager.carts.connectors.registry import connector_for
    from ordermanager.stack.delivery import deliver

    # given a record claimed by a controller that then stalled, and was taken over by another
    order = shipped_order(live_cart, ca, "1ZSTALE001")
    leases.acquire(f"cart:{live_cart.pk}", "stalled", 15)
    [record] = stack_actions.claim(live_cart.pk, "stalled", f"cart:{live_cart.pk}", 1, 15)
    StackRecord.objects.filter(pk=record.pk).update(claimed_by="the-new-holder")
    connector = connector_for(live_cart)

    # when the stalled sender wakes up and tries to deliver it
    try:
        outcome = deliver(record, connector, "stalled")
    finally:
        connector.close()

    # then nothing left for the cart, and the record stays with the controller that holds it now
    assert outcome is None
    assert ca.calls(route="ship") == []
    record.refresh_from_db()
    assert (record.state, record.claimed_by) == (State.IN_FLIGHT, "the-new-holder")
    assert order.shipments.get().delivered_to_cart_at is None


def test_a_record_whose_claim_ran_out_is_recovered_and_delivered_once(live_cart, ca):
    order = shipped_order(live_cart, ca, "1ZSTUCK001")
    # a sender that died in flight: its claim is not renewed any more
    StackRecord.objects.filter(order=order).update(
        state=State.IN_FLIGHT, claimed_by="dead:1:x", claimed_until="2000-01-01T00:00:00Z", attempts=1
    )

    drain()

    assert StackRecord.objects.get(order=order).state == State.SENT
    assert ships_per_order(ca) == {int(order.channel_order_id): 1}
    assert len(ca.calls(route="fulfillments_list")) == 1  # it asked the cart first


def test_the_second_box_of_one_line_reaches_the_cart(live_cart, ca):
    ca_id = sandbox_order(ca, 2)
    import_orders(live_cart)
    order = Order.objects.get(channel_order_id=str(ca_id))
    sku = order.items.get().sku
    for number in ("1ZBOX00001", "1ZBOX00002"):
        actions.add_tracking_number(
            order, number, carrier="UPS", shipping_class="Ground", items=[(sku, 1)], actor=ACTOR
        )
        drain()

    tracking = sorted(json.loads(c["body"])["Value"]["TrackingNumber"] for c in ca.calls(route="ship"))
    assert tracking == ["1ZBOX00001", "1ZBOX00002"]
    assert ca.order(ca_id)["ShippingStatus"] == "Shipped"
    assert order.timeline.filter(kind=TimelineEvent.PACKAGE_NEWS_QUEUED, data__event="OrderAddTrackingNumber").exists()


def test_an_order_shipped_elsewhere_becomes_a_problem_not_an_endless_retry(live_cart, ca):
    from ordermanager.carts.connectors.registry import connector_for

    order = shipped_order(live_cart, ca, "1ZOURS0001")
    connector = connector_for(live_cart)
    connector.client.request(
        "POST",
        f"/v1/Orders({order.channel_order_id})/Ship",
        json={
            "Value": {
                "TrackingNumber": "1ZTHEIRS01",
                "ShippingCarrier": "UPS",
                "ShippingClass": "Ground",
                "DeliveryStatus": "Complete",
                "ShippedDateUtc": "2026-11-25T10:00:00Z",
            }
        },
    )
    connector.close()

    drain()

    record = StackRecord.objects.get(order=order)
    assert record.state == State.PROBLEM
    assert "shipped elsewhere" in record.fix_hint


def test_records_for_a_cart_made_inactive_become_problems_and_once_returns(live_cart, ca):
    from ordermanager.carts import actions as carts

    shipped_order(live_cart, ca, "1ZIDLE0001")
    carts.edit_cart(live_cart, active=False)

    drain(timeout=20)

    record = StackRecord.objects.get()
    assert record.state == State.PROBLEM
    assert "is not active" in record.last_error
    assert "--active on" in record.fix_hint
    assert ca.calls(route="ship") == []


def test_secrets_that_cannot_be_decrypted_are_a_problem_to_fix_not_a_crash(live_cart, ca, settings):
    from cryptography.fernet import Fernet

    from ordermanager.carts.models import ChannelAdvisorAccount

    order = shipped_order(live_cart, ca, "1ZKEY00001")
    # the secrets were stored under another installation's key
    foreign = Fernet(Fernet.generate_key()).encrypt(b"secret").decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE carts_channeladvisoraccount SET shared_secret = %s", [foreign])

    shown = io.StringIO()
    call_command("carts", "show", live_cart.store_name, stdout=shown)
    assert re.search(r"Shared Secret: +\(cannot be decrypted", shown.getvalue())
    drain()
    record = StackRecord.objects.get(order=order)
    assert record.state == State.PROBLEM
    assert "--ask-secrets" in record.fix_hint

    # entering the secret again mends it
    from ordermanager.carts import actions as carts

    carts.edit_cart(live_cart, shared_secret=demo.SHARED_SECRET)
    assert ChannelAdvisorAccount.objects.get(cart=live_cart).shared_secret == demo.SHARED_SECRET
    stack_actions.retry_records(actor=ACTOR, problems=True)
    drain()
    assert StackRecord.objects.get(order=order).state == State.SENT
