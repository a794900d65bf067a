"""Checks on every request before a view reads it."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ordermanager.api.problems import Problem, problem_response

NUL = "\x00"


def _field_with_nul(request: HttpRequest) -> str | None:
    for source in (request.GET, request.POST):
        for key, values in source.lists():
            if NUL in key or any(NUL in value for value in values):
                return key.replace(NUL, "\\x00")[:40]
    return None


class RefuseNulCharacters:
    """PostgreSQL cannot store or even compare text that holds a NUL character (0x00), so every view that passed
    one to the database answered 500 there (SQLite stored it). One check here covers every screen's forms,
    filters and searches: the request is refused, nothing changes, and the page names the field and the rule."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _field_with_nul(request)
        if field is None:
            return self.get_response(request)
        rule = "must not contain a NUL character (0x00)"
        if request.path.startswith("/api/"):
            # The REST API answers in its own documented form: a problem naming the field.
            return problem_response(422, Problem(422, f"{field}: {rule}", field=field).body())
        if request.htmx:
            # htmx swaps only 2xx answers: the page reloads and shows the message at its top instead.
            messages.error(request, f"{field}: {rule}. Nothing was changed.")
            return HttpResponse(status=204, headers={"HX-Refresh": "true"})
        return render(request, "400.html", {"field": field, "rule": rule}, status=400)
