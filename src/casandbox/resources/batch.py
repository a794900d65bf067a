"""POST /v1/$batch: every part goes through the normal router, auth and limits; failures stay inner."""

from __future__ import annotations

import json

from casandbox.context import Ctx
from casandbox.errors import bad_request
from casandbox.http import ApiRequest, ApiResponse, json_response
from casandbox.multipart import MultipartError, multipart_response, parse_batch
from casandbox.odata.options import query_param


def batch(ctx: Ctx) -> ApiResponse:
    run_part = ctx.run_part
    assert run_part is not None, "the gateway sets run_part for $batch"
    try:
        parts = parse_batch(ctx.req.body, ctx.req.headers.get("content-type", ""))
    except MultipartError as exc:
        raise bad_request(str(exc)) from exc
    limit = ctx.state.config.batch_max_parts
    if len(parts) > limit:
        raise bad_request(f"A batch may hold at most {limit} requests; this one holds {len(parts)}.")
    outer_auth = ctx.req.headers.get("authorization")
    outer_token = query_param(ctx.req.query, "access_token")
    results = []
    for index, part in enumerate(parts, start=1):
        headers = {"authorization": outer_auth} if outer_auth else {}
        headers.update(part.headers)
        query = part.query
        if outer_token and "authorization" not in headers and query_param(query, "access_token") is None:
            query = f"{query}&access_token={outer_token}" if query else f"access_token={outer_token}"
        inner = ApiRequest(part.method, part.path, query, headers, part.body, ctx.req.client, ctx.req.base_url, True)
        results.append((part.content_id or str(index), run_part(inner)))
    if "multipart/mixed" in ctx.req.headers.get("accept", "").lower():
        body, content_type = multipart_response([(r.status, r.headers, r.body) for _, r in results])
        return ApiResponse(200, body, [("content-type", content_type), ("odata-version", "4.0")])
    return json_response({"responses": [_json_part(cid, r) for cid, r in results]})


def _json_part(content_id: str, response: ApiResponse) -> dict[str, object]:
    out: dict[str, object] = {
        "id": content_id,
        "status": response.status,
        "headers": dict(response.headers),
    }
    if response.body:
        try:
            out["body"] = json.loads(response.body)
        except ValueError:
            out["body"] = response.body.decode(errors="replace")
    return out
