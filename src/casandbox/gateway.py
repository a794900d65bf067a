"""The front door of the emulated API: route, authenticate, throttle, inject faults, run, record, commit.

Handlers are synchronous and run between two awaits, so one request's state change never interleaves
with another's; latency and slow faults wait without blocking, so hundreds of requests can wait at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any
from urllib.parse import unquote_plus

from casandbox import timefmt
from casandbox.auth import authenticate, token_expired
from casandbox.context import Ctx, Effects, Principal, Route
from casandbox.errors import ApiError
from casandbox.faults import Faults, Hit
from casandbox.http import ApiRequest, ApiResponse
from casandbox.limits import Limiter
from casandbox.router import resolve
from casandbox.state import State

log = logging.getLogger("casandbox")

ANONYMOUS = Principal("", "", "", (), frozenset(), False)
BATCH_ROUTE_NAME = "batch"
_PROFILE_FILTER = re.compile(r"\bprofileid\s+eq\s+(\d+)", re.IGNORECASE)
_BODY_LOG_LIMIT = 100_000
BodyReader = Callable[[], Awaitable[bytes]]


class Gateway:
    def __init__(self, state: State) -> None:
        self.state = state
        self.faults = Faults()
        self.limiter = Limiter(state.config.limits)
        self._batches = 0
        self._flush: asyncio.Future[None] | None = None
        self._latency_ms = state.config.latency_ms
        self._latency_changed = asyncio.Event()

    def reconfigured(self) -> None:
        """The limits may have changed: windows start afresh with the new numbers."""
        self.limiter.limits = self.state.config.limits
        self.limiter.reset_windows()
        if self.state.config.latency_ms != self._latency_ms:
            # Requests waiting out the old latency go on at once: a test can hold requests with a long
            # latency, look at them (stats), then let them go, instead of racing a short one.
            self._latency_ms = self.state.config.latency_ms
            self._latency_changed.set()
            self._latency_changed = asyncio.Event()

    async def handle(self, req: ApiRequest, read_body: BodyReader | None = None) -> tuple[ApiResponse, bool]:
        """Serve one HTTP request; the flag says to drop the connection instead of answering.

        `req` may arrive with its headers only and `read_body` to fetch the rest: the request holds its
        integration's concurrency slot from its arrival until its answer is committed, as CA counts it,
        so the limit holds even at zero latency and for a client that sends its body slowly.
        """
        stats = self.limiter.stats
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        started = time.perf_counter()
        route: Route | None = None
        principal, hit, effects = ANONYMOUS, Hit(), Effects()
        slept = False
        ctx: Ctx | None = None
        held: str | None = None
        try:
            try:
                route, match = self._resolve(req)
                principal = self._authenticate(req, route)
                if route.auth and principal.application_id:
                    self.limiter.enter(principal.application_id)
                    held = principal.application_id
                if read_body is not None:
                    req = replace(req, body=await read_body())
                await self._latency()
                slept = True
                hit = self.faults.pick(route.name, route.group)
                if hit.delay_ms:
                    await asyncio.sleep(hit.delay_ms / 1000)
                ctx = Ctx(self.state, req, route, match, principal, effects)
                response = self._run(ctx, hit)
            except ApiError as exc:
                response = exc.response()
            if not slept:
                await self._latency()
            if effects.delay_ms:
                await asyncio.sleep(effects.delay_ms / 1000)
            drop = hit.drop or effects.drop
            self._record(req, route, principal, response, ctx, hit, started, dropped=drop)
            await self._durable()
            return response, drop
        finally:
            if held:
                self.limiter.leave(held)
            stats.in_flight -= 1

    def _authenticate(self, req: ApiRequest, route: Route) -> Principal:
        if not route.auth:
            return ANONYMOUS
        try:
            return authenticate(self.state, req, route)
        except ApiError:
            if (
                route.name == BATCH_ROUTE_NAME
                and self.state.config.strict_undocumented
                and token_expired(self.state, req)
            ):
                return ANONYMOUS  # CA answers such a $batch 200, each part 401 under the same token
            raise

    async def _durable(self) -> None:
        """Wait until this request's writes are committed.

        Requests that finish in the same turn of the event loop share one commit (group commit): a
        commit costs about 100 microseconds here, more than a Ship call's own work.
        """
        if self._flush is None:
            loop = asyncio.get_running_loop()
            self._flush = loop.create_future()
            loop.call_soon(self._commit)
        await asyncio.shield(self._flush)

    def _commit(self) -> None:
        flush, self._flush = self._flush, None
        assert flush is not None
        try:
            self.state.storage.commit()
        except Exception as exc:  # the waiting requests fail rather than answer as if durable
            flush.set_exception(exc)
        else:
            flush.set_result(None)

    def _resolve(self, req: ApiRequest) -> tuple[Route, re.Match[str]]:
        url = f"{req.base_url}{req.path}" + (f"?{req.query}" if req.query else "")
        return resolve(req.method, req.path, url)

    async def _latency(self) -> None:
        if self.state.config.latency_ms:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._latency_changed.wait(), self.state.config.latency_ms / 1000)

    def _run(self, ctx: Ctx, hit: Hit) -> ApiResponse:
        """Faults, limits, then the handler: the part an HTTP request and a batch part share."""
        try:
            if hit.error:
                raise hit.error
            if ctx.route.auth:
                ctx.charged = self._charged_profiles(ctx)
                self.limiter.charge(self.state.clock.time(), ctx.charged, ctx.req.client)
            if ctx.route.name == BATCH_ROUTE_NAME:
                self._batches += 1
                batch_id = ctx.effects.batch_id = self._batches
                ctx.run_part = lambda inner: self._run_part(inner, ctx.effects, batch_id)
            return ctx.route.handler(ctx)
        except ApiError as exc:
            return exc.response()
        except Exception:
            log.exception("unexpected error in %s %s", ctx.req.method, ctx.req.path)
            return ApiError(500, "An error has occurred.").response()

    def _run_part(self, req: ApiRequest, effects: Effects, batch_id: int) -> ApiResponse:
        started = time.perf_counter()
        route: Route | None = None
        principal, hit, ctx = ANONYMOUS, Hit(), None
        try:
            route, match = self._resolve(req)
            if not route.batchable or route.name == BATCH_ROUTE_NAME:
                raise ApiError(400, f"The request '{req.method} {req.path}' is not allowed inside a batch.")
            principal = authenticate(self.state, req, route) if route.auth else ANONYMOUS
            hit = self.faults.pick(route.name, route.group)
            effects.delay_ms += hit.delay_ms
            effects.drop = effects.drop or hit.drop
            ctx = Ctx(self.state, req, route, match, principal, Effects())
            response = self._run(ctx, hit)
        except ApiError as exc:
            response = exc.response()
        self._record(req, route, principal, response, ctx, hit, started, dropped=False, batch_id=batch_id)
        return response

    def _charged_profiles(self, ctx: Ctx) -> list[int]:
        """The profile(s) a call counts against: the keyed entity's, else a ProfileID filter, else all."""
        state, key = ctx.state, ctx.route.key
        entity: dict[str, Any] | None = None
        if key in ("order", "order_item", "fulfillment", "fulfillment_item"):
            lookup = {
                "order": state.orders.get,
                "order_item": state.order_of_item,
                "fulfillment": state.order_of_fulfillment,
                "fulfillment_item": state.order_of_fulfillment_item,
            }[key]
            entity = lookup(ctx.key())
        elif key == "product":
            entity = state.products.get(ctx.key())
        if entity is not None and ctx.visible(entity["ProfileID"]):
            return [entity["ProfileID"]]
        m = _PROFILE_FILTER.search(unquote_plus(ctx.req.query))
        if m and ctx.visible(int(m.group(1))):
            return [int(m.group(1))]
        return list(ctx.principal.profiles)

    def _record(
        self,
        req: ApiRequest,
        route: Route | None,
        principal: Principal,
        response: ApiResponse,
        ctx: Ctx | None,
        hit: Hit,
        started: float,
        *,
        dropped: bool,
        batch_id: int | None = None,
    ) -> None:
        name = route.name if route else None
        stats = self.limiter.stats
        stats.requests[name or "unmatched"][response.status] += 1
        if response.status == 429:
            stats.throttled += 1
        if batch_id is None and ctx is not None:
            batch_id = ctx.effects.batch_id
        call = {
            "time": timefmt.format_utc(self.state.clock.now()),
            "method": req.method,
            "path": req.path,
            "query": req.query,
            "body": req.body[:_BODY_LOG_LIMIT].decode(errors="replace"),
            "status": response.status,
            "route": name,
            "group": route.group if route else None,
            "application_id": principal.application_id or None,
            "profile_ids": ctx.charged if ctx and ctx.charged else list(principal.profiles),
            "client": req.client,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "faults": hit.modes,
            "dropped": dropped,
            "batch": batch_id,
            "in_batch": req.in_batch,
            "response": response.body[:2000].decode(errors="replace") if response.status >= 400 else None,
        }
        self.state.add_call(call)
