"""The wizard's pages: store details and Order Status System pages 1 and 2 (the cart pages are in views_cart)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ordermanager.errors import InputError
from ordermanager.params import actions as params_actions
from ordermanager.params.registry import PARAMETERS
from ordermanager.statuses.actions import TRACKING_EVENT
from ordermanager.statuses.models import EventRule
from ordermanager.web.forms import Outcome, attempt
from ordermanager.web.maintenance.events import grid_context
from ordermanager.web.models import SetupWizard
from ordermanager.web.permissions import MANAGE_SETTINGS, requires
from ordermanager.web.wizard import actions as wizard_actions

# The events a ChannelAdvisor merchant decides on first; the full grid is under Maintenance.
KEY_EVENTS = [
    "OrderImport",
    "OrderApprove",
    "OrderPick",
    TRACKING_EVENT,
    "OrderShip",
    "OrderCancel",
    "OrderSetActualShipDate",
    "ItemSetActualShipDate",
]
StepView = Callable[[HttpRequest, SetupWizard], HttpResponse]


def wizard_step(step: str) -> Callable[[StepView], Callable[..., HttpResponse]]:
    """A page of the wizard: Manager only, and reachable once the steps before it are done."""

    def decorate(view: StepView) -> Callable[..., HttpResponse]:
        def page(request: HttpRequest) -> HttpResponse:
            wizard = wizard_actions.current()
            if not wizard_actions.reached(wizard, step):
                return redirect(f"web:setup_{wizard.step}")
            return view(request, wizard)

        page.__name__ = page.__qualname__ = view.__name__
        page.__doc__ = view.__doc__
        return requires(MANAGE_SETTINGS)(page)

    return decorate


def render_step(
    request: HttpRequest, wizard: SetupWizard, step: str, context: dict[str, Any], outcome: Outcome | None = None
) -> HttpResponse:
    steps = [
        {
            "key": key,
            "label": label,
            "done": wizard_actions.reached(wizard, key) and key != step,
            "current": key == step,
        }
        for key, label in wizard_actions.STEPS
    ]
    status = 422 if outcome is not None and not outcome.ok else 200
    errors = outcome.errors if outcome is not None else {}
    base = {"wizard": wizard, "steps": steps, "step": step, "errors": errors}
    return render(request, f"web/wizard/{step}.html", {**base, **context}, status=status)


@requires(MANAGE_SETTINGS)
def setup(request: HttpRequest) -> HttpResponse:
    """The wizard's address: it opens at the step the merchant left."""
    return redirect(f"web:setup_{wizard_actions.current().step}")


@require_POST
@requires(MANAGE_SETTINGS)
def restart(request: HttpRequest) -> HttpResponse:
    wizard_actions.restart()
    return redirect("web:setup")


@wizard_step("store")
def step_store(request: HttpRequest, wizard: SetupWizard) -> HttpResponse:
    """Store details: who the store is, shown on the wizard and proposed as the cart's Store Name."""
    if request.method != "POST":
        return render_step(request, wizard, "store", {"posted": {}})
    fields = {k: request.POST.get(k, "") for k in ("company_name", "contact_email", "phone")}
    outcome = attempt(lambda: wizard_actions.save_store_details(**fields))
    if outcome.ok:
        return redirect("web:setup_status")
    return render_step(request, wizard, "store", {"posted": fields}, outcome)


@wizard_step("status")
def step_status(request: HttpRequest, wizard: SetupWizard) -> HttpResponse:
    """Order Status System, page 1: UseStatusUpdates."""
    if request.method == "POST":
        value = "True" if request.POST.get("use_status_updates") == "on" else "False"
        outcome = attempt(lambda: params_actions.set_parameter("UseStatusUpdates", value))
        if outcome.ok:
            wizard_actions.complete_step("status")
            return redirect("web:setup_events")
        return render_step(request, wizard, "status", {}, outcome)
    context = {"use": params_actions.get("UseStatusUpdates"), "parameter": PARAMETERS["UseStatusUpdates"]}
    return render_step(request, wizard, "status", context)


@wizard_step("events")
def step_events(request: HttpRequest, wizard: SetupWizard) -> HttpResponse:
    """Order Status System, page 2: the events that matter, with Notify Cart on the tracking event."""
    outcome = None
    if request.method == "POST":
        outcome = attempt(_check_grid)
        if outcome.ok:
            wizard_actions.complete_step("events")
            return redirect("web:setup_cart")
    context = {
        **grid_context(KEY_EVENTS),
        "use": params_actions.get("UseStatusUpdates"),
        "empty": not EventRule.objects.exclude(item_label=None, order_label=None).exists(),
    }
    return render_step(request, wizard, "events", context, outcome)


def _check_grid() -> None:
    """With status updates on, some event must notify the cart, or nothing ever reaches it."""
    if params_actions.get("UseStatusUpdates") and not EventRule.objects.filter(notify_cart=True).exists():
        raise InputError(
            "notify_cart",
            f"no event has Notify Cart ticked, so no status update would reach your cart; tick it on {TRACKING_EVENT} "
            "(or Load recommended defaults)",
        )
