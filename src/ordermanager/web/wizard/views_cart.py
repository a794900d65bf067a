"""The wizard's cart pages: the ChannelAdvisor cart with Test Settings, the carrier mapping, the first import, done."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ordermanager.carts.models import Cart
from ordermanager.carts.types import CHANNELADVISOR
from ordermanager.orders.models import Order
from ordermanager.params import actions as params_actions
from ordermanager.statuses import actions as statuses_actions
from ordermanager.statuses.models import EventRule
from ordermanager.web.forms import Outcome, attempt
from ordermanager.web.maintenance import cart_form
from ordermanager.web.maintenance.carriers import carriers_context, map_from_post, unmap_from_post
from ordermanager.web.maintenance.carts import form_context, run_settings_test, save_cart
from ordermanager.web.models import ImportRun, SetupWizard
from ordermanager.web.permissions import MANAGE_SETTINGS, actor, requires
from ordermanager.web.wizard import actions as wizard_actions
from ordermanager.web.wizard import importer
from ordermanager.web.wizard.views import render_step, wizard_step


def _cart_page(
    request: HttpRequest, wizard: SetupWizard, outcome: Outcome | None = None, **extra: object
) -> HttpResponse:
    if "sections" not in extra:
        values = (
            cart_form.stored_values(wizard.cart)
            if wizard.cart
            else cart_form.new_values(CHANNELADVISOR.key, wizard.company_name)
        )
        extra.update(form_context(CHANNELADVISOR.key, values, {}))
    existing = Cart.objects.filter(cart_type=CHANNELADVISOR.key).exclude(pk=wizard.cart_id or 0)
    context = {"cart": wizard.cart, "existing": list(existing.values_list("pk", "store_name")), **extra}
    return render_step(request, wizard, "cart", context, outcome)


@wizard_step("cart")
def step_cart(request: HttpRequest, wizard: SetupWizard) -> HttpResponse:
    """The ChannelAdvisor cart: save it, Test Settings, then go on (a test that did not pass is skipped on purpose)."""
    do = request.POST.get("do") if request.method == "POST" else None
    if do == "save":
        outcome, context = save_cart(request, CHANNELADVISOR.key, wizard.cart)
        if not outcome.ok:
            return _cart_page(request, wizard, outcome=outcome, **context)
        wizard = wizard_actions.choose_cart(outcome.result)
        if wizard.settings_tested_at is not None:
            wizard = wizard_actions.note_settings_test(passed=False)  # new settings: test them again
        messages.success(request, f"Cart {outcome.result.store_name} saved. Now Test Settings.")
        return redirect("web:setup_cart")
    if do == "use":
        chosen = Cart.objects.filter(pk=request.POST.get("cart") or 0, cart_type=CHANNELADVISOR.key).first()
        if chosen is not None:
            wizard_actions.choose_cart(chosen)
        return redirect("web:setup_cart")
    if do == "test" and wizard.cart is not None:
        # The network call runs here, outside any transaction; only its outcome is written.
        test = run_settings_test(wizard.cart)
        wizard = wizard_actions.note_settings_test(passed=test.ok)
        return _cart_page(request, wizard, test=test)
    if do == "continue":
        outcome = attempt(lambda: wizard_actions.leave_cart_step(skip_test=request.POST.get("skip_test") == "on"))
        if outcome.ok:
            return redirect("web:setup_carriers")
        return _cart_page(request, wizard, outcome=outcome)
    return _cart_page(request, wizard)


def _carriers_page(request: HttpRequest, wizard: SetupWizard, context: dict, status: int = 200) -> HttpResponse:
    response = render_step(request, wizard, "carriers", context)
    response.status_code = status
    return response


@wizard_step("carriers")
def step_carriers(request: HttpRequest, wizard: SetupWizard) -> HttpResponse:
    """The carrier and class mapping of the wizard's cart (the same table as under Maintenance)."""
    if wizard.cart is None:
        return redirect("web:setup_cart")
    do = request.POST.get("do") if request.method == "POST" else None
    if do in ("map", "unmap"):
        ok, context = (map_from_post if do == "map" else unmap_from_post)(request, wizard.cart)
        for warning in context.pop("warnings", []) if ok else []:
            messages.warning(request, warning)
        return redirect("web:setup_carriers") if ok else _carriers_page(request, wizard, context, 422)
    if do == "continue":
        wizard_actions.complete_step("carriers")
        return redirect("web:setup_import")
    return _carriers_page(request, wizard, carriers_context(wizard.cart))


def _import_context(wizard: SetupWizard) -> dict[str, object]:
    run = ImportRun.objects.filter(cart=wizard.cart).first() if wizard.cart else None
    percent = 100 * run.done // run.downloaded if run and run.downloaded else 0
    return {"run": run, "percent": percent, "cart": wizard.cart}


@wizard_step("import")
def step_import(request: HttpRequest, wizard: SetupWizard) -> HttpResponse:
    """The first import: started here, run by a thread, its progress polled by the page."""
    if wizard.cart is None:
        return redirect("web:setup_cart")
    outcome = None
    if request.method == "POST" and request.POST.get("do") == "start":
        outcome = attempt(lambda: importer.start(wizard.cart, actor(request)))
        if outcome.ok:
            return redirect("web:setup_import")
    elif request.method == "POST" and request.POST.get("do") == "continue":
        wizard_actions.finish()
        return redirect("web:setup_done")
    return render_step(request, wizard, "import", _import_context(wizard), outcome)


@requires(MANAGE_SETTINGS)
def import_progress(request: HttpRequest) -> HttpResponse:
    """The progress panel alone, for htmx to poll while the import runs."""
    return render(request, "web/wizard/_import_progress.html", _import_context(wizard_actions.current()))


@wizard_step("done")
def step_done(request: HttpRequest, wizard: SetupWizard) -> HttpResponse:
    context = {
        "use": params_actions.get("UseStatusUpdates"),
        "notifying": list(EventRule.objects.filter(notify_cart=True).values_list("event", flat=True)),
        "orders": Order.objects.filter(cart=wizard.cart).count() if wizard.cart else 0,
        "mappings": wizard.cart.carrier_mappings.count() if wizard.cart else 0,
    }
    return render_step(request, wizard, "done", context)


@require_POST
@requires(MANAGE_SETTINGS)
def use_defaults(request: HttpRequest) -> HttpResponse:
    """Page 2's "Load recommended defaults": the grid's defaults, then back to the page."""
    messages.success(request, statuses_actions.load_default_status_events().summary)
    return redirect("web:setup_events")
