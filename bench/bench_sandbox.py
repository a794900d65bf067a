"""Benchmark of the ChannelAdvisor sandbox alone: is it fast enough never to be a benchmark's bottleneck?

    .venv/bin/python bench/bench_sandbox.py

(a) Ship calls/s on loopback, no latency, limits off (target 1,000/s);
(b) requests held in flight with 150 ms latency (target 200), fired as 300 at once.
"""

from __future__ import annotations

import time

import httpx

from _sandbox_load import request, run_load, ship_requests  # bench/ is on sys.path: it holds this script
from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess

SHIP_TARGET = 1000
IN_FLIGHT_TARGET = 200
SHIP_CALLS = 10_000
LATENCY_MS = 150
BURST = 300


def _token(sandbox: SandboxProcess) -> str:
    response = httpx.post(
        sandbox.token_url,
        auth=(demo.APPLICATION_ID, demo.SHARED_SECRET),
        data={"grant_type": "refresh_token", "refresh_token": demo.REFRESH_TOKEN},
    )
    response.raise_for_status()
    return response.json()["access_token"]


def ship_throughput(sandbox: SandboxProcess, control: SandboxControl, token: str) -> float:
    control.set_limits(enabled=False)
    started = time.perf_counter()
    order_ids = control.generate_orders(demo.PROFILE_ID, SHIP_CALLS, seed=1, max_items=2)
    print(f"seeded {len(order_ids)} orders in {time.perf_counter() - started:.1f} s")
    requests = ship_requests(sandbox.api_url, token, order_ids)
    # Two client processes: one Python client cannot keep one server core busy on its own.
    elapsed, statuses = run_load(sandbox.base_url, requests, processes=2, connections=32)
    assert dict(statuses) == {204: SHIP_CALLS}, statuses
    assert len(control.fulfillments(since=0)) >= SHIP_CALLS
    return SHIP_CALLS / elapsed


def held_in_flight(sandbox: SandboxProcess, control: SandboxControl, token: str) -> tuple[int, float]:
    control.set_limits(enabled=False)
    control.set_latency(LATENCY_MS)
    control.reset_stats()
    requests = [request("GET", f"{sandbox.api_url}/Profiles", token, b"") for _ in range(BURST)]
    elapsed, statuses = run_load(sandbox.base_url, requests, processes=1, connections=BURST)
    assert dict(statuses) == {200: BURST}, statuses
    return control.stats()["max_in_flight"], elapsed


def main() -> None:
    with SandboxProcess(seed="demo") as sandbox, sandbox.control() as control:
        token = _token(sandbox)
        rate = ship_throughput(sandbox, control, token)
        peak, wall = held_in_flight(sandbox, control, token)
    print(f"Ship calls/s: {rate:.0f} ({rate / SHIP_TARGET:.2f}x the {SHIP_TARGET}/s target)")
    print(
        f"In flight with {LATENCY_MS} ms latency: {peak} of {BURST} fired "
        f"({peak / IN_FLIGHT_TARGET:.2f}x the {IN_FLIGHT_TARGET} target); "
        f"wall {wall * 1000:.0f} ms for {BURST} requests, connections included "
        f"({wall * 1000 / LATENCY_MS:.2f}x the ideal {LATENCY_MS} ms)"
    )


if __name__ == "__main__":
    main()
