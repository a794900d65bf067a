"""Tracking files (issue 10): presets from sample exports, the report's refusals, re-imports, dry runs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ordermanager.carts.carriers import map_carrier
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.orders import actions
from ordermanager.orders.models import Order, Shipment, TimelineEntry, TrackingNumber
from ordermanager.orders.tracking_import import Options, Report, Result, import_tracking_file
from tests.conftest import ACTOR, new_order

pytestmark = pytest.mark.usefixtures("status_updates")
DATA = Path(__file__).parent.parent / "data" / "tracking"


def import_sample(name: str) -> Report:
    with (DATA / name).open("rb") as binary:
        return import_tracking_file(binary, Options(ACTOR), Report())


def import_bytes(content: bytes, **options: object) -> Report:
    return import_tracking_file(io.BytesIO(content), Options(ACTOR, **options), Report())


def packages(order: Order) -> list[tuple[str, str, list[tuple[str, int]], list[str]]]:
    result = []
    for shipment in Shipment.objects.filter(order=order).order_by("id"):
        lines = sorted((line.order_item.sku, line.quantity) for line in shipment.lines.select_related("order_item"))
        numbers = list(shipment.tracking_numbers.values_list("number", flat=True))
        result.append((shipment.carrier, shipment.shipping_class, lines, numbers))
    return result


def everything() -> tuple:
    return (
        list(TrackingNumber.objects.order_by("id").values_list("order_id", "number", "processed")),
        Shipment.objects.count(),
        TimelineEntry.objects.count(),
    )


def run_import(*args: str) -> str:
    out = io.StringIO()
    call_command("tracking", "import", *args, stdout=out)
    return out.getvalue()


def test_worldship_export_in_windows_1252(ca_cart):
    first = new_order(ca_cart, ("WID-001", 1), marketplace_order_id="112-0000001-0000001")
    second = new_order(ca_cart, ("WID-001", 1), marketplace_order_id="112-0000001-0000002")
    voided = new_order(ca_cart, ("WID-001", 1), marketplace_order_id="112-0000001-0000003")

    report = import_sample("worldship.csv")

    assert (report.preset_label, report.file_label) == ("UPS WorldShip", "cp1252, comma-separated")
    assert packages(first) == [("UPS", "Ground", [("WID-001", 1)], ["1Z999AA10123456784"])]
    assert packages(second) == [("UPS", "Next Day Air", [("WID-001", 1)], ["1Z999AA10123456785"])]
    assert packages(voided) == []
    assert [r.reason for r in report.shown if r.result is Result.REFUSED] == [
        "void: the shipment was voided in UPS WorldShip"
    ]
    assert str(Shipment.objects.get(order=first).shipped_at.date()) == "2026-11-26"


def test_fedex_ship_manager_export_tab_separated(ca_cart):
    map_carrier(ca_cart, "FedEx", "Home Delivery", "FedEx", "Home Delivery")
    first = new_order(ca_cart, ("WID-001", 2), channel_order_id="5000101")
    second = new_order(ca_cart, ("WID-001", 1), channel_order_id="5000102")

    report = import_sample("fedex.txt")

    assert (report.preset_label, report.file_label) == ("FedEx Ship Manager", "utf-8, tab-separated")
    assert report.counts == {Result.IMPORTED: 2}
    assert packages(first) == [("FedEx", "Ground", [("WID-001", 2)], ["794612345678"])]
    assert packages(second) == [("FedEx", "Home Delivery", [("WID-001", 1)], ["794612345679"])]


def test_shipstation_export_rows_of_one_package_make_one_package(ca_cart):
    map_carrier(ca_cart, "USPS", "Priority Mail", "USPS", "Priority")
    first = new_order(ca_cart, ("WID-001", 1), ("WID-002", 3), channel_order_id="5000201")
    second = new_order(ca_cart, ("WID-001", 1), channel_order_id="5000202")

    report = import_sample("shipstation.csv")

    assert (report.preset_label, report.file_label) == ("ShipStation shipment export", "utf-8-sig, comma-separated")
    assert packages(first) == [("UPS", "Ground", [("WID-001", 1), ("WID-002", 2)], ["1ZSS00000000000001"])]
    assert first.items.get(sku="WID-002").quantity_open == 1
    assert packages(second) == [("USPS", "Priority Mail", [("WID-001", 1)], ["9400100000000000000001"])]
    assert [r.line for r in report.shown] == ["2-3", "4"]


def test_generic_csv_semicolons_by_cart_or_marketplace_order_id(ca_cart):
    first = new_order(ca_cart, ("WID-001", 1), ("WID-002", 1), channel_order_id="5000301")
    second = new_order(ca_cart, ("WID-001", 2), marketplace_order_id="SO-5000302")

    report = import_sample("generic.csv")

    assert (report.preset_label, report.file_label) == ("generic CSV", "utf-8, semicolon-separated")
    assert packages(first) == [("UPS", "Ground", [("WID-001", 1), ("WID-002", 1)], ["1ZGEN0000000000001"])]
    assert packages(second) == [("FedEx", "Ground", [("WID-001", 1)], ["1ZGEN0000000000002"])]


def test_each_refusal_is_reported_in_the_merchants_words(ca_cart):
    # given orders, one of them already holding a number, and a file with one row of each kind
    shipped = new_order(ca_cart, ("SKU-1", 1))
    actions.add_tracking_number(shipped, "1ZTAKEN0001", carrier="UPS", shipping_class="Ground", actor=ACTOR)
    open_ = new_order(ca_cart, ("SKU-1", 2))
    content = (
        "Order,Tracking Number,Carrier,Class,Ship Date,SKU,Qty\n"
        f"{shipped.pk},1ZTAKEN0001,UPS,Ground,2026-11-26,,\n"  # already here
        "999999,1ZNOORDER01,UPS,Ground,2026-11-26,,\n"  # unknown order
        f"{open_.pk},1z-taken-0001,UPS,Ground,2026-11-26,,\n"  # number on another order (case and dashes)
        f"{open_.pk},1ZTOOMANY01,UPS,Ground,2026-11-26,SKU-1,3\n"  # quantity over what is left
        f"{open_.pk},1ZBADDATE01,UPS,Ground,next tuesday,,\n"  # bad date
        f"{open_.pk},1ZNOMAP0001,DHL,Express,2026-11-26,,\n"  # carrier not mapped for the cart
        f"{open_.pk},1ZGOOD00001,UPS,Ground,2026-11-26,SKU-1,1\n"  # imported
    ).encode()

    report = import_bytes(content)

    results = [(r.tracking_number, r.result, r.reason) for r in report.shown]
    assert results == [
        ("1ZTAKEN0001", Result.ALREADY_HERE, ""),
        (
            "1ZNOORDER01",
            Result.REFUSED,
            "order: no order has the number, cart order ID or marketplace order ID '999999'",
        ),
        (
            "1z-taken-0001",
            Result.REFUSED,
            f"tracking_number: 1z-taken-0001 is already on order {shipped.pk}; a tracking number belongs to one "
            "order, unless one box really carries several orders: then mark it as a shared shipment",
        ),
        ("1ZTOOMANY01", Result.REFUSED, "quantity: SKU-1 has 2 left to ship; 3 cannot go in a package"),
        ("1ZBADDATE01", Result.REFUSED, "ship_date: 'next tuesday' is not a date this file's tool writes"),
        (
            "1ZNOMAP0001",
            Result.REFUSED,
            "carrier: DHL Express has no ChannelAdvisor carrier and class for cart Channel Store; map it first: "
            "ordermanager carts map-carrier 'Channel Store' 'DHL' 'Express' CART_CARRIER CART_CLASS",
        ),
        ("1ZGOOD00001", Result.IMPORTED, ""),
    ]
    assert packages(open_) == [("UPS", "Ground", [("SKU-1", 1)], ["1ZGOOD00001"])]


def test_the_same_file_twice_changes_nothing_and_says_already_here(ca_cart, tmp_path):
    new_order(ca_cart, ("WID-001", 1), ("WID-002", 3), channel_order_id="5000201")
    new_order(ca_cart, ("WID-001", 1), channel_order_id="5000202")
    map_carrier(ca_cart, "USPS", "Priority Mail", "USPS", "Priority")
    report_file = tmp_path / "report.csv"
    run_import(str(DATA / "shipstation.csv"), "--report", str(report_file))
    before = everything()

    out = run_import(str(DATA / "shipstation.csv"), "--report", str(report_file))

    assert everything() == before
    assert "2 package(s): 0 imported, 2 already here, 0 refused" in out
    with report_file.open(encoding="utf-8") as saved:
        rows = list(csv.DictReader(saved))
    assert [(r["line"], r["result"]) for r in rows] == [("2-3", "already here"), ("4", "already here")]


def test_the_command_processes_after_an_import_and_prints_a_table(ca_cart, tmp_path):
    order = new_order(ca_cart, ("WID-001", 1), ("WID-002", 1), channel_order_id="5000301")

    out = run_import(str(DATA / "generic.csv"), "--report", str(tmp_path / "r.csv"))

    assert "generic.csv: generic CSV (utf-8, semicolon-separated)" in out
    assert "1ZGEN0000000000001" in out
    assert "refused" in out  # SO-5000302 names no order here
    assert "Processed 1 tracking number:" in out
    assert TrackingNumber.objects.get(order=order).processed
    order.refresh_from_db()
    assert order.status_label == "Order Shipped"


def test_no_process_leaves_numbers_for_process_tracking_numbers(ca_cart, tmp_path):
    order = new_order(ca_cart, ("WID-001", 1), ("WID-002", 1), channel_order_id="5000301")

    out = run_import(str(DATA / "generic.csv"), "--no-process", "--report", str(tmp_path / "r.csv"))

    assert "Process Tracking Numbers" not in out
    assert not TrackingNumber.objects.get(order=order).processed


def test_dry_run_writes_nothing(ca_cart, tmp_path):
    new_order(ca_cart, ("WID-001", 1), ("WID-002", 1), channel_order_id="5000301")
    before = everything()

    out = run_import(str(DATA / "generic.csv"), "--dry-run", "--report", str(tmp_path / "r.csv"))

    assert "1 imported, 0 already here, 1 refused; nothing was written" in out
    assert everything() == before


def test_all_or_nothing_writes_nothing_when_a_row_is_refused(ca_cart):
    good = new_order(ca_cart, ("SKU-1", 1))
    content = f"order,tracking number,carrier\n{good.pk},1ZAON000001,UPS\n424242,1ZAON000002,UPS\n".encode()
    before = everything()

    report = import_bytes(content, all_or_nothing=True)

    assert report.counts == {Result.IMPORTED: 1, Result.REFUSED: 1}
    assert not report.written
    assert everything() == before
    assert import_bytes(content[: content.index(b"424242")], all_or_nothing=True).written


def test_a_saved_mapping_reads_the_merchants_own_layout(ca_cart):
    order = new_order(ca_cart, ("SKU-1", 1))
    call_command(
        "tracking", "save-mapping", "Warehouse", "--column", "order=Auftrag", "--column", "tracking_number=Sendung",
        "--carrier", "UPS", "--date-format", "%d.%m.%Y", stdout=io.StringIO(),
    )  # fmt: skip
    content = f"Auftrag;Sendung;Datum\n{order.pk};1ZMAP000001;26.11.2026\n".encode("cp1252")

    report = import_bytes(content, mapping="warehouse")

    assert report.counts == {Result.IMPORTED: 1}
    assert packages(order) == [("UPS", "", [("SKU-1", 1)], ["1ZMAP000001"])]


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (b"", {}, "file: the file is empty"),
        (b"just some words\nmore words\n", {}, "the first line has no commas"),
        (b"a,b,c\n1,2,3\n", {}, "the header was not recognised"),
        (b"order,tracking number\n1,1Z1\n", {"preset": "worldship"}, "has no order column"),
        (b"order,tracking number,carrier\n", {"preset": "nope"}, "preset: must be one of"),
        (b"order,tracking number,carrier\n", {"mapping": "nope"}, "there is no saved mapping 'nope'"),
    ],
)
def test_an_unreadable_file_is_refused_in_one_line(db, content, options, message):
    with pytest.raises(InputError) as refused:
        import_bytes(content, **options)
    assert message in str(refused.value)


def test_the_command_refuses_a_missing_file_in_one_line(db):
    with pytest.raises(CommandError, match=r"file: there is no file 'nope\.csv'") as refused:
        run_import("nope.csv")
    assert refused.value.returncode == 2


def test_a_manual_order_without_cart_takes_any_carrier(db):
    order = new_order(None, ("SKU-1", 1))
    assert Cart.objects.count() == 0

    report = import_bytes(f"order,tracking,carrier,service\n{order.pk},1ZHAND00001,DHL,Express\n".encode())

    assert report.counts == {Result.IMPORTED: 1}


def test_one_number_on_two_orders_in_one_file_is_refused_the_second_time(ca_cart):
    first, second = new_order(ca_cart, ("SKU-1", 1)), new_order(ca_cart, ("SKU-1", 1))
    content = f"order,tracking number,carrier\n{first.pk},1ZTWICE0001,UPS\n{second.pk},1ztwice-0001,UPS\n".encode()

    report = import_bytes(content)

    assert [r.result for r in report.shown] == [Result.IMPORTED, Result.REFUSED]
    assert f"already on order {first.pk}" in report.shown[1].reason
    assert list(TrackingNumber.objects.values_list("order_id", flat=True)) == [first.pk]
    kinds = list(first.timeline.values_list("kind", flat=True))
    assert kinds[-3:] == ["package_created", "tracking_added", "shipping_status_changed"]
