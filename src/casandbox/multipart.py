"""OData `multipart/mixed` batch bodies: parts, nested changesets and `application/http` requests.

CRLF line breaks are required, as CA's parser requires them (SkuVault's note: "CRLF line breaks matter").
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

_BOUNDARY = re.compile(r"boundary=\"?([^\";]+)\"?", re.IGNORECASE)


class MultipartError(ValueError):
    pass


@dataclass
class InnerRequest:
    content_id: str | None
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


def boundary_of(content_type: str) -> str:
    m = _BOUNDARY.search(content_type)
    if not content_type.lower().startswith("multipart/mixed") or not m:
        raise MultipartError("A $batch request must be multipart/mixed with a boundary.")
    return m.group(1).strip()


def parse_batch(body: bytes, content_type: str) -> list[InnerRequest]:
    out: list[InnerRequest] = []
    for headers, content in _split(body, boundary_of(content_type)):
        part_type = headers.get("content-type", "")
        if part_type.lower().startswith("multipart/mixed"):
            for inner_headers, inner in _split(content, boundary_of(part_type)):
                out.append(_http_request(inner_headers, inner))
        else:
            out.append(_http_request(headers, content))
    return out


def _split(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    delimiter = b"--" + boundary.encode()
    if not body.startswith(delimiter):
        start = body.find(b"\r\n" + delimiter)
        if start < 0:
            raise MultipartError(f"The boundary '{boundary}' was not found in the body.")
        body = body[start + 2 :]
    chunks = body[len(delimiter) :].split(b"\r\n" + delimiter)
    parts = []
    for chunk in chunks:
        if chunk.startswith(b"--"):
            return parts
        if not chunk.startswith(b"\r\n"):
            raise MultipartError("A multipart boundary must be followed by CRLF.")
        parts.append(_headers_and_body(chunk[2:]))
    raise MultipartError(f"The closing boundary '--{boundary}--' is missing.")


def _headers_and_body(chunk: bytes) -> tuple[dict[str, str], bytes]:
    head, sep, rest = chunk.partition(b"\r\n\r\n")
    if not sep:
        if chunk.endswith(b"\r\n") or not chunk:
            head, rest = chunk.rstrip(b"\r\n"), b""
        else:
            raise MultipartError("A part's headers must end with an empty CRLF line.")
    headers: dict[str, str] = {}
    for line in head.split(b"\r\n"):
        if not line:
            continue
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise MultipartError(f"Malformed header line '{line.decode('latin-1')}'.")
        headers[name.strip().lower()] = value.strip()
    return headers, rest


def _http_request(part_headers: dict[str, str], content: bytes) -> InnerRequest:
    if not part_headers.get("content-type", "").lower().startswith("application/http"):
        raise MultipartError("Each batch part must have Content-Type: application/http.")
    line, _, rest = content.partition(b"\r\n")
    words = line.decode("latin-1").split()
    if len(words) != 3 or not words[2].startswith("HTTP/"):
        raise MultipartError(f"Malformed request line '{line.decode('latin-1')}'.")
    headers, body = _headers_and_body(rest)
    url = urlsplit(words[1])
    path = url.path if url.path.startswith("/") else f"/v1/{url.path}"
    return InnerRequest(
        part_headers.get("content-id"), words[0].upper(), path, url.query, headers, body.rstrip(b"\r\n")
    )


def multipart_response(responses: list[tuple[int, list[tuple[str, str]], bytes]]) -> tuple[bytes, str]:
    boundary = f"batchresponse_{uuid.uuid4()}"
    out = []
    for status, headers, body in responses:
        reason = HTTPStatus(status).phrase
        lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers)]
        inner = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        out.append(
            f"--{boundary}\r\nContent-Type: application/http\r\n".encode()
            + b"Content-Transfer-Encoding: binary\r\n\r\n"
            + inner
            + b"\r\n"
        )
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/mixed; boundary={boundary}"
