"""Idempotency-Key on POSTs: a shipping tool that retries gets the first answer again, never a second package.

The key's record is written in the same transaction as the action's changes, so either both are committed
or neither is. A second request with the key waits for the first to commit (the unique key), then gets its
stored answer; the same key with a different body is refused (422).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Header

from ordermanager.api.auth import require_write
from ordermanager.api.models import ApiToken, IdempotencyRecord
from ordermanager.api.problems import Problem, from_input_error, problem_response
from ordermanager.errors import InputError

KEEP = dt.timedelta(hours=24)
HEADER = "Idempotency-Key"
IdempotencyKey = Annotated[
    str | None,
    Header(alias=HEADER, max_length=255, description="Send a retried POST with the same key: it runs once."),
]


def _fingerprint(request: HttpRequest, body: Any) -> str:
    text = f"{request.method} {request.path}\n" + json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _respond(status: int, body: dict, replayed: bool = False) -> HttpResponse:
    response = JsonResponse(body, status=status) if status < 400 else problem_response(status, body)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _answer(run: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    try:
        return run()
    except InputError as error:
        found = from_input_error(error)
        return found.status, found.body()
    except Problem as problem:
        return problem.status, problem.body()


def write_once(
    request: HttpRequest, key: str | None, body: Any, run: Callable[[str], tuple[int, dict[str, Any]]]
) -> HttpResponse:
    """A write endpoint: a token that may write, then `run(actor)` (→ status, body) once per key."""
    token = require_write(request)
    return idempotent(request, token, key, body, lambda: run(f"api:{token.user.username}"))


def idempotent(request: HttpRequest, token: ApiToken, key: str | None, body: Any, run: Callable) -> HttpResponse:
    """Run `run` (→ status, body) once per key; answer as it did the first time."""
    if key is None:
        with transaction.atomic():
            return _respond(*_answer(run))
    key = key.strip()
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise Problem(422, f"{HEADER} is 1 to 255 printable characters", field=HEADER)
    fingerprint = _fingerprint(request, body)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(token=token, key=key, fingerprint=fingerprint)
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(token=token, key=key).first()
            if record is None or record.status is None:
                raise Problem(409, f"a request with this {HEADER} is still running; try again", field=HEADER) from None
            if record.fingerprint != fingerprint:
                raise Problem(
                    422, f"this {HEADER} was used for a different request; use a new key", field=HEADER
                ) from None
            return _respond(record.status, record.body, replayed=True)
        status, answer = _answer(run)
        record.status, record.body = status, answer
        record.save(update_fields=["status", "body"])
        IdempotencyRecord.objects.filter(token=token, created_at__lt=timezone.now() - KEEP).delete()
    return _respond(status, answer)
