"""The controller's scheduled import: a failure is shown to the operator, not only written to the log."""

from __future__ import annotations

import io
import re
import threading
import time

import pytest
from django.core.management import call_command
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from casandbox.testing import SandboxControl
from ordermanager.carts.models import Cart
from ordermanager.stack.controller import Settings, StackController
from tests.conftest import sandbox_order
from tests.ordermanager.test_stack import FAST, live_cart  # noqa: F401 - fixture


def scheduled_import(timeout: float = 60.0) -> Cart:
    """Run a controller with imports on until the cart's import has finished (its result is written)."""
    before = Cart.objects.values_list("last_import_finished_at", flat=True).get(store_name="CA Sandbox")
    controller = StackController(Settings(**{**FAST, "imports": True}))
    thread = threading.Thread(target=controller.run, name="test-controller")
    thread.start()
    try:
        finished = threading.Event()
        deadline = time.monotonic() + timeout
        while not finished.wait(0.02):
            cart = Cart.objects.get(store_name="CA Sandbox")
            if cart.last_import_finished_at != before:
                finished.set()
            assert time.monotonic() < deadline, "the scheduled import did not finish"
    finally:
        controller.stop.set()
        controller.wake.set()
        thread.join()
    return cart


def metrics() -> dict[tuple[str, str], float]:
    body = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").content.decode()
    return {
        (sample.name, sample.labels.get("cart", "")): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def shown(*command: str) -> str:
    out = io.StringIO()
    call_command(*command, stdout=out)
    return out.getvalue()


def test_a_scheduled_import_answered_500_shows_as_failed(live_cart: Cart, ca: SandboxControl, settings):  # noqa: F811
    settings.METRICS_TOKEN = "scrape-token"
    # given: the cart answers 500 to every order download
    ca.fault(route="orders_list", status=500, fraction=1.0)

    # when
    cart = scheduled_import()

    # then
    assert cart.last_import_ok is False
    assert cart.last_import_finished_at is not None
    assert "500" in cart.last_import_error
    assert re.search("Last Import: +FAILED at ", shown("carts", "show", "CA Sandbox"))
    assert "Last import from CA Sandbox: FAILED at " in shown("stack", "status")
    scraped = metrics()
    assert scraped[("ordermanager_cart_last_import_ok", "CA Sandbox")] == 0
    stamp = cart.last_import_finished_at.timestamp()
    assert scraped[("ordermanager_cart_last_import_timestamp_seconds", "CA Sandbox")] == pytest.approx(stamp)


def test_the_next_import_that_works_replaces_the_failure(live_cart: Cart, ca: SandboxControl, settings):  # noqa: F811
    settings.METRICS_TOKEN = "scrape-token"
    # given: a failed import, then the cart answers again with two orders waiting
    ca.fault(route="orders_list", status=500, fraction=1.0)
    assert scheduled_import().last_import_ok is False
    ca.clear_faults()
    sandbox_order(ca, 1)
    sandbox_order(ca, 2)
    Cart.objects.filter(pk=live_cart.pk).update(last_import_at=None)  # due again now, not in 15 minutes

    # when
    cart = scheduled_import()

    # then
    assert (cart.last_import_ok, cart.last_import_downloaded, cart.last_import_imported) == (True, 2, 2)
    assert cart.last_import_error == ""
    assert re.search("Last Import: +ok at ", shown("carts", "show", "CA Sandbox"))
    assert "2 downloaded, 2 imported" in shown("stack", "status")
    assert metrics()[("ordermanager_cart_last_import_ok", "CA Sandbox")] == 1
