"""Bounds on every call to a cart: a total deadline, a maximum answer size, and where a link may lead.

A socket timeout bounds each read, not the whole call: a server that drips one byte every few seconds never
trips it. The deadline is enforced on every read and write of the socket instead, so it covers the status
line and headers as well as the body, on new and reused connections alike.
"""

from __future__ import annotations

import base64
import functools
import http.client
import io
import itertools
import json as jsonlib
import select
import socket
import threading
import time
import typing
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

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


class DeadlineExceeded(Exception):
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


class TooLarge(Exception):
    pass


@dataclass(frozen=True)
class Reply:
    status: int
    headers: httpx.Headers
    body: bytes  # decoded; empty for a redirect, which is refused unread


Proxy = urllib.parse.SplitResult


class Connections:
    """A cart's keep-alive connections, and one exchange over them, on the standard library's http.client.

    httpx and httpcore cost more CPU per call than the call's own work: the URL parsed and checked character by
    character in Python, header objects built and merged, h11's state machine for each event. On this 2-core
    machine that was 0.5 ms of the 0.7 ms a ChannelAdvisor call cost the import and the stack; http.client
    (whose parsing is the standard library's) costs about 0.2 ms. What the client relies on is kept:
    - every read and write ends by the thread's `deadline`, so a server that drips its answer cannot hold a
      call past it; each read also ends after `read` seconds of silence;
    - at most `max_connections` calls at once; a kept connection is reused only while the server has not
      closed it (nothing may be waiting to be read on it) and for at most `keepalive_expiry` seconds idle;
    - a failure is raised as httpx's exception of the same meaning (ConnectError, ReadTimeout,
      RemoteProtocolError …), which `transport_error` reads to tell a call that never left from one that may
      have landed;
    - HTTP_PROXY / HTTPS_PROXY / NO_PROXY are honoured as httpx honoured them (an https call tunnels through
      the proxy with CONNECT).
    """

    def __init__(self, limits: httpx.Limits, timeout: httpx.Timeout) -> None:
        self._connect, self._read, self._write, self._wait = timeout.connect, timeout.read, timeout.write, timeout.pool
        self._slots = threading.BoundedSemaphore(limits.max_connections or 100)
        self._keep = limits.max_keepalive_connections if limits.max_keepalive_connections is not None else 100
        self._expiry = limits.keepalive_expiry if limits.keepalive_expiry is not None else 5.0
        self._idle: dict[tuple, list[tuple[float, http.client.HTTPConnection]]] = {}
        self._lock = threading.Lock()
        self._tls = httpx.create_ssl_context()
        self._proxies = urllib.request.getproxies_environment()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for _, connection in connections:
                connection.close()

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
        scheme, host = parts.scheme.lower(), parts.hostname or ""
        if scheme not in ("http", "https") or not host:
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme}://'.")
        port = parts.port or (443 if scheme == "https" else 80)
        authority = parts.netloc.rpartition("@")[2]
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = {"Host": authority, **sent}
        proxy = self._proxy_for(scheme, host)
        if proxy is not None and scheme == "http":  # the absolute form; an https call tunnels (see _open)
            target = urlunsplit(("http", authority, parts.path or "/", parts.query, ""))
            sent.update(_proxy_auth(proxy))
        try:
            free = self._slots.acquire(timeout=_bounded(self._wait))
        except DeadlineExceeded as error:
            raise httpx.PoolTimeout(str(error)) from error
        if not free:
            raise httpx.PoolTimeout(f"no free connection to {host} within {self._wait} s")
        try:
            key = (scheme, host, port, proxy)
            connection = self._reuse(key) or self._open(scheme, host, port, proxy)
            try:
                reply, keep = self._over(connection, method, target, sent, content, max_bytes)
            except BaseException:
                connection.close()
                raise
            if keep:
                self._keep_idle(key, connection)
            else:
                connection.close()
            return reply
        finally:
            self._slots.release()

    def _over(
        self, connection: http.client.HTTPConnection, method: str, target: str, headers: dict, body: bytes, cap: int
    ) -> tuple[Reply, bool]:
        """The exchange on one connection; whether the connection may serve another."""
        # A header or target with characters HTTP forbids (a line break in a token) is refused unsent.
        with _as_httpx("send"):
            connection.sock.settimeout(_bounded(self._write))
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(body or None)
        with _as_httpx("answer"):
            response = connection.getresponse()
            try:
                answer_headers = httpx.Headers(response.getheaders())
                if 300 <= response.status < 400:  # refused unread: the connection goes with it
                    return Reply(response.status, answer_headers, b""), False
                body = _read_capped(_chunks(response), answer_headers, cap)
            finally:
                # Its reader lets go of the socket now, not whenever it is collected: a socket collected
                # before its reader would be reported unclosed.
                response.close()
        return Reply(response.status, answer_headers, body), not response.will_close

    def _open(self, scheme: str, host: str, port: int, proxy: Proxy | None) -> http.client.HTTPConnection:
        where = (proxy.hostname or "", proxy.port or 80) if proxy is not None else (host, port)
        if scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(*where, context=self._tls)
            if proxy is not None:
                connection.set_tunnel(host, port, headers=_proxy_auth(proxy))
        else:
            connection = http.client.HTTPConnection(*where)
        connection.response_class = functools.partial(_Response, read_timeout=self._read)  # type: ignore[assignment]
        with _as_httpx("connect"):  # refused, unreachable, TLS refused, tunnel refused, too slow
            try:
                connection.timeout = _bounded(self._connect)
                connection.connect()
            except BaseException:
                connection.close()
                raise
        return connection

    def _reuse(self, key: tuple) -> http.client.HTTPConnection | None:
        now = time.monotonic()
        while True:
            with self._lock:
                kept = self._idle.get(key)
                if not kept:
                    return None
                since, connection = kept.pop()
            # Idle too long, or the server closed it (or sent something unasked): a request on it would fail.
            if now - since <= self._expiry and connection.sock is not None and not _readable(connection.sock):
                return connection
            connection.close()

    def _keep_idle(self, key: tuple, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            kept = self._idle.setdefault(key, [])
            if len(kept) < self._keep:
                kept.append((time.monotonic(), connection))
                return
        connection.close()

    def _proxy_for(self, scheme: str, host: str) -> Proxy | None:
        address = self._proxies.get(scheme) or self._proxies.get("all")
        if not address or urllib.request.proxy_bypass_environment(host, self._proxies):
            return None
        return urlsplit(address if "://" in address else f"http://{address}")


def _proxy_auth(proxy: Proxy) -> dict[str, str]:
    if proxy.username is None:
        return {}
    pair = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}"
    return {"Proxy-Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def _readable(sock: socket.socket) -> bool:
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


class _DeadlineReader(io.RawIOBase):
    """The socket as http.client reads it: each read waits at most `read_timeout` and ends by the deadline.

    It reads through the socket's own file object, which keeps the socket open while the answer is read after
    http.client let go of a connection the server is closing."""

    def __init__(self, sock: socket.socket, read_timeout: float | None) -> None:
        self._sock, self._timeout = sock, read_timeout
        self._file = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: typing.Any) -> int | None:
        self._sock.settimeout(_bounded(self._timeout))
        return self._file.readinto(buffer)

    def close(self) -> None:
        self._file.close()
        super().close()


