"""`ordermanager doctor --order`: for each reason an update does not reach the cart, the test sets it up and
the doctor names it, stops there, and gives the fix. The order page's panel reads the same chain."""

from __future__ import annotations

import io
import json
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from ordermanager import cli
from ordermanager.carts import actions as carts
from ordermanager.carts.carriers import map_carrier, unmap_carrier
from ordermanager.carts.connectors.base import ErrorKind
from ordermanager.carts.models import Cart
from ordermanager.orders import actions
from ordermanager.orders.diagnosis import diagnose
from ordermanager.orders.models import Order
from ordermanager.params import actions as params
from ordermanager.stack import actions as stack_actions
from ordermanager.stack import leases
from ordermanager.statuses.actions import TRACKING_EVENT, load_default_status_events, set_event_rule
from tests.conftest import ACTOR, make_sandbox_cart, new_order
from tests.ordermanager.web.conftest import fail_records


def run_doctor(*options: str) -> tuple[int, str]:
    """The exit status (0, or 1 when something is broken) and what the doctor printed."""
    out = io.StringIO()
    try:
        call_command("doctor", *options, stdout=out, no_color=True)
    except CommandError as error:
        if error.returncode != 1:
            raise
        return 1, out.getvalue()
    return 0, out.getvalue()


def doctor(order: Order, *options: str) -> str:
    return run_doctor("--order", str(order.pk), *options)[1]


def broken(order: Order, *options: str) -> tuple[str, str]:
    """The broken link's line and its fix; it is the last link printed (the doctor stops there)."""
    code, text = run_doctor("--order", str(order.pk), "--no-test-settings", *options)
    lines = text.splitlines()
    assert code == (0 if lines[-2].startswith("NOT YET") else 1), "exit 1 for a broken link, 0 for 'not yet'"
    at = next(n for n, line in enumerate(lines) if line.startswith(("BROKEN", "NOT YET")))
    assert len(lines) == at + 2, f"the doctor stops at the first broken link, with its fix: {lines}"
    fix = lines[at + 1].strip()
    assert fix.startswith("To fix: "), lines
    return lines[at], fix


def ship(order: Order, carrier: str = "UPS", number: str = "1ZDIAG0001", process: bool = True) -> None:
    actions.add_tracking_number(order, number, actor=ACTOR, carrier=carrier, shipping_class="Ground", process=process)


@pytest.fixture
def shipped(status_updates: None, ca_cart: Cart) -> Order:
    """An order of the ChannelAdvisor cart with a tracking number for all of it, its carrier mapped."""
    map_carrier(ca_cart, "UPS", "Ground", "UPS", "Ground")
    order = new_order(ca_cart)
    ship(order)
    return order


def drive(cart: Cart) -> None:
    """What a running controller holds: its heartbeat lease and the cart's lane."""
    assert leases.acquire("controller:doc", "doc", 60)
    assert leases.acquire(f"cart:{cart.pk}", "doc", 60)


# --- the causes, in the chain's order ----------------------------------------------------------


def test_an_order_entered_by_hand_has_no_cart(status_updates: None) -> None:
    link, fix = broken(new_order(None))
    assert "BROKEN  Order from a cart: This order was entered by hand" in link
    assert "tell the buyer yourself" in fix


def test_a_channeladvisor_order_without_its_order_id(status_updates: None, ca_cart: Cart) -> None:
    order = actions.receive_order([actions.NewItem(sku="A", quantity=1)], actor=ACTOR, cart=ca_cart)
    link, fix = broken(order)
    assert "has no ChannelAdvisor order ID" in link
    assert fix == "To fix: Ship it in the cart by hand."


def test_use_status_updates_off_globally(ca_cart: Cart) -> None:
    load_default_status_events()
    order = new_order(ca_cart)
    ship(order)
    link, fix = broken(order)
    assert "BROKEN  Status event fired: No status event has fired on this order: UseStatusUpdates is off" in link
    assert fix == "To fix: Turn it on: ordermanager params set UseStatusUpdates True"


def test_use_status_updates_off_for_this_cart(shipped: Order, ca_cart: Cart) -> None:
    params.set_parameter("UseStatusUpdates", "False", cart=ca_cart)
    link, fix = broken(shipped)
    assert "BROKEN  UseStatusUpdates: UseStatusUpdates is on globally but off for Channel Store" in link
    assert "ordermanager params reset UseStatusUpdates --cart 'Channel Store'" in fix


