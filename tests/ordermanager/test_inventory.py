"""Counting stock, the one door that moves it, the count file, and the stock command (issue 13)."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from ordermanager.carts import actions as carts
from ordermanager.errors import InputError
from ordermanager.inventory import actions as inventory
from ordermanager.inventory.models import Product, StockMove
from ordermanager.orders import actions
from ordermanager.params import actions as params
from ordermanager.stack.models import RecordKind, StackRecord
from tests.conftest import ACTOR, new_order


def levels(sku: str) -> dict[str, int]:
    return Product.objects.get(sku=sku).levels()


def test_an_imported_line_creates_its_product_and_sales_move_stock(ca_cart):
    # given a product counted at 10
    inventory.set_stock("KNOWN-1", 10)

    # when an order takes 3 of it and 2 of a SKU never seen
    order = new_order(ca_cart, ("KNOWN-1", 3), ("NEW-1", 2))

    # then both are products, with the line's title for the new one, and the history says why
    assert levels("KNOWN-1") == {"MAIN": 7}
    new = Product.objects.get(sku="NEW-1")
    assert (new.title, new.quantity_on_hand) == ("Item NEW-1", -2)
    move = StockMove.objects.filter(product=new).get()
    assert (move.change, move.quantity_after, move.reason) == (-2, -2, f"order {order.pk}")


def test_item_quantity_changes_cancellations_and_returns_go_through_the_same_door(ca_cart):
    inventory.set_stock("DOOR-1", 20)
    order = new_order(ca_cart, ("DOOR-1", 5))
    line = order.items.get()

    actions.change_item(order.pk, line.pk, actor=ACTOR, quantity=8)  # 3 more sold
    assert levels("DOOR-1") == {"MAIN": 12}
    actions.cancel_item(order.pk, line.pk, actor=ACTOR, quantity=2)  # 2 back
    assert levels("DOOR-1") == {"MAIN": 14}
    actions.add_tracking_number(order.pk, "1ZDOOR0001", actor=ACTOR, carrier="UPS", shipping_class="Ground")
    actions.return_item(order.pk, line.pk, 1, actor=ACTOR)  # 1 back on the shelf
    assert levels("DOOR-1") == {"MAIN": 15}
    reasons = list(StockMove.objects.filter(product__sku="DOOR-1").order_by("id").values_list("change", "reason"))
    assert reasons == [
        (20, "stock count"),
        (-5, f"order {order.pk}"),
        (-3, f"order {order.pk} quantity changed"),
        (2, f"order {order.pk} cancelled"),
        (1, f"order {order.pk} returned"),
    ]


def test_levels_per_warehouse_add_up_and_each_change_queues_one_record_per_syncing_cart(ca_cart, generic_cart):
    params.set_parameter("SynchQOH", "True")
    carts.edit_cart(ca_cart, synchronize_inventory=True)
    inventory.add_warehouse("west", "West coast")

    inventory.set_stock("MULTI-1", 5)
    inventory.set_stock("MULTI-1", 9, warehouse="WEST")
    inventory.adjust_stock("MULTI-1", -4, warehouse="WEST", reason="damaged")

    product = Product.objects.get(sku="MULTI-1")
    assert (product.levels(), product.quantity_on_hand) == ({"MAIN": 5, "WEST": 5}, 10)
    record = StackRecord.objects.get(kind=RecordKind.INVENTORY_UPDATE)  # one per cart x SKU, the others folded in
    assert (record.cart, record.sku, record.coalesced) == (ca_cart, "MULTI-1", 2)


@pytest.mark.django_db
def test_setting_the_level_it_has_changes_nothing():
    inventory.set_stock("SAME-1", 4)
    inventory.set_stock("SAME-1", 4)
    assert StockMove.objects.filter(product__sku="SAME-1").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: inventory.set_stock("", 1), "sku: a SKU is 1 to 100 characters"),
        (lambda: inventory.set_stock("X", -1), "quantity: must be 0 to 10000000, not -1"),
        (lambda: inventory.adjust_stock("X", 0), "quantity: must be a non-zero whole number"),
        (lambda: inventory.adjust_stock("NOPE", 2), "sku: there is no product 'NOPE'"),
        (lambda: inventory.set_stock("X", 1, warehouse="MOON"), "warehouse: there is no warehouse 'MOON'"),
    ],
)
def test_bad_input_is_one_line_naming_the_field_and_nothing_changes(call, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        call()
    assert not StockMove.objects.exists()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "count.csv"
    path.write_text(text)
    return path


@pytest.mark.django_db
def test_a_count_file_dry_run_refused_rows_and_a_second_import_changes_nothing(tmp_path):
    inventory.set_stock("CNT-1", 1)
    path = write(tmp_path, "sku,quantity,warehouse\nCNT-1,5,\nCNT-2,7,MAIN\n,3,\nCNT-3,lots,\nCNT-4,2,MOON\nCNT-1,6,\n")

    out = io.StringIO()
    with pytest.raises(CommandError, match="file: 4 row\\(s\\) refused"):
        call_command("stock", "import", str(path), "--dry-run", stdout=out)
    report = out.getvalue()
    assert "2 good row(s): 2 would change, 0 already at that level; 4 refused." in report
    assert "refused line 4: sku: a SKU is 1 to 100 characters" in report
    assert "refused line 5: quantity: must be a whole number from 0 to 10000000, not 'lots'" in report
    assert "refused line 6: warehouse: there is no warehouse 'MOON'" in report
    assert "refused line 7: sku: CNT-1 is already on line 2" in report
    assert "Dry run: nothing was changed." in report
    assert levels("CNT-1") == {"MAIN": 1}

    good = write(tmp_path, "sku,quantity\nCNT-1,5\nCNT-2,7\n")
    call_command("stock", "import", str(good), stdout=io.StringIO())
    again = io.StringIO()
    call_command("stock", "import", str(good), stdout=again)

    assert (levels("CNT-1"), levels("CNT-2")) == ({"MAIN": 5}, {"MAIN": 7})
    assert "0 changed, 2 already at that level" in again.getvalue()
    assert StockMove.objects.count() == 3


@pytest.mark.django_db
def test_a_file_that_is_not_a_count_file_is_refused_in_one_line(tmp_path):
    with pytest.raises(CommandError, match=r"file: the first line must name the columns sku,quantity\[,warehouse\]"):
        call_command("stock", "import", str(write(tmp_path, "order,tracking\n1,2\n")), stdout=io.StringIO())
    with pytest.raises(CommandError, match="file: cannot read"):
        call_command("stock", "import", str(tmp_path / "missing.csv"), stdout=io.StringIO())


@pytest.mark.django_db
def test_stock_commands_set_adjust_and_show_the_history():
    call_command("stock", "set", "CLI-1", "12", "--title", "Blue mug", stdout=io.StringIO())
    call_command("stock", "adjust", "CLI-1", "-5", "--reason", "breakage", stdout=io.StringIO())

    shown = io.StringIO()
    call_command("stock", "show", "CLI-1", stdout=shown)

    text = shown.getvalue()
    assert "CLI-1  Blue mug\nOn hand: 7\n  MAIN: 7\nHistory (newest first):" in text
    as_json = io.StringIO()
    call_command("stock", "show", "CLI-1", "--json", stdout=as_json)
    history = [(m["change"], m["quantity_after"], m["reason"]) for m in json.loads(as_json.getvalue())["history"]]
    assert history == [(-5, 7, "breakage"), (12, 12, "stock count")]
    with pytest.raises(CommandError, match="change: must be a whole number, not '\\+x'"):
        call_command("stock", "adjust", "CLI-1", "+x", stdout=io.StringIO())


def test_send_qoh_refuses_a_cart_that_does_not_synchronize_inventory(ca_cart):
    with pytest.raises(CommandError, match="cart: Channel Store does not synchronize inventory"):
        call_command("stock", "sync", "--cart", "Channel Store", stdout=io.StringIO())


def test_concurrent_sales_of_one_new_sku_lose_no_unit(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; PostgreSQL's sales really overlap")
    # given a SKU not kept yet, and eight orders taking one each at the same moment
    inventory.set_stock("OTHER-1", 5)
    barrier = threading.Barrier(8)

    def sell() -> None:
        barrier.wait()
        try:
            new_order(None, ("HOT-1", 1))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sell) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one product, every unit taken, and the history counts down one by one without a gap
    product = Product.objects.get(sku="HOT-1")
    assert (product.quantity_on_hand, levels("HOT-1")) == (-8, {"MAIN": -8})
    assert sorted(StockMove.objects.filter(product=product).values_list("quantity_after", flat=True)) == list(
        range(-8, 0)
    )
