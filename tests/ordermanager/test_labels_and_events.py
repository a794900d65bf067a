"""Status labels (List Maintenance), the event catalogue and Load Default Status Events."""

from __future__ import annotations

import pytest

from ordermanager.errors import InputError
from ordermanager.statuses import actions as statuses
from ordermanager.statuses.catalogue import EVENTS, Scope
from ordermanager.statuses.models import EventRule, StatusLabel


def test_catalogue_covers_the_life_cycle_with_at_least_25_events():
    assert len(EVENTS) >= 25
    assert {e.scope for e in EVENTS.values()} == {Scope.ORDER, Scope.ITEM}
    for needed in (
        "OrderAddTrackingNumber",
        "ItemSetActualShipDate",
        "OrderImport",
        "OrderApprove",
        "OrderLogPayment",
        "OrderHold",
        "OrderRelease",
        "ItemAdd",
        "ItemCancel",
        "ItemBackorder",
        "ItemChange",
        "OrderSetExpectedShipDate",
        "ItemSetExpectedShipDate",
        "OrderShip",
        "ItemDropShipOrdered",
        "ItemDropShipCanceled",
        "ItemReturn",
        "OrderCancel",
    ):
        assert needed in EVENTS
    for event in EVENTS.values():
        assert event.id[0].isupper()
        assert " " not in event.id
        assert event.name
        assert event.occurs_when
    assert EVENTS["OrderAddTrackingNumber"].carries_tracking
    assert not EVENTS["ItemSetActualShipDate"].carries_tracking


@pytest.mark.django_db
def test_every_event_has_a_row_in_the_grid():
    assert set(EventRule.objects.values_list("event", flat=True)) == set(EVENTS)


@pytest.mark.django_db
def test_users_cannot_add_events():
    with pytest.raises(InputError, match="events are fixed"):
        statuses.set_event_rule("OrderTeleport", notify_cart=True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("Don't ship", "quotes"),
        ('The "best"', "quotes"),
        ("x" * 51, "at most 50"),
        ("   ", "empty"),
    ],
)
def test_bad_labels_are_refused_with_the_rule(name, rule):
    with pytest.raises(InputError) as refused:
        statuses.add_label(name)
    assert refused.value.field == "label"
    assert rule in refused.value.message
    assert not StatusLabel.objects.exists()


@pytest.mark.django_db
def test_labels_are_unique_and_50_characters_are_allowed():
    statuses.add_label("x" * 50)
    with pytest.raises(InputError, match="already exists"):
        statuses.add_label("x" * 50)


@pytest.mark.django_db
def test_deleting_a_label_a_rule_uses_is_refused_naming_the_rule():
    statuses.add_label("Shipped!")
    statuses.set_event_rule("OrderShip", order_label="Shipped!")
    statuses.set_event_rule("ItemShip", item_label="Shipped!")

    with pytest.raises(InputError) as refused:
        statuses.delete_label("Shipped!")

    assert "ItemShip" in refused.value.message
    assert "OrderShip" in refused.value.message
    assert StatusLabel.objects.filter(name="Shipped!").exists()


@pytest.mark.django_db
def test_unused_label_can_be_deleted():
    statuses.add_label("Spare")
    statuses.delete_label("Spare")
    assert not StatusLabel.objects.filter(name="Spare").exists()


@pytest.mark.django_db
def test_unknown_label_in_a_rule_is_refused_and_changes_nothing():
    with pytest.raises(InputError, match="no status label 'Nope'"):
        statuses.set_event_rule("OrderApprove", order_label="Nope", notify_cart=True)
    rule = EventRule.objects.get(event="OrderApprove")
    assert (rule.order_label, rule.notify_cart) == (None, False)


@pytest.mark.django_db
def test_load_default_status_events_twice_changes_nothing():
    first = statuses.load_default_status_events()
    grid = list(EventRule.objects.values_list("event", "item_label__name", "order_label__name", "notify_cart"))

    second = statuses.load_default_status_events()

    assert first.labels_added
    assert first.rules_set
    assert (second.labels_added, second.rules_set) == ([], [])
    assert list(EventRule.objects.values_list("event", "item_label__name", "order_label__name", "notify_cart")) == grid
    assert {"Order Shipped", "Item Shipped"} <= set(StatusLabel.objects.values_list("name", flat=True))
    tracking = EventRule.objects.get(event="OrderAddTrackingNumber")
    assert tracking.notify_cart


@pytest.mark.django_db
def test_load_defaults_keeps_the_merchants_choices_unless_reset():
    statuses.load_default_status_events()
    statuses.set_event_rule("OrderApprove", order_label="Paid")

    statuses.load_default_status_events()
    assert EventRule.objects.get(event="OrderApprove").order_label.name == "Paid"

    statuses.load_default_status_events(reset=True)
    assert EventRule.objects.get(event="OrderApprove").order_label.name == "Approved"


@pytest.mark.django_db
def test_renaming_a_label_carries_its_rules_orders_and_items_along(status_updates):
    # given an order that got the OrderImport labels
    from tests.conftest import new_order

    order = new_order(None, ("SKU-1", 1))
    assert (order.status_label, order.items.get().status_label) == ("Order Received", "Item Received")

    # when both labels are renamed
    statuses.rename_label("Order Received", "New Order")
    statuses.rename_label(" Item Received ", "New Item")

    # then the rules, the order and its item carry the new names, and the old ones are gone
    rule = EventRule.objects.select_related("item_label", "order_label").get(event="OrderImport")
    assert (rule.item_label.name, rule.order_label.name) == ("New Item", "New Order")
    order.refresh_from_db()
    assert (order.status_label, order.items.get().status_label) == ("New Order", "New Item")
    assert not StatusLabel.objects.filter(name__in=["Order Received", "Item Received"]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("Ghost", "Anything", "there is no status label 'Ghost'"),
        ("Spare", "Other", "the status label 'Other' already exists"),
        ("Spare", "", "a status label cannot be empty"),
        ("Spare", "Bob's", "cannot contain single or double quotes"),
        ("Spare", "x" * 51, "at most 50 characters"),
    ],
)
def test_a_bad_rename_is_refused_and_changes_nothing(old, new, rule):
    statuses.add_label("Spare")
    statuses.add_label("Other")
    with pytest.raises(InputError, match=rule) as refused:
        statuses.rename_label(old, new)
    assert refused.value.field == "label"
    assert sorted(StatusLabel.objects.values_list("name", flat=True)) == ["Other", "Spare"]


@pytest.mark.django_db
def test_a_label_may_be_renamed_to_a_different_case_of_itself():
    statuses.add_label("on hold")
    assert statuses.rename_label("on hold", "On Hold").name == "On Hold"
    assert list(StatusLabel.objects.values_list("name", flat=True)) == ["On Hold"]
