"""One exchange with a cart over httpcore (`wire.Connections`): what is sent, how the answer is decoded and capped."""

from __future__ import annotations

import base64
import gzip
import json
import socket
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from ordermanager.carts.connectors.channeladvisor.wire import Connections, Limits, TooLarge

MB = 1024 * 1024


class _Echo(BaseHTTPRequestHandler):
    """Answers with the body and headers the test sets, and keeps what each request carried."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        server = self.server
        server.seen.append(  # type: ignore[attr-defined]
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers),
                "body": self.rfile.read(length),
                "client": self.client_address,
            }
        )
        body, headers = server.answer  # type: ignore[attr-defined]
        self.send_response(200)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    httpd.seen, httpd.answer = [], (b"{}", {})  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def wire() -> Iterator[Connections]:
    connections = Connections(httpx.Limits(max_connections=2), Limits().timeout)
    yield connections
    connections.close()


def _url(server: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_a_request_carries_its_query_form_or_json_and_a_length_for_every_post(server, wire):
    wire.exchange("GET", _url(server, "/v1/Orders"), {"Accept": "application/json"}, max_bytes=MB, params={"$top": "1"})
    wire.exchange("POST", _url(server, "/oauth2/token"), {}, max_bytes=MB, data={"grant_type": "refresh_token"})
    wire.exchange("POST", _url(server, "/v1/Orders(1)/Ship"), {}, max_bytes=MB, json={"Value": {"Carrier": "UPS"}})
    wire.exchange("POST", _url(server, "/v1/Orders(1)/Export"), {}, max_bytes=MB)

    get, form, ship, export = server.seen
    assert get["path"] == "/v1/Orders?%24top=1"
    assert get["headers"]["Accept"] == "application/json"
    assert get["headers"]["Host"] == f"127.0.0.1:{server.server_address[1]}"
    assert form["body"] == b"grant_type=refresh_token"
    assert form["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert json.loads(ship["body"]) == {"Value": {"Carrier": "UPS"}}
    assert ship["headers"]["Content-Type"] == "application/json"
    assert export["headers"]["Content-Length"] == "0"


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("identity", lambda body: body), ("", lambda body: body)],
)
def test_an_answer_is_decoded_as_its_content_encoding_says(server, wire, encoding, encode):
    page = json.dumps({"value": [{"ID": n} for n in range(500)]}).encode()
    server.answer = (encode(page), {"Content-Encoding": encoding} if encoding else {})

    reply = wire.exchange("GET", _url(server, "/v1/Orders"), {}, max_bytes=MB)

    assert reply.status == 200
    assert reply.body == page


def test_a_small_answer_that_inflates_past_the_limit_is_cut_off(server, wire):
    # 50 MB of zeros travel as about 50 KB of gzip
    server.answer = (gzip.compress(bytes(50 * MB)), {"Content-Encoding": "gzip"})

    with pytest.raises(TooLarge, match="still coming after 1,048,576 bytes"):
        wire.exchange("GET", _url(server, "/v1/Orders"), {}, max_bytes=MB)


def test_an_encoding_not_asked_for_or_not_kept_to_is_a_decoding_error(server, wire):
    server.answer = (b"\x8b\x00nonsense", {"Content-Encoding": "br"})
    with pytest.raises(httpx.DecodingError, match="'br' was not asked for"):
        wire.exchange("GET", _url(server, "/v1/Orders"), {}, max_bytes=MB)

    server.answer = (b"not gzip at all", {"Content-Encoding": "gzip"})
    with pytest.raises(httpx.DecodingError, match="Error -3 while decompressing data"):
        wire.exchange("GET", _url(server, "/v1/Orders"), {}, max_bytes=MB)


def test_a_refused_connection_is_httpx_connect_error_with_its_cause(wire):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, never listening: the connection is refused

        with pytest.raises(httpx.ConnectError) as refused:
            wire.exchange("GET", f"http://127.0.0.1:{port}/v1/Orders", {}, max_bytes=MB)

    assert isinstance(refused.value.__cause__, ConnectionRefusedError)


def test_a_kept_connection_serves_the_next_call_and_one_the_server_closed_is_replaced(server, wire):
    url = _url(server, "/v1/Orders")
    wire.exchange("GET", url, {}, max_bytes=MB)
    wire.exchange("GET", url, {}, max_bytes=MB)
    assert len({seen["client"] for seen in server.seen}) == 1  # one connection, kept

    server.answer = (b"{}", {"Connection": "close"})  # the server says it closes after this answer
    wire.exchange("GET", url, {}, max_bytes=MB)
    server.answer = (b"{}", {})
    wire.exchange("GET", url, {}, max_bytes=MB)

    assert len({seen["client"] for seen in server.seen}) == 2


def test_a_call_goes_through_the_proxy_the_environment_names(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", _url(server, "").replace("http://", "http://user:p%40ss@"))
    monkeypatch.setenv("NO_PROXY", "")
    proxied = Connections(httpx.Limits(max_connections=1), Limits().timeout)
    try:
        proxied.exchange("GET", "http://cart.example:8080/v1/Orders", {}, max_bytes=MB, params={"$top": "1"})
    finally:
        proxied.close()

    (seen,) = server.seen
    assert seen["path"] == "http://cart.example:8080/v1/Orders?%24top=1"  # the absolute form a proxy takes
    assert seen["headers"]["Host"] == "cart.example:8080"
    assert seen["headers"]["Proxy-Authorization"] == "Basic " + base64.b64encode(b"user:p@ss").decode()


def test_a_header_with_a_line_break_is_refused_before_anything_is_sent(server, wire):
    # a token that tries to smuggle a second header (a hostile token server) never reaches the wire
    with pytest.raises(httpx.LocalProtocolError):
        wire.exchange("GET", _url(server, "/v1/Orders"), {"Authorization": "Bearer x\r\nX-Evil: 1"}, max_bytes=MB)

    assert server.seen == []
