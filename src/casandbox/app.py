"""The ASGI application: the emulated API, and the control API under /_sandbox/."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from casandbox import demo
from casandbox.control import api as control_api
from casandbox.gateway import Gateway
from casandbox.http import ApiRequest
from casandbox.state import State
from casandbox.storage import Storage

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# When a drop fault fires, the client gets these headers and then a closed connection: it can never
# tell whether the change was applied.
_DROP_HEADERS = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", b"1024")]


class SandboxApp:
    def __init__(self, data_path: str, *, base_url: str | None = None, seed: str | None = None) -> None:
        self.state = State(Storage(data_path))
        self.state.load()
        if seed == "demo" and not self.state.orders and not self.state.applications:
            demo.seed_demo(self.state)
            self.state.save_meta()
            self.state.storage.commit()
        self.gateway = Gateway(self.state)
        self.control = control_api.build(self.gateway)
        self.base_url = base_url.rstrip("/") if base_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"].startswith("/_sandbox/"):
            await self.control(scope, receive, send)
            return
        body = bytearray()
        complete = False

        async def read_body() -> bytes:
            nonlocal complete
            while not complete:
                message = await receive()
                body.extend(message.get("body", b""))
                complete = not message.get("more_body")
            return bytes(body)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        client = scope.get("client") or ("127.0.0.1", 0)
        req = ApiRequest(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            b"",
            client[0],
            self.base_url or f"{scope.get('scheme', 'http')}://{headers.get('host', 'localhost')}",
        )
        # The gateway reads the body once the request holds its slot; an early refusal leaves it to us.
        response, drop = await self.gateway.handle(req, read_body)
        await read_body()
        if drop:
            await send({"type": "http.response.start", "status": 200, "headers": _DROP_HEADERS})
            return  # uvicorn closes the transport: the body never comes
        raw_headers = [(k.encode(), v.encode()) for k, v in response.headers]
        if response.status != 204:
            raw_headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": response.body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.state.storage.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
