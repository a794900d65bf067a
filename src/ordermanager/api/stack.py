"""/api/v1/stack: what is on the stack, its records, and retrying them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from ordermanager.api import cursors
from ordermanager.api.idempotency import IdempotencyKey, write_once
from ordermanager.api.problems import ERROR_STATUSES, ProblemOut
from ordermanager.api.schemas import Id, RetryOut, StackCountsOut, StackRecordPage
from ordermanager.stack import actions as stack_actions
from ordermanager.stack.models import StackRecord, State
from ordermanager.stack.overview import overview

router = Router(tags=["stack"])
ERRORS = dict.fromkeys(ERROR_STATUSES, ProblemOut)


class RecordFilters(Schema):
    state: State | None = None
    cursor: str | None = NinjaField(None, max_length=200)
    limit: int = NinjaField(50, ge=1, le=200)


@router.get("/stack", response={200: StackCountsOut, **ERRORS}, summary="The stack's status")
def stack_status(request: HttpRequest) -> dict[str, Any]:
    now = overview()
    return {
        "on_stack": now.on_stack,
        "problems": now.problems,
        "oldest_waiting_seconds": now.oldest_waiting_seconds,
        "controllers_running": len(now.controllers),
        "by_cart": now.counts,
    }


def record_row(record: StackRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "kind": record.kind,
        "state": record.state,
        "cart": record.cart.store_name if record.cart else None,
        "order": record.order_id,
        "attempts": record.attempts,
        "last_error": record.last_error,
        "fix_hint": record.fix_hint,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "sent_at": record.sent_at,
    }


@router.get("/stack/records", response={200: StackRecordPage, **ERRORS}, summary="Stack records")
def stack_records(request: HttpRequest, filters: Query[RecordFilters]) -> dict[str, Any]:
    query = StackRecord.objects.select_related("cart")
    if filters.state is not None:
        query = query.filter(state=filters.state)
    rows, next_cursor = cursors.page(cursors.after(query, filters.cursor, "created_at"), filters.limit, "created_at")
    return {"items": [record_row(r) for r in rows], "next_cursor": next_cursor}


@router.post("/stack/records/{record_id}/retry", response={200: RetryOut, **ERRORS}, summary="Retry a record")
def retry_record(request: HttpRequest, record_id: Id, idempotency_key: IdempotencyKey = None) -> HttpResponse:
    def run(actor: str) -> tuple[int, dict[str, Any]]:
        return 200, {"retried": stack_actions.retry_records(actor=actor, ids=[record_id])}

    return write_once(request, idempotency_key, {"record": record_id}, run)


@router.post("/stack/retry-problems", response={200: RetryOut, **ERRORS}, summary="Retry every problem record")
def retry_problems(request: HttpRequest, idempotency_key: IdempotencyKey = None) -> HttpResponse:
    def run(actor: str) -> tuple[int, dict[str, Any]]:
        return 200, {"retried": stack_actions.retry_records(actor=actor, problems=True)}

    return write_once(request, idempotency_key, {}, run)
