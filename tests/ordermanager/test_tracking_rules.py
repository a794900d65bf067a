"""The tracking-number rules (issue 10) through the action and the `tracking add` command."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ordermanager.errors import InputError
from ordermanager.orders import actions, tracking_rules
from ordermanager.orders.models import TrackingNumber
from tests.conftest import ACTOR, new_order

pytestmark = pytest.mark.usefixtures("status_updates")


def cli(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.parametrize("text", ["1z999aa10123456784", "1Z 999 AA1 0123 456784", "1z-999-aa1-0123456784"])
def test_a_number_on_another_order_is_refused_whatever_its_case_spaces_or_dashes(ca_cart, text):
    first, second = new_order(ca_cart), new_order(ca_cart)
    actions.add_tracking_number(first, "1Z999AA10123456784", carrier="UPS", actor=ACTOR)

    with pytest.raises(InputError) as refused:
        actions.add_tracking_number(second, text, carrier="UPS", actor=ACTOR)

    assert refused.value.field == "tracking_number"
    assert f"already on order {first.pk}" in refused.value.message
    assert not second.shipments.exists()


def test_a_case_only_duplicate_on_the_same_order_is_refused(ca_cart):
    order = new_order(ca_cart, ("SKU-1", 1), ("SKU-2", 1))
    actions.add_tracking_number(order, "1ZCASE01", carrier="UPS", items=[("SKU-1", 1)], actor=ACTOR)

    with pytest.raises(InputError, match=f"already on order {order.pk}"):
        actions.add_tracking_number(order, "1zcase01", carrier="UPS", items=[("SKU-2", 1)], actor=ACTOR)

    assert TrackingNumber.objects.filter(normalized="1ZCASE01").count() == 1


def test_the_cli_refuses_a_duplicate_across_orders_and_takes_it_when_marked_shared(ca_cart):
    first, second = new_order(ca_cart), new_order(ca_cart)
    cli("tracking", "add", str(first.pk), "1ZSHARED1", "--carrier", "UPS")

    with pytest.raises(CommandError) as refused:
        cli("tracking", "add", str(second.pk), "1zshared1", "--carrier", "UPS")
    assert refused.value.returncode == 2
    assert f"already on order {first.pk}" in str(refused.value)

    out = cli("tracking", "add", str(second.pk), "1ZSHARED1", "--carrier", "UPS", "--shared")
    assert f"added to order {second.pk}" in out
    assert TrackingNumber.objects.get(order=second).shared


def test_an_unmapped_method_on_a_channeladvisor_order_is_refused_with_the_fix(ca_cart):
    order = new_order(ca_cart)

    with pytest.raises(InputError) as refused:
        actions.add_tracking_number(order, "1ZDHL0009", carrier="DHL", shipping_class="Express", actor=ACTOR)

    assert refused.value.field == "carrier"
    assert "carts map-carrier 'Channel Store' 'DHL' 'Express'" in refused.value.message
    assert not order.shipments.exists()


def test_an_unmapped_method_on_a_generic_cart_is_taken_with_a_warning(generic_cart):
    order = new_order(generic_cart)

    tracking = actions.add_tracking_number(order, "1ZGEN0001", carrier="DHL", shipping_class="Express", actor=ACTOR)

    assert tracking.warnings == [
        "DHL Express has no mapping for cart Web Store; a Generic (Order Manager Developer Specification) cart gets "
        "it as typed"
    ]
    assert order.timeline.filter(message__startswith="Warning: DHL Express has no mapping").exists()


@pytest.mark.parametrize(("days", "words"), [(-45, "days ago"), (10, "days ahead")])
def test_a_ship_date_far_away_warns(ca_cart, days, words):
    order = new_order(ca_cart)
    shipped = timezone.now() + dt.timedelta(days=days)

    out = cli("tracking", "add", str(order.pk), "1ZDATE0001", "--carrier", "UPS", "--ship-date", shipped.isoformat())

    assert f"Warning: ship date {shipped:%Y-%m-%d} is more than" in out
    assert words in out


def test_normalize_ignores_case_spaces_and_dashes():
    assert tracking_rules.normalize(" 1z-999 aa1 ") == "1Z999AA1"