def test_no_event_has_notify_cart(status_updates: None, ca_cart: Cart) -> None:
    set_event_rule(TRACKING_EVENT, notify_cart=False)
    order = new_order(ca_cart)
    ship(order)
    link, fix = broken(order)
    assert "No status event has Notify Cart ticked" in link
    assert f"ordermanager events set {TRACKING_EVENT} --notify-cart on" in fix


def test_a_tracking_number_not_processed_yet(status_updates: None, ca_cart: Cart) -> None:
    order = new_order(ca_cart)
    ship(order, process=False)
    link, fix = broken(order)
    assert "tracking number 1ZDIAG0001 is not processed" in link
    assert fix == "To fix: Run Process Tracking Numbers: ordermanager tracking process"


def test_nothing_to_send_yet_is_not_a_fault(status_updates: None, ca_cart: Cart) -> None:
    order = new_order(ca_cart)
    link, fix = broken(order)
    assert "NOT YET Rule's labels and Notify Cart: Nothing to send yet: ChannelAdvisor is told" in link
    assert fix == "To fix: Add the tracking number when the order ships."
    assert diagnose(order).level == "waiting"


def test_the_events_that_fired_do_not_notify_the_cart(status_updates: None, generic_cart: Cart) -> None:
    order = new_order(generic_cart)
    actions.approve_order(order, actor=ACTOR)
    link, fix = broken(order)
    assert f"Notify Cart is ticked only on {TRACKING_EVENT}, and none of those has fired" in link
    assert "(fired: OrderImport, OrderApprove)" in link
    assert "ordermanager events set OrderApprove --notify-cart on" in fix


def test_a_notifying_rule_that_sets_no_label(status_updates: None, generic_cart: Cart) -> None:
    set_event_rule("OrderApprove", notify_cart=True, order_label="", item_label="")
    order = new_order(generic_cart)
    actions.approve_order(order, actor=ACTOR)
    link, fix = broken(order)
    assert "OrderApprove notifies the cart but sets no label" in link
    assert "ordermanager events set OrderApprove --order-label LABEL" in fix


def test_channeladvisors_tracking_rule(db: None) -> None:
    params.set_parameter("UseStatusUpdates", "True")
    load_default_status_events()
    set_event_rule(TRACKING_EVENT, notify_cart=False)
    set_event_rule("OrderShip", notify_cart=True)
    cart = carts.add_cart("CA", "channeladvisor", account_id="11111111-2222-3333-4444-555555555555", profile_id=1)
    map_carrier(cart, "UPS", "Ground", "UPS", "Ground")
    order = new_order(cart)
    ship(order)
    link, fix = broken(order)
    assert "BROKEN  ChannelAdvisor's tracking rule" in link
    assert "Notify Cart is ticked only on OrderShip" in link
    assert f"Tick Notify Cart on {TRACKING_EVENT}" in fix


def test_the_label_did_not_change(status_updates: None, generic_cart: Cart) -> None:
    set_event_rule("OrderApprove", notify_cart=True, order_label="Approved")
    order = new_order(generic_cart)
    actions.approve_order(order, actor=ACTOR)
    actions.fire_status_event(order, "OrderApprove", actor=ACTOR)  # the order has that label already
    link, fix = broken(order)
    assert "BROKEN  Label changed: OrderApprove fired but changed no label" in link
    assert "Give OrderApprove labels no earlier event sets" in fix


def test_a_problem_record(shipped: Order, ca_cart: Cart) -> None:
    (record,) = fail_records(ca_cart.pk, ErrorKind.PERMANENT, "ChannelAdvisor refused UPS/Ground", "add it there")
    link, fix = broken(shipped)
    assert f"BROKEN  Stack record: Stack record {record.pk} is a problem record: ChannelAdvisor refused" in link
    assert fix == f"To fix: add it there; then retry it: ordermanager stack retry {record.pk}"


def test_an_unmapped_carrier(status_updates: None, ca_cart: Cart) -> None:
    # a mapping removed after the package was entered (entering it unmapped is refused at once)
    map_carrier(ca_cart, "DHL", "Ground", "DHL", "Ground")
    order = new_order(ca_cart)
    ship(order, carrier="DHL")
    unmap_carrier(ca_cart, "DHL", "Ground")
    link, fix = broken(order)
    assert "DHL Ground has no ChannelAdvisor carrier and class mapped for Channel Store" in link
    assert "ordermanager carts map-carrier 'Channel Store' 'DHL' 'Ground' CARRIER CLASS" in fix


def test_an_inactive_cart(shipped: Order, ca_cart: Cart) -> None:
    carts.edit_cart(ca_cart, active=False)
    link, fix = broken(Order.objects.select_related("cart").get(pk=shipped.pk))
    assert "BROKEN  Cart settings: Cart Channel Store is not active." in link
    assert "--active on" in fix


