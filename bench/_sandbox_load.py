"""A lean HTTP/1.1 load generator for bench_sandbox.py: raw asyncio sockets with keep-alive.

httpx costs more CPU per request than the sandbox does, and the machine has two cores; a client this
thin leaves most of a core to the server, so the benchmark measures the server.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import time
from collections import Counter
from urllib.parse import urlsplit


def request(method: str, url: str, token: str, body: bytes) -> bytes:
    parts = urlsplit(url)
    head = (
        f"{method} {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _worker(host: str, port: int, requests: list[bytes], statuses: Counter[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for raw in requests:
            writer.write(raw)
            statuses[await _read_response(reader)] += 1
    finally:
        writer.close()


async def _run(host: str, port: int, batches: list[list[bytes]]) -> Counter[int]:
    statuses: Counter[int] = Counter()
    await asyncio.gather(*(_worker(host, port, batch, statuses) for batch in batches))
    return statuses


def _process(args: tuple[str, int, list[list[bytes]]]) -> dict[int, int]:
    host, port, batches = args
    import uvloop  # uvicorn[standard] brings it; the client needs to be as cheap as the server

    return dict(uvloop.run(_run(host, port, batches)))


def ship_requests(api_url: str, token: str, order_ids: list[int]) -> list[bytes]:
    body = {"Value": {"TrackingNumber": "", "ShippingCarrier": "UPS", "ShippingClass": "Ground"}}
    out = []
    for oid in order_ids:
        body["Value"]["TrackingNumber"] = f"1ZBENCH{oid}"
        out.append(request("POST", f"{api_url}/Orders({oid})/Ship", token, json.dumps(body).encode()))
    return out


def run_load(base_url: str, requests: list[bytes], *, processes: int, connections: int) -> tuple[float, Counter[int]]:
    """Send every request once, over processes x connections keep-alive connections; (seconds, statuses)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    lanes = processes * connections
    split = [requests[i::lanes] for i in range(lanes)]
    jobs = [(host, port, split[p * connections : (p + 1) * connections]) for p in range(processes)]
    with mp.get_context("spawn").Pool(processes) as pool:
        started = time.perf_counter()
        results = pool.map(_process, jobs)
        elapsed = time.perf_counter() - started
    total: Counter[int] = Counter()
    for result in results:
        total.update(result)
    return elapsed, total
