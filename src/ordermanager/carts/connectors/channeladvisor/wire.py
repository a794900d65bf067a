"""Bounds on every call to a cart: a total deadline, a maximum answer size, and where a link may lead.

httpx bounds each read of the socket, not the whole call: a server that drips one byte every few
seconds never trips a read timeout. The deadline is enforced inside the network stream instead, so it
covers the status line and headers as well as the body, on new and reused connections alike.
"""

from __future__ import annotations

import itertools
import json as jsonlib
import ssl
import threading
import time
import typing
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import httpcore
import httpx

_local = threading.local()


@dataclass(frozen=True)
class Limits:
    """What one cart connection allows itself. The defaults suit the real ChannelAdvisor."""

    deadline_seconds: float = 120.0  # a whole call, from the first byte sent to the last byte read
    read_seconds: float = 30.0  # silence on the socket
    max_answer_bytes: int = 20 * 1024 * 1024
    max_pages: int = 1000  # pages one import run or one Test Settings may read
    max_retry_after_seconds: float = 900.0  # a longer Retry-After is nonsense and treated as absent

    @property
    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(connect=min(5.0, self.deadline_seconds), read=self.read_seconds, write=30.0, pool=30.0)


class DeadlineExceeded(httpcore.ReadTimeout):
    """The call's total deadline passed while the answer was still arriving."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every socket read and write of this thread inside the block ends by `seconds` from now."""
    previous = getattr(_local, "at", None)
    _local.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.at = previous


def _bounded(timeout: float | None) -> float | None:
    at = getattr(_local, "at", None)
    if at is None:
        return timeout
    remaining = at - time.monotonic()
    if remaining <= 0:
        raise DeadlineExceeded("the call's deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._inner.read(max_bytes, _bounded(timeout))
        except httpcore.ReadTimeout:
            _bounded(None)  # raises DeadlineExceeded if the deadline, not the read timeout, ran out
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._inner.write(buffer, _bounded(timeout))
        except httpcore.WriteTimeout:
            _bounded(None)
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    def connect_tcp(self, *args: typing.Any, **kwargs: typing.Any) -> httpcore.NetworkStream:
        return _DeadlineStream(super().connect_tcp(*args, **kwargs))


class TooLarge(Exception):
    pass


@dataclass(frozen=True)
class Reply:
    status: int
    headers: httpx.Headers
    body: bytes  # decoded; empty for a redirect, which is refused unread


class Connections:
    """A cart's keep-alive connections, and one exchange over them: httpcore's pool, with sockets that honour the
    thread's `deadline`, called directly.

    httpx's Client and its Request and Response models cost more CPU per call than the HTTP itself: the URL
    parsed and checked character by character in Python, header objects built and merged, the auth, redirect
    and cookie flows. That was about 0.25 ms of the 0.7 ms of CPU a call cost the stack and the import on this
    machine, and none of it serves a client that sends its own token, refuses redirects and keeps no cookies.
    httpcore still speaks HTTP/1.1 (framing, keep-alive, the pool); its errors are raised as httpx's, as
    httpx's transport raises them, with the original as the cause.
    """

    def __init__(self, limits: httpx.Limits, timeout: httpx.Timeout) -> None:
        self._timeout = timeout.as_dict()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(),
        )

    def close(self) -> None:
        self._pool.close()

    def exchange(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        *,
        max_bytes: int,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        json: typing.Any = None,
    ) -> Reply:
        """Send one request (`params` added to the query, `data` a form, `json` a JSON body) and read its answer,
        decoded and at most `max_bytes` long (TooLarge past that). Raises httpx.TransportError when no whole
        answer came, httpx.DecodingError when its Content-Encoding does not hold."""
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        sent = dict(headers)
        content = b""
        if json is not None:
            content = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            sent["Content-Type"] = "application/json"
        elif data is not None:
            content = urlencode(data).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if content or method in ("POST", "PUT", "PATCH"):
            sent["Content-Length"] = str(len(content))
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        with _as_httpx_errors():
            request = httpcore.Request(
                method,
                httpcore.URL(scheme=parts.scheme, host=parts.hostname or "", port=parts.port, target=target),
                headers=[("Host", parts.netloc.rpartition("@")[2]), *sent.items()],
                content=content,
                extensions={"timeout": self._timeout},
            )
            response = self._pool.handle_request(request)
            try:
                answer_headers = httpx.Headers(response.headers)
                if 300 <= response.status < 400:
                    return Reply(response.status, answer_headers, b"")
                body = _read_capped(response, answer_headers, max_bytes)
            finally:
                response.close()  # back to the pool, or shut when the answer was cut short or refused
        return Reply(response.status, answer_headers, body)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        # httpcore's errors bear the names of httpx's (ReadTimeout, ConnectError, UnsupportedProtocol …).
        for kind in type(error).__mro__:
            mapped = getattr(httpx, kind.__name__, None) if kind.__module__.startswith("httpcore") else None
            if isinstance(mapped, type) and issubclass(mapped, httpx.TransportError):
                raise mapped(str(error)) from error
        raise


def _read_capped(response: httpcore.Response, headers: httpx.Headers, max_bytes: int) -> bytes:
    """The body, decoded, refused as soon as it passes `max_bytes` (never held whole, even when it inflates)."""
    declared = headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"it announces {int(declared):,} bytes")
    inflate = _decoder(headers.get("Content-Encoding", ""))
    chunks, size = [], 0
    stream = typing.cast(typing.Iterable[bytes], response.stream)
    for raw in itertools.chain(stream, [b""]):  # the empty chunk at the end flushes the decoder
        try:
            chunk = inflate(raw, max_bytes + 1 - size) if inflate else raw
        except zlib.error as error:
            raise httpx.DecodingError(str(error)) from None
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"it was still coming after {max_bytes:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _decoder(encoding: str) -> typing.Callable[[bytes, int], bytes] | None:
    """What undoes the Content-Encoding we ask for (gzip, deflate). Each call gives at most `limit` bytes, so
    that a small answer that inflates enormously is stopped at the limit, not after."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    elif encoding == "deflate":
        inflater = zlib.decompressobj()
    else:
        raise httpx.DecodingError(f"its Content-Encoding {encoding!r} was not asked for")

    def inflate(data: bytes, limit: int) -> bytes:
        out = inflater.decompress(inflater.unconsumed_tail + data, max(limit, 1))
        if not data and not inflater.unconsumed_tail:
            out += inflater.flush()
        return out

    return inflate


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port or default
    except ValueError:  # a port that is not a number
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def foreign_link(url: str, base_url: str) -> str | None:
    """Why the bearer token must not travel to `url`, or None when it is the cart's own address."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "it is not a valid address"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "it carries user info"
    mine, theirs = origin(base_url), origin(url)
    if theirs[0] != mine[0]:
        return f"its scheme is {theirs[0] or 'missing'}, not {mine[0]}"
    if theirs[1:] != mine[1:]:
        return f"it leads to {parts.netloc or 'nowhere'}, not {urlsplit(base_url).netloc}"
    return None
