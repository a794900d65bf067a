"""Bearer authentication with personal tokens, the per-token rate limit, and the write scope."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from ordermanager.api import tokens
from ordermanager.api.models import ApiToken
from ordermanager.api.problems import Problem


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        record = tokens.authenticate(token)
        if record is None:
            return None
        wait = tokens.take_request(record)
        if wait:
            raise Problem(
                429,
                f"this token made {tokens.per_minute()} requests this minute; wait {wait} s",
                field="Authorization",
                headers={"Retry-After": str(wait)},
            )
        return record


def require_write(request: HttpRequest) -> ApiToken:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if token.scope != ApiToken.Scope.WRITE:
        raise Problem(403, "this token may only read; create one with --scope write", field="Authorization")
    return token