def test_send_status_to_web_unticked(shipped: Order, ca_cart: Cart) -> None:
    carts.edit_cart(ca_cart, send_status_to_web=False)
    link, fix = broken(Order.objects.select_related("cart").get(pk=shipped.pk))
    assert "Send Status to Web is unticked on cart Channel Store" in link
    assert "--send-status-to-web on" in fix


def test_secrets_that_cannot_be_decrypted(shipped: Order) -> None:
    foreign = Fernet(Fernet.generate_key()).encrypt(b"secret").decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE carts_channeladvisoraccount SET shared_secret = %s", [foreign])
    link, fix = broken(Order.objects.select_related("cart").get(pk=shipped.pk))
    assert "shared_secret of cart Channel Store cannot be decrypted" in link
    assert "--ask-secrets" in fix


@pytest.mark.django_db(transaction=True)
def test_test_settings_failing(status_updates: None) -> None:
    # given: a cart whose API address answers nothing (a closed port on loopback)
    cart = carts.add_cart(
        "Closed",
        "channeladvisor",
        account_id="11111111-2222-3333-4444-555555555555",
        profile_id=1,
        api_base_url="http://127.0.0.1:9",
        application_id="app",
        shared_secret="secret",
        refresh_token="token",
    )
    map_carrier(cart, "UPS", "Ground", "UPS", "Ground")
    order = new_order(cart)
    ship(order)
    # when
    lines = doctor(order).splitlines()
    # then
    assert lines[-2].startswith("BROKEN  Cart settings: Test Settings failed for Closed:")
    assert lines[-1].startswith("        To fix: ")


@pytest.mark.django_db(transaction=True)
def test_no_controller_after_test_settings_passed(status_updates: None, sandbox, ca) -> None:
    cart = make_sandbox_cart(sandbox)
    order = new_order(cart)
    ship(order)
    lines = doctor(order).splitlines()
    assert lines[-3].startswith(
        "ok      Cart settings: CA Sandbox is active, its secrets are readable, Test Settings passed"
    )
    assert lines[-2] == "BROKEN  Stack controller: No stack controller is running: nothing is sent to any cart."
    assert (
        lines[-1]
        == "        To fix: Start one: ordermanager stack run (or check the service that runs it, and its log)."
    )


def test_a_controller_that_does_not_drive_this_cart(shipped: Order, ca_cart: Cart) -> None:
    assert leases.acquire("controller:other", "other", 60)
    link, fix = broken(shipped)
    assert "1 stack controller running, but none drives cart Channel Store" in link
    assert "restart the controllers" in fix


def test_a_backoff_now(shipped: Order, ca_cart: Cart) -> None:
    (record,) = fail_records(ca_cart.pk, ErrorKind.TRANSIENT, "ChannelAdvisor answered 503")
    drive(ca_cart)
    link, fix = broken(shipped)
    assert f"BROKEN  Rate limit and backoff: Record {record.pk} is waiting out a backoff after attempt 1" in link
    assert f"ordermanager stack retry {record.pk}" in fix


def test_a_rate_limit_now(shipped: Order, ca_cart: Cart) -> None:
    fail_records(ca_cart.pk, ErrorKind.RATE_LIMITED, "ChannelAdvisor answered 429")
    drive(ca_cart)
    link, fix = broken(shipped)
    assert "The cart is rate-limiting this account" in link
    assert "CartRequestsPerMinute" in fix


def test_the_chain_ends_once_everything_was_sent(shipped: Order, ca_cart: Cart, settings) -> None:
    settings.TIME_ZONE = "Asia/Tokyo"  # times are shown in the operator's zone
    drive(ca_cart)
    (record,) = stack_actions.claim(ca_cart.pk, "doc", f"cart:{ca_cart.pk}", 10, 60)
    package = shipped.shipments.get()
    delivered = stack_actions.Delivered(package.pk, "shipped", "F1")
    stack_actions.record_sent([stack_actions.Sent(record, "", timezone.now(), delivered)], "doc", ACTOR)
    text = doctor(shipped, "--no-test-settings")
    assert "BROKEN" not in text
    record.refresh_from_db()
    sent = record.sent_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (
        f"ok      Stack record: Stack record {record.pk} was sent to Channel Store at {sent:%Y-%m-%d %H:%M:%S} JST."
        in text
    )
    assert text.endswith("Everything of this order reached its cart.\n")
    assert diagnose(shipped).level == "ok"


