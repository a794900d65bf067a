"""Models of the peers, for bench_stack.py: how each one talks to ChannelAdvisor, nothing more.

- serial (SEOM's stack): one record at a time, each call waits for its answer before the next leaves;
- paced (SkuVault's published ChannelAdvisor client): a steady 4 requests per second.
Both are network behaviour only, with no local database work: the models favour the peers.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable

import httpx

from casandbox import demo

BODY = {"Value": {"ShippedDateUtc": "2026-01-05T10:00:00+00:00", "ShippingCarrier": "UPS", "ShippingClass": "Ground"}}


def token(token_url: str) -> str:
    answer = httpx.post(
        token_url,
        auth=(demo.APPLICATION_ID, demo.SHARED_SECRET),
        data={"grant_type": "refresh_token", "refresh_token": demo.REFRESH_TOKEN},
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def ship_for(api_url: str, token_url: str, order_ids: Iterable[int], seconds: float, per_second: float | None) -> dict:
    """Ship orders one call at a time for `seconds` (at most `per_second` calls a second, if given)."""
    statuses: Counter[int] = Counter()
    headers = {"Authorization": f"Bearer {token(token_url)}"}
    with httpx.Client(timeout=30, headers=headers) as client:
        started = time.perf_counter()
        for n, order_id in enumerate(order_ids):
            if per_second:
                time.sleep(max(0.0, started + n / per_second - time.perf_counter()))
            if time.perf_counter() - started >= seconds:
                break
            body = {"Value": {**BODY["Value"], "TrackingNumber": f"1ZPEER{order_id}"}}
            answer = client.post(f"{api_url}/Orders({order_id})/Ship", json=body)
            statuses[answer.status_code] += 1
            if answer.status_code == 429:
                time.sleep(float(answer.headers.get("Retry-After", "1")))
        elapsed = time.perf_counter() - started
    calls = sum(statuses.values())
    return {"calls": calls, "shipped": statuses[204], "seconds": elapsed, "per_minute": calls / elapsed * 60}
