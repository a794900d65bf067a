"""Status Change Events: the grid (Item Status, Order Status, Notify Cart per event) and Load Default Status Events."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ordermanager.errors import InputError
from ordermanager.statuses import actions as statuses_actions
from ordermanager.statuses.catalogue import EVENTS, StatusEvent, get_event
from ordermanager.statuses.models import EventRule, StatusLabel
from ordermanager.web.forms import attempt
from ordermanager.web.permissions import MANAGE_SETTINGS, requires


def tracking_carts() -> list[str]:
    """The carts ChannelAdvisor's tracking rule applies to: they take status updates only with tracking."""
    return sorted(
        c.store_name for c in statuses_actions.carts_that_take_updates() if c.needs_tracking_for_status_updates
    )


def grid_rows(event_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per catalogue event (or the chosen ones), with its rule: one query."""
    rules = {r.event: r for r in EventRule.objects.select_related("item_label", "order_label")}
    return [{"event": EVENTS[e], "rule": rules.get(e)} for e in (event_ids or list(EVENTS))]


def grid_context(event_ids: list[str] | None = None) -> dict[str, Any]:
    return {
        "rows": grid_rows(event_ids),
        "labels": list(StatusLabel.objects.values_list("name", flat=True)),
        "tracking_carts": tracking_carts(),
        "tracking_event": statuses_actions.TRACKING_EVENT,
    }


@requires(MANAGE_SETTINGS)
def event_grid(request: HttpRequest) -> HttpResponse:
    return render(request, "web/maintenance/events.html", grid_context())


def _posted_label(request: HttpRequest, name: str) -> str | None:
    return request.POST.get(name, "").strip() or None


@require_POST
@requires(MANAGE_SETTINGS)
def event_rule_save(request: HttpRequest, event_id: str) -> HttpResponse:
    """Save one row; ChannelAdvisor's tracking rule refuses (or warns) as `ordermanager events set` does."""
    try:
        event: StatusEvent = get_event(event_id)
    except InputError as error:
        raise Http404(error.message) from None
    outcome = attempt(
        lambda: statuses_actions.set_event_rule(
            event.id,
            item_label=_posted_label(request, "item_label"),
            order_label=_posted_label(request, "order_label"),
            notify_cart=request.POST.get("notify_cart") == "on",
        )
    )
    context = {**grid_context([event.id]), "errors": outcome.errors}
    row = context["rows"][0]
    if outcome.ok:
        row["saved"], row["warnings"] = True, outcome.result.warnings
    else:
        # Show what was chosen, refused, beside the rule as it still stands.
        row["posted"] = request.POST
    if request.htmx:
        # htmx swaps only 2xx answers: the row comes back with its message either way.
        return render(request, "web/maintenance/_event_row.html", {**context, "row": row})
    for field, message in outcome.errors.items():
        messages.error(request, f"{event.id}: {field}: {message}")
    for warning in row.get("warnings", []):
        messages.warning(request, warning)
    if outcome.ok:
        messages.success(request, f"{event.id} saved.")
    return redirect("web:maintenance_events")


@require_POST
@requires(MANAGE_SETTINGS)
def load_defaults(request: HttpRequest) -> HttpResponse:
    loaded = statuses_actions.load_default_status_events(reset=request.POST.get("reset") == "on")
    messages.success(request, loaded.summary)
    return redirect("web:maintenance_events")
