"""Bounds on every call to a cart: a total deadline, a maximum answer size, and where a link may lead.

httpx bounds each read of the socket, not the whole call: a server that drips one byte every few
seconds never trips a read timeout. The deadline is enforced inside the network stream instead, so it
covers the status line and headers as well as the body, on new and reused connections alike.
"""

from __future__ import annotations

import ssl
import threading
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

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


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport, with sockets that honour the thread's `deadline`."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(),
        )


class TooLarge(Exception):
    pass


def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The body of a streamed answer, refused as soon as it passes `max_bytes` (never held whole)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"it announces {int(declared):,} bytes")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"it was still coming after {max_bytes:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


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