class _SocketView:
    def __init__(self, sock: socket.socket, read_timeout: float | None) -> None:
        self._sock, self._timeout = sock, read_timeout

    def makefile(self, mode: str, *args: typing.Any, **kwargs: typing.Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._timeout))


class _Response(http.client.HTTPResponse):
    def __init__(
        self, sock: socket.socket, *args: typing.Any, read_timeout: float | None, **kwargs: typing.Any
    ) -> None:
        super().__init__(_SocketView(sock, read_timeout), *args, **kwargs)  # type: ignore[arg-type]


def _chunks(response: http.client.HTTPResponse) -> Iterator[bytes]:
    while chunk := response.read(65536):
        yield chunk
    if response.length:  # http.client's read(amt) ends quietly when the server hangs up before Content-Length
        raise http.client.IncompleteRead(b"", response.length)


# Per phase of an exchange, httpx's names for: too slow, the network failed, HTTP itself broken.
_PHASES: dict[str, tuple[type[httpx.TransportError], type[httpx.TransportError], type[httpx.TransportError]]] = {
    "connect": (httpx.ConnectTimeout, httpx.ConnectError, httpx.ConnectError),
    "send": (httpx.WriteTimeout, httpx.WriteError, httpx.LocalProtocolError),
    "answer": (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError),
}


@contextmanager
def _as_httpx(phase: str) -> Iterator[None]:
    """What went wrong in one phase, raised as httpx names it. A deadline that ran out (the client asks the
    cause) is told apart from the phase's own timeout."""
    slow, broken, malformed = _PHASES[phase]
    try:
        try:
            yield
        except TimeoutError:
            _bounded(None)  # raises DeadlineExceeded when the socket waited for the deadline
            raise
    except DeadlineExceeded as error:
        raise slow(str(error)) from error
    except TimeoutError as error:
        raise slow(f"no progress within the {phase} timeout") from error
    except http.client.IncompleteRead as error:
        raise malformed("the server closed the connection before the whole answer came") from error
    except (http.client.HTTPException, ValueError) as error:  # a broken status line, header, chunk or tunnel
        raise malformed(str(error) or type(error).__name__) from error
    except OSError as error:
        raise broken(str(error) or type(error).__name__) from error


def _read_capped(stream: typing.Iterable[bytes], headers: httpx.Headers, max_bytes: int) -> bytes:
    """The body, decoded, refused as soon as it passes `max_bytes` (never held whole, even when it inflates)."""
    declared = headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"it announces {int(declared):,} bytes")
    inflate = _decoder(headers.get("Content-Encoding", ""))
    chunks, size = [], 0
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
