"""HTTP endpoints of the control API. Each parses, calls into the model, commits, answers JSON."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from casandbox import auth, demo, shipping, stock, timefmt
from casandbox.control import seeding
from casandbox.gateway import Gateway
from casandbox.resources.products import PENDING

Endpoint = Callable[[Request], Awaitable[Response]]


class ControlError(ValueError):
    pass


def build(gateway: Gateway) -> Starlette:
    state = gateway.state

    def endpoint(fn: Callable[[Request, Any], Any]) -> Endpoint:
        """JSON in, JSON out; ValueError is the caller's mistake (400); changes commit before the reply."""

        async def run(request: Request) -> Response:
            raw = await request.body()
            try:
                body = json.loads(raw) if raw.strip() else {}
            except ValueError:
                return JSONResponse({"error": "the body is not valid JSON"}, status_code=400)
            try:
                result = fn(request, body)
            except (ValueError, KeyError, TypeError) as exc:
                state.storage.commit()
                return JSONResponse({"error": str(exc)}, status_code=400)
            state.storage.commit()
            if isinstance(result, Response):
                return result
            return JSONResponse(result)

        return run

    def health(request: Request, body: Any) -> Any:
        return {"status": "ok", "orders": len(state.orders), "now": timefmt.format_utc(state.clock.now())}

    def reset(request: Request, body: dict[str, Any]) -> Any:
        state.wipe()
        gateway.faults.clear()
        gateway.limiter.stats.__init__()  # type: ignore[misc]
        gateway.reconfigured()
        if body.get("seed") == "demo":
            demo.seed_demo(state)
        state.save_meta()
        return {"status": "reset", "orders": len(state.orders)}

    def seed(request: Request, body: dict[str, Any]) -> Any:
        return seeding.seed(state, body)

    def generate(request: Request, body: dict[str, Any]) -> Any:
        options = dict(body)
        profile, count = options.pop("profile_id"), int(options.pop("count"))
        return {"order_ids": seeding.generate_orders(state, profile, count, **options)}

    def order(request: Request, body: Any) -> Any:
        found = state.orders.get(int(request.path_params["order_id"]))
        if found is None:
            return JSONResponse({"error": "no such order"}, status_code=404)
        exported = [
            {"developer_key": dev, "application_id": app}
            for (dev, app), ids in state.exports.items()
            if found["ID"] in ids
        ]
        return {
            **{k: v for k, v in found.items() if not k.startswith("_")},
            "remaining": {str(k): v for k, v in shipping.remaining_by_item(found).items()},
            "exported_for": exported,
        }

    def product(request: Request, body: Any) -> Any:
        found = state.products.get(int(request.path_params["product_id"]))
        if found is None:
            return JSONResponse({"error": "no such product"}, status_code=404)
        return stock.derived(state, PENDING, found)

    def calls(request: Request, body: Any) -> Any:
        since = int(request.query_params.get("since", 0))
        route = request.query_params.get("route")
        limit = int(request.query_params.get("limit", 100_000))
        found = _after(state.calls, since)
        if route:
            found = [c for c in found if route in (c["route"], c["group"])]
        return {"calls": found[:limit], "last_seq": state.calls[-1]["seq"] if state.calls else 0}

    def fulfillments(request: Request, body: Any) -> Any:
        since = int(request.query_params.get("since", 0))
        found = _after(state.shipments, since)
        if "order_id" in request.query_params:
            found = [s for s in found if s["order_id"] == int(request.query_params["order_id"])]
        return {"fulfillments": found, "last_seq": state.shipments[-1]["seq"] if state.shipments else 0}

    def stats(request: Request, body: Any) -> Any:
        if request.method == "POST":
            in_flight = gateway.limiter.stats.in_flight
            gateway.limiter.stats.__init__()  # type: ignore[misc]
            gateway.limiter.stats.in_flight = in_flight
        return gateway.limiter.stats.to_dict()

    def faults(request: Request, body: Any) -> Any:
        if request.method == "POST":
            specs = body if isinstance(body, list) else [body]
            return {"faults": [gateway.faults.add(spec).to_dict() for spec in specs]}
        if request.method == "DELETE":
            gateway.faults.clear()
        return {"faults": gateway.faults.list()}

    def config(request: Request, body: Any) -> Any:
        if request.method == "PATCH":
            state.config.update(body)
            gateway.reconfigured()
            state.save_meta()
        return state.config.to_dict()

    def clock(request: Request, body: dict[str, Any]) -> Any:
        if request.method == "POST":
            if not {"advance", "set", "freeze"} & set(body):
                raise ControlError("give 'advance' (seconds), 'set' (an ISO-8601 time) or 'freeze' (true or false)")
            if "freeze" in body:
                if not isinstance(body["freeze"], bool):
                    raise ControlError("'freeze' must be true or false")
                if body["freeze"]:
                    state.clock.freeze()
                else:
                    state.clock.thaw()
            if "advance" in body:
                state.clock.advance(float(body["advance"]))
            elif "set" in body:
                state.clock.set(timefmt.parse_iso(body["set"]))
            state.save_meta()
        clock = state.clock
        return {"now": timefmt.format_utc(clock.now()), "offset": clock.offset, "frozen": clock.frozen}

    def revoke(request: Request, body: dict[str, Any]) -> Any:
        record = state.refresh_tokens.get(body.get("refresh_token", ""))
        if record is None:
            return JSONResponse({"error": "no such refresh token"}, status_code=404)
        record["revoked"] = True
        state.storage.put("refresh_token", record["token"], record)
        return {"revoked": record["token"]}

    def auth_code(request: Request, body: dict[str, Any]) -> Any:
        app = state.applications[body["application_id"]]
        profiles = body.get("profiles", app["profiles"])
        code = auth.add_auth_code(
            state, app["application_id"], profiles, body.get("scope", demo.SCOPE), body.get("redirect_uri")
        )
        return {"code": code["code"], "expires_at": code["expires_at"]}

    def carriers(request: Request, body: Any) -> Any:
        return {"carriers": [row for table in state.carriers.values() for row in table.values()]}

    def exports(request: Request, body: Any) -> Any:
        return {
            "exports": [
                {"developer_key": dev, "application_id": app, "order_ids": sorted(ids)}
                for (dev, app), ids in state.exports.items()
            ]
        }

    routes = [
        Route("/_sandbox/health", endpoint(health), methods=["GET"]),
        Route("/_sandbox/reset", endpoint(reset), methods=["POST"]),
        Route("/_sandbox/seed", endpoint(seed), methods=["POST"]),
        Route("/_sandbox/orders/generate", endpoint(generate), methods=["POST"]),
        Route("/_sandbox/orders/{order_id:int}", endpoint(order), methods=["GET"]),
        Route("/_sandbox/products/{product_id:int}", endpoint(product), methods=["GET"]),
        Route("/_sandbox/calls", endpoint(calls), methods=["GET"]),
        Route("/_sandbox/fulfillments", endpoint(fulfillments), methods=["GET"]),
        Route("/_sandbox/stats", endpoint(stats), methods=["GET", "POST"]),
        Route("/_sandbox/faults", endpoint(faults), methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/config", endpoint(config), methods=["GET", "PATCH"]),
        Route("/_sandbox/clock", endpoint(clock), methods=["GET", "POST"]),
        Route("/_sandbox/revoke", endpoint(revoke), methods=["POST"]),
        Route("/_sandbox/auth-codes", endpoint(auth_code), methods=["POST"]),
        Route("/_sandbox/carriers", endpoint(carriers), methods=["GET"]),
        Route("/_sandbox/exports", endpoint(exports), methods=["GET"]),
    ]
    return Starlette(routes=routes)


def _after(records: list[dict[str, Any]], since: int) -> list[dict[str, Any]]:
    """Records with seq > since; seqs grow by one, so the start index is found by bisection."""
    lo, hi = 0, len(records)
    while lo < hi:
        mid = (lo + hi) // 2
        if records[mid]["seq"] <= since:
            lo = mid + 1
        else:
            hi = mid
    return records[lo:]
