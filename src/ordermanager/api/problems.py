"""Errors as RFC 9457 problem details (application/problem+json), each naming the field at fault.

Every error the API can give goes through here: bad input (422), a missing or wrong token (401), a token
without the scope (403), an unknown order or record (404), a conflict such as a tracking number already on
another order or a request still running under the same Idempotency-Key (409), and too many requests (429).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ordermanager.errors import InputError

CONTENT_TYPE = "application/problem+json"
TITLES = {
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    422: "Invalid request",
    429: "Too many requests",
}
ERROR_STATUSES = (401, 403, 404, 409, 422, 429)


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None


class Problem(Exception):
    def __init__(self, status: int, detail: str, *, field: str | None = None, headers: dict | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.field, self.headers = status, detail, field, headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "about:blank", "title": TITLES[self.status], "status": self.status}
        body["detail"] = self.detail
        if self.field:
            body["field"] = self.field
        return body


def problem_response(status: int, body: dict[str, Any], headers: dict | None = None) -> HttpResponse:
    response = JsonResponse(body, status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def from_input_error(error: InputError) -> Problem:
    """The action's refusal as a problem: a number on another order is a conflict, a missing order is 404."""
    if error.message.startswith("there is no"):
        return Problem(
            404, error.message, field={"order": "number", "record": "record_id"}.get(error.field, error.field)
        )
    if error.field == "tracking_number" and "already on order" in error.message:
        return Problem(409, error.message, field="tracking_number")
    return Problem(422, error.message, field=error.field)


def _field_of(location: tuple | list) -> str:
    # ("body", "payload", "items", 0, "quantity") → "items[0].quantity"; ("query", "limit") → "limit"
    parts = [p for p in location if p not in ("body", "query", "path", "header", "payload", "filters")]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(Problem)
    def problem(request: HttpRequest, exc: Problem) -> HttpResponse:
        return problem_response(exc.status, exc.body(), exc.headers)

    @api.exception_handler(InputError)
    def input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
        found = from_input_error(exc)
        return problem_response(found.status, found.body())

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{"field": _field_of(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in exc.errors]
        first = errors[0] if errors else {"field": "body", "message": "is not valid"}
        body = Problem(422, f"{first['field']}: {first['message']}", field=first["field"]).body()
        body["errors"] = errors
        return problem_response(422, body)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        detail = "send a valid, unrevoked personal token: Authorization: Bearer om_..."
        body = Problem(401, detail, field="Authorization").body()
        return problem_response(401, body, {"WWW-Authenticate": 'Bearer realm="ordermanager"'})

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code if exc.status_code in TITLES else 422
        return problem_response(status, Problem(status, str(exc)).body())


def mark_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """ninja documents every response as application/json; error responses are application/problem+json."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status) in {str(s) for s in ERROR_STATUSES} and "application/json" in content:
                    content[CONTENT_TYPE] = content.pop("application/json")
    return schema
