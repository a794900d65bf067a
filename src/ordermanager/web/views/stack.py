"""The stack viewer (SEOM's Ctrl-Shift-S): counts, controllers, records, and the operator's commands.

Every change goes through ordermanager.stack.actions, as `ordermanager stack retry/clear` does.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ordermanager.carts.models import Cart
from ordermanager.stack import actions
from ordermanager.stack.models import StackRecord, State
from ordermanager.stack.overview import overview
from ordermanager.web.forms import attempt
from ordermanager.web.paging import seek
from ordermanager.web.permissions import WORK_STACK, actor, requires

POLL_SECONDS = 5


def _records(params: QueryDict) -> tuple[object, dict[str, str]]:
    errors: dict[str, str] = {}
    query = StackRecord.objects.select_related("cart")
    if params.get("state"):
        if params["state"] in State.values:
            query = query.filter(state=params["state"])
        else:
            errors["state"] = f"choose a state from the list, not {params['state']!r}"
    for field, column in (("cart", "cart_id"), ("order", "order_id")):
        text = params.get(field, "").strip()
        if text.isdigit():
            query = query.filter(**{column: int(text)})
        elif text:
            errors[field] = f"must be a whole number, not {text!r}"
    return (None if errors else seek(query, params)), errors


@requires(WORK_STACK)
def stack_viewer(request: HttpRequest) -> HttpResponse:
    page, errors = _records(request.GET)
    context = {
        "overview": overview(),
        "page": page,
        "errors": errors,
        "params": request.GET,
        "states": State.choices,
        "carts": Cart.objects.values_list("pk", "store_name"),
        "poll_seconds": POLL_SECONDS,
    }
    template = "web/stack/_live.html" if request.htmx else "web/stack/viewer.html"
    return render(request, template, context)


@requires(WORK_STACK)
def record_page(request: HttpRequest, record_id: int) -> HttpResponse:
    record = get_object_or_404(StackRecord.objects.select_related("cart", "order"), pk=record_id)
    return render(request, "web/stack/record.html", {"record": record})


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/stack/") else reverse("web:stack"))


@require_POST
@requires(WORK_STACK)
def retry_record(request: HttpRequest, record_id: int) -> HttpResponse:
    outcome = attempt(lambda: actions.retry_records(actor=actor(request), ids=[record_id]))
    if outcome.ok:
        messages.success(request, f"Stack record {record_id} is back on the stack.")
    else:
        messages.error(request, next(iter(outcome.errors.values())))
    return _back(request)


@require_POST
@requires(WORK_STACK)
def retry_problems(request: HttpRequest) -> HttpResponse:
    done = actions.retry_records(actor=actor(request), problems=True)
    messages.success(request, f"{len(done)} problem record(s) back on the stack.")
    return _back(request)


@requires(WORK_STACK)
def clear_failed(request: HttpRequest) -> HttpResponse:
    """Delete Records with Failed Attempts: a page that asks first (GET), then the action (POST)."""
    if request.method == "POST":
        done = actions.clear_failed(actor=actor(request))
        messages.success(request, f"{len(done)} problem record(s) cleared; they will not be sent.")
        return redirect("web:stack")
    problems = StackRecord.objects.filter(state=State.PROBLEM).select_related("cart").order_by("id")
    return render(request, "web/stack/clear.html", {"problems": problems[:100], "count": problems.count()})
