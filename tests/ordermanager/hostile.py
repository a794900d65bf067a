"""A deliberately broken ChannelAdvisor: a small HTTP server on loopback with one mode per fault.

It answers the token call and the API as ChannelAdvisor would, except in the way its `mode` says,
and records every request (with its Host and Authorization headers) so a test can check where the
token went.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ordermanager.carts import actions as carts
from ordermanager.carts.models import Cart
from ordermanager.params import actions as params

TOKEN = "hostile-access-token"
PROFILE_ID = 12345678
MB = 1024 * 1024

TOKEN_FAULTS = {
    "token_not_json": (200, "text/html", b"<html><body>Welcome to our proxy</body></html>"),
    "token_no_access_token": (200, "application/json", b'{"token_type": "bearer", "expires_in": 3600}'),
    "token_list": (200, "application/json", b'[{"access_token": "x", "expires_in": 3600}]'),
    "token_expires_soon": (200, "application/json", b'{"access_token": "x", "expires_in": "soon"}'),
}
API_FAULTS = {
    "api_html": (200, "text/html", b"<!DOCTYPE html>\n<html><body>Please sign in</body></html>"),
    "api_malformed_json": (200, "application/json", b'{"value": [{"ID": 1,'),
    "api_list": (200, "application/json", b'[{"ID": 12345678}]'),
    "value_string": (200, "application/json", b'{"value": "12345678"}'),
    "nextlink_number": (200, "application/json", b'{"value": [], "@odata.nextLink": 42}'),
}
GZIP_LIE = b"this is not gzip at all"


def add_hostile_cart(server: HostileServer, deadline_seconds: int) -> Cart:
    """A ChannelAdvisor cart whose API address is the hostile server, with a short call deadline."""
    cart = carts.add_cart(
        "Hostile",
        "channeladvisor",
        account_id="11111111-2222-3333-4444-555555555555",
        profile_id=PROFILE_ID,
        application_id="app",
        shared_secret="secret",
        refresh_token="refresh",
        api_base_url=server.url,
    )
    params.set_parameter("CartCallDeadlineSeconds", str(deadline_seconds), cart=cart)
    return cart


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # the test reads `requests`, not stderr
        pass

    def do_GET(self) -> None:
        self.server.hostile.answer(self, "GET")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.hostile.answer(self, "POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hostile: HostileServer

    def get_request(self) -> tuple[Any, Any]:
        try:
            return super().get_request()
        except ssl.SSLError as error:  # over TLS: a client that spoke plain HTTP to us
            self.hostile.failed_handshakes.append(str(error))
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up on a 150 MB answer is the point of the test


class HostileServer:
    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        """`tls` is (certificate, key) to answer over https."""
        self.mode = "normal"
        self.next_link = ""  # for mode "nextlink": where page 1 points
        self.orders: list[dict[str, Any]] = []
        self.exported: list[int] = []
        self.requests: list[dict[str, str]] = []
        self.failed_handshakes: list[str] = []
        self.bytes_sent = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.hostile = self
        self.port = self._httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- answers ----------------------------------------------------------------------------

    def answer(self, h: _Handler, method: str) -> None:
        with self._lock:
            self.requests.append(
                {
                    "method": method,
                    "path": h.path,
                    "host": h.headers.get("Host", ""),
                    "authorization": h.headers.get("Authorization", ""),
                    "cookie": h.headers.get("Cookie", ""),
                }
            )
        path = urlsplit(h.path).path
        if method == "POST" and path == "/oauth2/token":
            status, kind, body = TOKEN_FAULTS.get(
                self.mode, (200, "application/json", json.dumps({"access_token": TOKEN, "expires_in": 3600}).encode())
            )
            return self._send(h, status, body, kind)
        if method == "POST" and path.endswith("/Export"):
            with self._lock:
                self.exported.append(int(path.split("(")[1].split(")")[0]))
            return self._send(h, 204, b"")
        if self.mode == "cookie":  # a sound answer that also sets a session cookie
            return self._send(h, 200, json.dumps(self._page(path)).encode(), headers={"Set-Cookie": "session=abc"})
        if self.mode == "bad_gzip":
            return self._send(h, 200, GZIP_LIE, headers={"Content-Encoding": "gzip"})
        if self.mode in API_FAULTS:
            status, kind, body = API_FAULTS[self.mode]
            return self._send(h, status, body, kind)
        special = getattr(self, f"_{self.mode}", None)
        if special is not None:
            return special(h, path)
        return self._send(h, 200, json.dumps(self._page(path)).encode())

    def _page(self, path: str) -> dict[str, Any]:
        if path == "/v1/Orders":
            return {"value": [o for o in self.orders if o.get("ID") not in self.exported]}
        return {"value": [{"ID": PROFILE_ID, "DefaultDistributionCenterID": 0}]}

    def _send(
        self, h: _Handler, status: int, body: bytes, kind: str = "application/json", headers: dict | None = None
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)
        h.close_connection = True

    # --- one method per fault that is more than a canned answer ------------------------------

    def _redirect_302(self, h: _Handler, path: str) -> None:
        self._send(h, 302, b"", headers={"Location": f"{self.next_link}{path}"})

    def _redirect_301_body(self, h: _Handler, path: str) -> None:
        body = json.dumps(self._page(path)).encode()
        self._send(h, 301, body, headers={"Location": f"{self.next_link}{path}"})

    def _endless(self, h: _Handler, path: str) -> None:
        page = len(self.requests)
        self._send(h, 200, json.dumps({"value": [], "@odata.nextLink": f"{self.url}{path}?page={page}"}).encode())

    def _nextlink(self, h: _Handler, path: str) -> None:
        self._send(h, 200, json.dumps({**self._page(path), "@odata.nextLink": self.next_link}).encode())

    def _nul_error(self, h: _Handler, path: str) -> None:
        self._send(h, 400, b'{"Message": "bad\x00request"}\x00')

    def _retry_after_huge(self, h: _Handler, path: str) -> None:
        self._send(h, 429, b'{"Message": "Too many requests"}', headers={"Retry-After": "100000"})

    def _retry_after_inf(self, h: _Handler, path: str) -> None:
        self._send(h, 429, b'{"Message": "Too many requests"}', headers={"Retry-After": "inf"})

    def _huge(self, h: _Handler, path: str, *, declared: bool = False) -> None:
        """150 MB of a valid-looking page, streamed without a length (or announcing it, if `declared`)."""
        total, chunk = 150 * MB, b'{"ID": 12345678},' * (MB // 17)
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        if declared:
            h.send_header("Content-Length", str(total))
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        try:
            h.wfile.write(b'{"value": [')
            while self.bytes_sent < total and not self.stopping.is_set():
                h.wfile.write(chunk)
                self.bytes_sent += len(chunk)
        except OSError:
            return  # the client hung up: what it should do

    def _huge_declared(self, h: _Handler, path: str) -> None:
        self._huge(h, path, declared=True)

    def _drip(self, h: _Handler, path: str, *, headers_too: bool = False) -> None:
        """A valid answer, one byte every 3 s (from the status line on, if `headers_too`)."""
        body = json.dumps(self._page(path)).encode()
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        h.close_connection = True
        try:
            if not headers_too:
                h.wfile.write(head)
                h.wfile.flush()
            for byte in (head if headers_too else b"") + body:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                if self.stopping.wait(3):
                    return
        except OSError:
            return

    def _drip_headers(self, h: _Handler, path: str) -> None:
        self._drip(h, path, headers_too=True)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own authority (trust it with SSL_CERT_FILE), and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "hostile.pem", folder / "hostile.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path
