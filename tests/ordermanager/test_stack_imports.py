"""The controller's scheduled import: a failure is shown to the operator, not only written to the log."""

from __future__ import annotations

import io
import threading
import time

from django.core.management import call_command
from django.test import Client

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


def shown(*command: str) -> str:
    out = io.StringIO()
    call_command(*command, stdout=out)
    return out.getvalue()


def test_a_scheduled_import_answered_500_shows_as_failed(live_cart: Cart, ca: SandboxControl):  # noqa: F811
    # given: the cart answers 500 to every order download
    ca.fault(route="orders_list", status=500, fraction=1.0)

    # when
    cart = scheduled_import()

    # then
    assert cart.last_import_ok is False
    assert cart.last_import_finished_at is not None
    assert "500" in cart.last_import_error
    assert "Last Import: FAILED at " in shown("carts", "show", "CA Sandbox")
    assert "Last import from CA Sandbox: FAILED at " in shown("stack", "status")
    metrics = Client().get("/metrics").content.decode()
    assert 'ordermanager_cart_last_import_ok{cart="CA Sandbox"} 0' in metrics
    stamp = cart.last_import_finished_at.timestamp()
    assert f'ordermanager_cart_last_import_timestamp_seconds{{cart="CA Sandbox"}} {stamp:.3f}' in metrics


def test_the_next_import_that_works_replaces_the_failure(live_cart: Cart, ca: SandboxControl):  # noqa: F811
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
    assert "Last Import: ok at " in shown("carts", "show", "CA Sandbox")
    assert "2 downloaded, 2 imported" in shown("stack", "status")
    assert 'ordermanager_cart_last_import_ok{cart="CA Sandbox"} 1' in Client().get("/metrics").content.decode()
