"""The sandbox's own request/response values, shared by the HTTP front door and `$batch` parts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ODATA_JSON = "application/json; odata.metadata=minimal; odata.streaming=true"


@dataclass
class ApiRequest:
    method: str
    path: str
    query: str  # raw, still percent-encoded: nextLink must keep it as the client wrote it
    headers: dict[str, str]  # lower-case names
    body: bytes
    client: str = "127.0.0.1"
    base_url: str = ""  # scheme://host[:port], without /v1
    in_batch: bool = False


@dataclass
class ApiResponse:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(obj: Any, status: int = 200) -> ApiResponse:
    return ApiResponse(status, dumps(obj), [("content-type", ODATA_JSON), ("odata-version", "4.0")])


def text_response(text: str, status: int = 200) -> ApiResponse:
    return ApiResponse(status, text.encode(), [("content-type", "text/plain; charset=utf-8")])


def no_content() -> ApiResponse:
    return ApiResponse(204)
