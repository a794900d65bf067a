"""One exchange with a cart over httpcore (`wire.Connections`): what is sent, how the answer is decoded and capped."""

from __future__ import annotations

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
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
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


def test_no_answer_is_httpx_error_with_httpcore_cause(wire):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, never listening: the connection is refused

        with pytest.raises(httpx.ConnectError) as refused:
            wire.exchange("GET", f"http://127.0.0.1:{port}/v1/Orders", {}, max_bytes=MB)

    assert type(refused.value.__cause__).__module__.startswith("httpcore")