def test_a_wrong_order_number_is_one_line(db: None) -> None:
    with pytest.raises(CommandError, match="order: there is no order number 999"):
        call_command("doctor", "--order", "999")


@pytest.mark.parametrize("budget", [16])
def test_diagnosis_reads_a_bounded_number_of_queries(
    status_updates: None, ca_cart: Cart, django_assert_max_num_queries, budget: int
) -> None:
    map_carrier(ca_cart, "UPS", "Ground", "UPS", "Ground")
    order = new_order(ca_cart, ("A", 3), ("B", 3))
    for n in range(3):
        actions.add_tracking_number(
            order, f"1ZQ{n:05d}", actor=ACTOR, carrier="UPS", shipping_class="Ground", items=[("A", 1), ("B", 1)]
        )
    order = Order.objects.select_related("cart").get(pk=order.pk)
    with django_assert_max_num_queries(budget):
        diagnose(order)


# --- bulk: a cart, or the whole system -----------------------------------------------------------


def bulk(*options: str) -> str:
    return run_doctor("--no-test-settings", *options)[1]


def test_the_whole_system_without_a_controller(shipped: Order, ca_cart: Cart, generic_cart: Cart) -> None:
    # given: two problem records of one cause on the ChannelAdvisor cart, and nothing running
    second = new_order(ca_cart)
    ship(second, number="1ZDIAG0002")
    fail_records(ca_cart.pk, ErrorKind.PERMANENT, "ChannelAdvisor refused UPS/Ground", "add it there")
    carts.set_aside_order(ca_cart, "777", "the order has no items", {"ID": 777}, "f" * 64)
    # when
    text = bulk()
    # then
    assert "BROKEN  Stack controllers: No stack controller is running." in text
    assert "BROKEN  Stack controller: No stack controller is running" in text
    assert "2 problem records on Channel Store: ChannelAdvisor refused UPS/Ground" in text
    assert "To fix: add it there; then ordermanager stack retry --problems" in text
    assert (
        "Channel Store: 0 records waiting; last import: never finished; 1 order set aside: ordermanager import-problems"
        in text
    )
    assert "Web Store: 0 records waiting; last import: does not import orders" in text
    assert "Oldest waiting record: none waiting" in text


def test_one_cart_driven_with_a_backlog(shipped: Order, ca_cart: Cart, generic_cart: Cart) -> None:
    drive(ca_cart)
    text = bulk("--cart", "channel store")
    assert "ok      Stack controllers: 1 running: doc." in text
    assert "ok      Stack controller: Controller doc drives Channel Store" in text
    assert f"Leases held: cart:{ca_cart.pk} by doc" in text
    assert "Channel Store: 1 record waiting; last import: never finished" in text
    assert "Oldest waiting record: 0 s old" in text
    assert "Web Store" not in text
    assert "Problem records: none" in text


def test_an_unknown_cart_is_one_line(db: None) -> None:
    with pytest.raises(CommandError, match="cart: there is no cart named 'Nope'"):
        call_command("doctor", "--cart", "Nope")


# --- for scripts and monitoring: --json and the exit status ------------------------------------


def doctor_json(*options: str) -> tuple[int, dict]:
    code, text = run_doctor("--no-test-settings", "--json", *options)
    return code, json.loads(text)


def test_json_of_a_broken_chain_lists_its_links(shipped: Order, ca_cart: Cart) -> None:
    code, data = doctor_json("--order", str(shipped.pk))
    assert code == 1
    assert data["order"] == shipped.pk
    assert data["ok"] is False
    assert data["reached"] is False
    assert [set(link) for link in data["links"]] == [{"name", "state", "message", "fix"}] * len(data["links"])
    assert [link["state"] for link in data["links"]] == ["ok"] * (len(data["links"]) - 1) + ["broken"]
    assert data["links"][-1] == {
        "name": "Stack controller",
        "state": "broken",
        "message": "No stack controller is running: nothing is sent to any cart.",
        "fix": "Start one: ordermanager stack run (or check the service that runs it, and its log).",
    }


def test_json_of_nothing_to_send_yet_exits_0(status_updates: None, ca_cart: Cart) -> None:
    code, data = doctor_json("--order", str(new_order(ca_cart).pk))
    assert code == 0
    assert data["ok"] is True
    assert data["links"][-1]["state"] == "not yet"


