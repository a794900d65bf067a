"""Contract items 15 and 16: deterministic throttling, and the fault hooks."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import timedelta

import httpx
import pytest

from casandbox.testing import SandboxControl, SandboxProcess
from casandbox.timefmt import parse_iso

pytestmark = pytest.mark.sandbox
SHIP = {"Value": {"TrackingNumber": "1Z", "ShippingCarrier": "UPS", "ShippingClass": "Ground"}}


def test_per_profile_sliding_window_with_retry_after(api: httpx.Client, control: SandboxControl) -> None:
    # given a window of 20 per second, on a clock that moves only when the test moves it
    control.freeze_clock()
    control.set_limits(profile_requests=20, profile_window_s=1, retry_after=True)
    params = {"$filter": "ProfileID eq 12345678", "$select": "ID"}

    statuses = [api.get("/Orders", params=params).status_code for _ in range(22)]

    assert statuses == [200] * 20 + [429] * 2
    refused = api.get("/Orders", params=params)
    assert refused.json()["error"]["message"]
    assert refused.headers["Retry-After"] == "1"
    control.advance_clock(0.99)
    assert api.get("/Orders", params=params).status_code == 429  # the window is not over yet
    control.advance_clock(0.02)
    assert api.get("/Orders", params=params).status_code == 200
    assert control.stats()["throttled"] == 4


def test_a_frozen_clock_moves_only_when_moved(sandbox: SandboxProcess, control: SandboxControl) -> None:
    frozen = parse_iso(control.freeze_clock())

    assert parse_iso(control.now()) == frozen
    moved = parse_iso(control.advance_clock(60))
    assert moved - frozen == timedelta(seconds=60)
    control.freeze_clock(False)  # it runs on from where it stood
    assert parse_iso(control.now()) >= moved


def test_retry_after_is_off_by_default(api: httpx.Client, control: SandboxControl) -> None:
    control.freeze_clock()
    control.set_limits(profile_requests=1)
    api.get("/Profiles")

    refused = api.get("/Profiles")

    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers


def test_five_concurrent_requests_per_integration(sandbox: SandboxProcess, control: SandboxControl, new_token) -> None:
    # given a latency long enough to hold every request until the test lets them go
    token = new_token()
    control.set_latency(120_000)

    async def burst() -> list[int]:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            calls = asyncio.gather(*(client.get(f"{sandbox.api_url}/Profiles") for _ in range(7)))
            # when all seven are in the sandbox at once (the two refused wait out the latency too)
            deadline = time.monotonic() + 30
            while (await asyncio.to_thread(control.stats))["in_flight"] < 7:
                assert time.monotonic() < deadline, "the seven requests did not reach the sandbox"
                await asyncio.sleep(0.02)
            await asyncio.to_thread(control.set_latency, 0)  # releases them
            return sorted(r.status_code for r in await calls)

    # then five held a slot and two were refused
    assert asyncio.run(burst()) == [200] * 5 + [429] * 2
    assert control.stats()["max_concurrency"]["demo-application"] == 5


def test_five_concurrent_requests_hold_at_zero_latency(sandbox: SandboxProcess, new_token) -> None:
    # given five requests that have arrived but not finished (their bodies still coming), no latency at all
    token = new_token()
    held = []
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", sandbox.port))
        sock.sendall(
            f"POST /v1/Orders(1)/Export HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{".encode()
        )
        held.append(sock)
    try:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as client:
            # when a sixth arrives, it is refused; once the five are answered, calls go through again
            deadline = time.monotonic() + 10
            while (sixth := client.get(f"{sandbox.api_url}/Profiles")).status_code != 429:
                assert time.monotonic() < deadline, "the five never counted as in flight"
            for sock in held:
                sock.sendall(b"}")
                assert sock.recv(100).startswith(b"HTTP/1.1 ")
            after = client.get(f"{sandbox.api_url}/Profiles")
    finally:
        for sock in held:
            sock.close()

    assert "concurrent" in sixth.json()["error"]["message"]
    assert after.status_code == 200


def test_limits_can_be_switched_off(api: httpx.Client, control: SandboxControl) -> None:
    control.set_limits(enabled=False, profile_requests=1)

    assert {api.get("/Profiles").status_code for _ in range(5)} == {200}


@pytest.mark.parametrize("status", [500, 503, 429])
def test_status_fault_for_the_next_n_calls_then_success(
    api: httpx.Client, control: SandboxControl, status: int
) -> None:
    control.fault("orders_list", status=status, count=2, retry_after=3 if status == 429 else None)

    first, second, third = (api.get("/Orders") for _ in range(3))

    assert (first.status_code, second.status_code, third.status_code) == (status, status, 200)
    assert first.json()["error"]["message"]
    if status == 429:
        assert first.headers["Retry-After"] == "3"
    assert api.get("/Profiles").status_code == 200  # other routes are untouched


def test_fraction_faults_are_reproducible(api: httpx.Client, control: SandboxControl) -> None:
    def run() -> list[int]:
        control.clear_faults()
        control.fault("profiles", status=500, fraction=0.5, seed=7)
        return [api.get("/Profiles").status_code for _ in range(20)]

    first, second = run(), run()

    assert first == second
    assert 0 < first.count(500) < 20


def test_slow_fault_and_latency_delay_answers(api: httpx.Client, control: SandboxControl) -> None:
    control.fault("profiles", mode="slow", delay_ms=300, count=1)
    started = time.perf_counter()
    api.get("/Profiles")
    slow = time.perf_counter() - started

    control.set_latency(200)
    started = time.perf_counter()
    api.get("/Orders")
    latent = time.perf_counter() - started

    assert slow >= 0.3
    assert latent >= 0.2


def test_drop_after_apply_ships_then_breaks_the_connection(api: httpx.Client, control: SandboxControl) -> None:
    order_id = api.get("/Orders", params={"$filter": "ShippingStatus eq 'Unshipped'"}).json()["value"][0]["ID"]
    control.fault("ship", mode="drop_after_apply", count=1)

    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post(f"/Orders({order_id})/Ship", json=SHIP)

    assert api.get(f"/Orders({order_id})").json()["ShippingStatus"] == "Shipped"
    [record] = control.fulfillments(order_id=order_id)
    assert record["tracking_number"] == "1Z"
    [call] = control.calls(route="ship")
    assert call["dropped"] is True
    assert call["status"] == 204


def test_unknown_route_is_the_web_api_404(api: httpx.Client, sandbox: SandboxProcess) -> None:
    response = api.get("/Products6200201)")

    assert response.status_code == 404
    assert response.json() == {
        "$id": "1",
        "Message": f"No HTTP resource was found that matches the request URI '{sandbox.api_url}/Products6200201)'.",
    }


def test_skip_past_the_end_can_return_page_one(api: httpx.Client, control: SandboxControl) -> None:
    assert api.get("/Orders", params={"$skip": "5000"}).json()["value"] == []

    control.update_config(skip_past_end_returns_first_page=True)

    first = api.get("/Orders").json()["value"]
    assert api.get("/Orders", params={"$skip": "5000"}).json()["value"] == first


def test_data_given_a_folder_says_so_in_one_line(tmp_path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "casandbox", "--port", "0", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"casandbox: --data {tmp_path} is a folder; give the path of a file in it, e.g. {tmp_path}/casandbox.sqlite3"
    )
