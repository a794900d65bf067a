"""The command line drives the whole flow; bad input ends in one clear line and exit code 2."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from ordermanager.orders.models import Order
from ordermanager.stack.models import StackRecord
from ordermanager.statuses.models import EventRule, StatusLabel

WEB = ("--script-url", "http://127.0.0.1:9/seom.php")
CA_IDS = ("--account-id", "11111111-2222-3333-4444-555555555555", "--profile-id", "12345678")


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as error:
        run(*args)
    assert error.value.returncode == 2
    return str(error.value)


@pytest.mark.django_db
def test_the_whole_flow_can_be_scripted():
    run("events", "load-defaults")
    run("params", "set", "usestatusupdates", "yes")
    run("carts", "add", "CA Store", "--type", "channeladvisor", *CA_IDS)
    created = run("order", "create", "--cart", "CA Store", "--channel-order-id", "77", "--item", "SKU-1:2:5.00:Mug")
    number = str(Order.objects.get().pk)
    assert f"Order {number} created" in created

    approved = run("order", "approve", number)
    assert "Order status: Order Received → Approved" in approved
    run("order", "ship-date", number, "--expected", "2026-12-01")
    added = run(
        "tracking", "add", number, "1Z9999", "--carrier", "UPS", "--class", "Ground", "--ship-date", "2026-11-26"
    )

    assert "Status update for CA Store queued on the stack" in added
    assert StackRecord.objects.count() == 1
    shown = run("order", "show", number)
    assert "Order Shipped" in shown
    assert "1Z9999" in shown
    assert "2026-12-01" in shown
    timeline = run("order", "timeline", number)
    assert "OrderAddTrackingNumber" in timeline
    assert "cli:" in timeline


@pytest.mark.django_db
def test_labels_and_rules_from_the_command_line():
    run("labels", "add", "Gift Wrapped")
    assert "Gift Wrapped" in run("labels", "list")
    out = run("events", "set", "OrderPick", "--order-label", "Gift Wrapped", "--notify-cart", "on")
    assert "Order Status Gift Wrapped" in out
    assert "Notify Cart yes" in out
    assert "Gift Wrapped" in run("events", "list")
    assert "OrderPick" in refused("labels", "delete", "Gift Wrapped", "--yes")
    assert "Renamed status label 'Gift Wrapped' to 'Wrapped'" in run("labels", "rename", "Gift Wrapped", "Wrapped")
    assert "Order Status Wrapped" in run("events", "set", "OrderPick")
    run("events", "set", "OrderPick", "--order-label", "")
    run("labels", "delete", "Wrapped", "--yes")
    assert not StatusLabel.objects.exists()
    assert EventRule.objects.get(event="OrderPick").notify_cart


@pytest.mark.django_db
def test_parameters_from_the_command_line():
    run("carts", "add", "CA Store", "--type", "channeladvisor", *CA_IDS)
    shown = run("params", "show", "ship")
    assert "TrackImportSetActualShipDate" in shown
    assert "SetActualShipDate" in shown
    assert "UseStatusUpdates" not in shown
    run("params", "set", "TrackingLookbackDays", "14")
    assert "14" in run("params", "show", "Lookback")
    run("params", "set", "UseStatusUpdates", "True", "--cart", "CA Store")
    assert "True (this cart)" in run("params", "show", "UseStatusUpdates", "--cart", "CA Store")
    assert "False" in run("params", "show", "UseStatusUpdates")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("order", "approve", "4242"), "order: there is no order number 4242"),
        (("order", "ship-date", "{order}", "--actual", "26/11/2026"), "actual: must be a date like 2026-11-27"),
        (("tracking", "add", "{order}", "1Z1111", "--carrier", "UPS", "--item", "SKU-404"), "item: 'SKU-404' is not"),
        (
            ("tracking", "add", "{order}", "1Z1111", "--carrier", "UPS", "--item", "SKU-1:-2"),
            "quantity: must be at least",
        ),
        (
            ("tracking", "add", "{order}", "1Z1111", "--carrier", "UPS", "--ship-date", "soon"),
            "ship_date: must be a date",
        ),
        (("order", "cancel-item", "{order}", "SKU-1", "--quantity", "many"), "quantity: must be a whole number"),
        (("labels", "add", "It's"), "label: a status label cannot contain single or double quotes"),
        (("labels", "add", "x" * 51), "label: a status label is at most 50 characters"),
        (("labels", "delete", "Ghost", "--yes"), "label: there is no status label 'Ghost'"),
        (("events", "set", "OrderApprove", "--order-label", "Ghost"), "label: there is no status label 'Ghost'"),
        (("params", "set", "UseStatusUpdates", "maybe"), "UseStatusUpdates: must be True or False"),
        (("params", "set", "TrackingLookbackDays", "0"), "TrackingLookbackDays: must be at least 1"),
        (("params", "set", "NoSuchThing", "1"), "parameter: there is no system parameter named 'NoSuchThing'"),
        (("params", "set", "TrackingLookbackDays", "3", "--cart", "Web"), "cannot be set per cart"),
        (("order", "create", "--item", "SKU-1:two"), "quantity: must be a whole number"),
        (("order", "create", "--item", "SKU-1:1", "--buyer", "b" * 201), "buyer_name: is at most 200 characters"),
        (("order", "create", "--item", "SKU-1:1", "--total", "1e20"), "total: must be less than 10,000,000,000"),
        (("carts", "add", "Web", "--type", "generic", *WEB), "store_name: a cart named 'Web' already exists"),
    ],
)
def test_bad_input_on_the_command_line(args, expected):
    run("carts", "add", "Web", "--type", "generic", *WEB)
    run("order", "create", "--item", "SKU-1:2")
    order = str(Order.objects.get().pk)
    before = (StatusLabel.objects.count(), Order.objects.get().timeline.count())

    message = refused(*(a.replace("{order}", order) for a in args))

    assert expected in message
    assert (StatusLabel.objects.count(), Order.objects.get().timeline.count()) == before


def test_the_console_command_prints_one_line_and_no_traceback(tmp_path):
    # a real process, as the operator runs it: the error is one line on stderr, exit code 2
    env = {**os.environ, "ORDERMANAGER_DATA": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    subprocess.run([sys.executable, "-m", "ordermanager", "migrate", "-v0"], env=env, check=True)
    result = subprocess.run(
        [sys.executable, "-m", "ordermanager", "labels", "add", 'Say "hi"'], env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        == "CommandError: label: a status label cannot contain single or double quotes: 'Say \"hi\"'"
    )