def test_json_of_a_chain_that_reached_the_cart_exits_0(shipped: Order, ca_cart: Cart) -> None:
    drive(ca_cart)
    (record,) = stack_actions.claim(ca_cart.pk, "doc", f"cart:{ca_cart.pk}", 10, 60)
    package = shipped.shipments.get()
    delivered = stack_actions.Delivered(package.pk, "shipped", "F1")
    stack_actions.record_sent([stack_actions.Sent(record, "", timezone.now(), delivered)], "doc", ACTOR)
    code, data = doctor_json("--order", str(shipped.pk))
    assert code == 0
    assert data["ok"] is True
    assert data["reached"] is True
    assert {link["state"] for link in data["links"]} == {"ok"}


def test_json_of_the_whole_system(shipped: Order, ca_cart: Cart, generic_cart: Cart) -> None:
    fail_records(ca_cart.pk, ErrorKind.PERMANENT, "ChannelAdvisor refused UPS/Ground", "add it there")
    carts.set_aside_order(ca_cart, "777", "the order has no items", {"ID": 777}, "f" * 64)
    code, data = doctor_json()
    assert code == 1
    assert data["ok"] is False
    assert data["checks"] == [
        {
            "name": "Stack controllers",
            "state": "broken",
            "message": "No stack controller is running.",
            "fix": "Start one: ordermanager stack run (or check the service that runs it, and its log).",
        }
    ]
    assert data["controllers"] == []
    assert data["problems"] == [
        {"cart": "Channel Store", "error": "ChannelAdvisor refused UPS/Ground", "fix": "add it there", "records": 1}
    ]
    channel, web = sorted(data["carts"], key=lambda c: c["cart"])
    assert channel["cart"] == "Channel Store"
    assert channel["set_aside"] == 1
    assert channel["waiting"] == 0
    assert channel["last_import"] == {"ok": None, "finished_at": None, "downloaded": 0, "imported": 0, "error": ""}
    assert [(link["name"], link["state"]) for link in channel["checks"]] == [
        ("Cart settings", "ok"),
        ("Stack controller", "broken"),
    ]
    assert web["last_import"] is None  # a Generic cart imports no orders
    assert "1 problem record on Channel Store: ChannelAdvisor refused UPS/Ground" in data["needs_operator"]
    assert "Channel Store: 1 order set aside at import" in data["needs_operator"]


def test_json_times_are_local(shipped: Order, ca_cart: Cart, settings) -> None:
    # given: the operator's zone is New York (the record was created in UTC)
    settings.TIME_ZONE = "America/New_York"
    drive(ca_cart)
    # when
    code, data = doctor_json("--cart", "Channel Store")
    # then
    assert code == 0
    created = shipped.stack_records.get().created_at
    assert data["oldest_waiting"] == created.astimezone(ZoneInfo("America/New_York")).isoformat()
    assert data["leases"][0]["name"] == f"cart:{ca_cart.pk}"
    assert data["carts"][0]["oldest_waiting"].endswith(("-05:00", "-04:00"))
    local = created.astimezone(ZoneInfo("America/New_York"))
    assert f"({local:%Y-%m-%d %H:%M:%S %Z})" in bulk("--cart", "Channel Store")  # the text says so too


def test_a_driven_cart_with_a_backlog_is_healthy(shipped: Order, ca_cart: Cart) -> None:
    # a backlog alone is no fault: a running controller works it off
    drive(ca_cart)
    code, data = doctor_json("--cart", "Channel Store")
    assert code == 0
    assert data["ok"] is True
    assert data["needs_operator"] == []
    assert data["carts"][0]["waiting"] == 1


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # A command closes the database connections when it ends, as a process would; in-process, that would close the
    # test's transaction, so here the connection stays open.
    monkeypatch.setattr(connections, "close_all", lambda: None)


@pytest.mark.usefixtures("in_process")
def test_the_console_command_exits_1_with_one_line_when_broken(
    shipped: Order, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.run(["doctor", "--order", str(shipped.pk), "--no-test-settings", "--json"])
    captured = capsys.readouterr()
    assert code == 1
    assert json.loads(captured.out)["links"][-1]["state"] == "broken"  # standard output stays pure JSON
    assert captured.err == f"CommandError: order {shipped.pk}: Stack controller is broken\n"


@pytest.mark.usefixtures("in_process")
def test_the_console_command_exits_0_when_everything_holds(
    shipped: Order, ca_cart: Cart, capsys: pytest.CaptureFixture[str]
) -> None:
    drive(ca_cart)
    assert cli.run(["doctor", "--cart", "Channel Store", "--no-test-settings"]) == 0
    captured = capsys.readouterr()
    assert "ok      Stack controller: Controller doc drives Channel Store" in captured.out
    assert captured.err == ""


@pytest.mark.usefixtures("in_process")
def test_the_console_command_exits_2_for_bad_input(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["doctor", "--order", "9" * 5000, "--json"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
