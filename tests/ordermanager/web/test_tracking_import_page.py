"""The Import Tracking Numbers page (issue 10): upload, the report table, its CSV, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ordermanager.orders.models import TrackingNumber
from tests.conftest import new_order

pytestmark = pytest.mark.usefixtures("status_updates")
SAMPLE = Path(__file__).parent.parent.parent / "data" / "tracking" / "generic.csv"


def upload(client, content: bytes, name: str = "export.csv", **fields: str):
    return client.post("/tracking/import/", {"file": SimpleUploadedFile(name, content), **fields})


def test_the_page_shows_the_form(operator_client):
    page = operator_client.get("/tracking/import/")

    assert page.status_code == 200
    assert b"ShipStation shipment export" in page.content


def test_an_upload_imports_processes_and_reports_each_row(operator_client, ca_cart):
    order = new_order(ca_cart, ("WID-001", 1), ("WID-002", 1), channel_order_id="5000301")

    page = upload(operator_client, SAMPLE.read_bytes(), "generic.csv")

    text = page.content.decode()
    assert page.status_code == 200
    assert "2 package(s): 1 imported, 0 already here, 1 refused" in text
    assert "no order has the number, cart order ID or marketplace order ID &#x27;SO-5000302&#x27;" in text
    assert "Processed 1 tracking number:" in text
    assert TrackingNumber.objects.get(order=order).processed
    report = operator_client.get(page.context["report_name"].join(["/tracking/reports/", ""]))
    csv_text = b"".join(report.streaming_content).decode()
    assert csv_text.splitlines()[0] == "line,order,tracking_number,result,order_number,reason,warnings"
    assert f"2,5000301,1ZGEN0000000000001,imported,{order.pk}" in csv_text


def test_a_dry_run_upload_writes_nothing(operator_client, ca_cart):
    new_order(ca_cart, ("WID-001", 1), ("WID-002", 1), channel_order_id="5000301")

    page = upload(operator_client, SAMPLE.read_bytes(), dry_run="1")

    assert "nothing was written" in page.content.decode()
    assert not TrackingNumber.objects.exists()


def test_an_unreadable_file_is_refused_next_to_the_field(operator_client):
    page = upload(operator_client, b"")

    assert page.status_code == 422
    assert "the file is empty" in page.content.decode()


def test_a_report_name_outside_the_reports_folder_is_404(operator_client):
    assert operator_client.get("/tracking/reports/..%2F..%2Fsecret_key").status_code == 404
