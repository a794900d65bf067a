"""List Maintenance: the status labels, added, renamed and deleted through the statuses actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ordermanager.statuses import actions as statuses_actions
from ordermanager.statuses.models import StatusLabel
from ordermanager.web.forms import Outcome, attempt
from ordermanager.web.permissions import MANAGE_SETTINGS, requires


def _labels() -> list[dict[str, Any]]:
    """Each label with the rules that use it: three queries whatever the list's length."""
    rows = []
    for label in StatusLabel.objects.prefetch_related("item_rules", "order_rules"):
        used = sorted({r.event for r in label.item_rules.all()} | {r.event for r in label.order_rules.all()})
        rows.append({"name": label.name, "used_by": used})
    return rows


def _page(request: HttpRequest, outcome: Outcome | None = None, **context: Any) -> HttpResponse:
    status = 422 if outcome and not outcome.ok else 200
    return render(request, "web/maintenance/labels.html", {"labels": _labels(), **context}, status=status)


@requires(MANAGE_SETTINGS)
def label_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _act(request: HttpRequest, run: Callable[[], Any], done: Callable[[Any], str], **shown: str) -> HttpResponse:
    """Run a label action: back to the list with `done(result)`, or the list again with the refusal beside the row."""
    outcome = attempt(run)
    if not outcome.ok:
        return _page(request, outcome, error=outcome.errors["label"], **shown)
    messages.success(request, done(outcome.result))
    return redirect("web:maintenance_labels")


@require_POST
@requires(MANAGE_SETTINGS)
def label_rename(request: HttpRequest) -> HttpResponse:
    old, new = request.POST.get("label", ""), request.POST.get("new_name", "")
    return _act(
        request,
        lambda: statuses_actions.rename_label(old, new),
        lambda label: f"Renamed {old!r} to {label.name!r}; its rules, orders and items follow.",
        row_label=old,
        rename_value=new,
    )


def _one_label_view(
    field: str,
    action: Callable[[str], Any],
    done: Callable[[str, Any], str],
    shown: Callable[[str], dict[str, str]],
) -> Callable[[HttpRequest], HttpResponse]:
    """A POST view that runs `action` on the one label named in the form's `field`."""

    @require_POST
    @requires(MANAGE_SETTINGS)
    def view(request: HttpRequest) -> HttpResponse:
        name = request.POST.get(field, "")
        return _act(request, lambda: action(name), lambda result: done(name, result), **shown(name))

    return view


label_add = _one_label_view(
    "name",
    statuses_actions.add_label,
    lambda _, label: f"Added status label {label.name!r}.",
    lambda name: {"add_value": name, "row_label": ""},
)
label_delete = _one_label_view(
    "label",
    statuses_actions.delete_label,
    lambda name, _: f"Deleted status label {name!r}.",
    lambda name: {"row_label": name},
)
