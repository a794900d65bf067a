"""Contract item 14: $batch, end to end and the multipart parser on its own."""

from __future__ import annotations

import json

import httpx
import pytest

from casandbox import demo
from casandbox.multipart import MultipartError, parse_batch
from casandbox.testing import SandboxControl, SandboxProcess

pytestmark = pytest.mark.sandbox
CRLF = "\r\n"


def _part(n: int, method: str, url: str, body: str = "") -> str:
    lines = [
        "--changeset",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        f"Content-ID: {n}",
        "",
        f"{method} {url} HTTP/1.1",
        "Content-Type: application/json",
        "",
        body,
    ]
    return CRLF.join(lines)


def _batch(parts: list[str]) -> tuple[bytes, str]:
    changeset = CRLF.join([*parts, "--changeset--", ""])
    outer = CRLF.join(["--batch", "Content-Type: multipart/mixed; boundary=changeset", "", changeset, "--batch--", ""])
    return outer.encode(), "multipart/mixed; boundary=batch"


def _update(product_id: int, quantity: int) -> str:
    value = {"UpdateType": "Absolute", "Updates": [{"DistributionCenterID": 1, "Quantity": quantity}]}
    return json.dumps({"Value": value})


def test_batch_routes_parts_and_keeps_failures_inner(api: httpx.Client, control: SandboxControl) -> None:
    product = api.get("/Products", params={"$filter": "Sku eq 'WID-005'"}).json()["value"][0]
    order_id = api.get("/Orders").json()["value"][0]["ID"]
    body, content_type = _batch(
        [
            _part(
                1,
                "POST",
                f"https://api.channeladvisor.com/v1/Products({product['ID']})/UpdateQuantity",
                _update(product["ID"], 17),
            ),
            _part(2, "POST", "https://api.channeladvisor.com/v1/Products(1)/UpdateQuantity", _update(1, 1)),
            _part(3, "POST", f"https://api.channeladvisor.com/v1/Orders({order_id})/Export"),
            _part(4, "GET", f"/v1/Orders({order_id})"),
        ]
    )

    response = api.post("/$batch", content=body, headers={"Content-Type": content_type})

    assert response.status_code == 200
    parts = response.json()["responses"]
    assert [(p["id"], p["status"]) for p in parts] == [("1", 204), ("2", 404), ("3", 400), ("4", 200)]
    assert parts[3]["body"]["ID"] == order_id
    assert parts[3]["headers"]["odata-version"] == "4.0"
    rows = api.get(f"/Products({product['ID']})", params={"$expand": "DCQuantities"}).json()["DCQuantities"]
    assert {r["DistributionCenterID"]: r["AvailableQuantity"] for r in rows}[1] == 17
    inner = control.calls(route="update_quantity")
    assert [c["status"] for c in inner] == [204, 404]
    assert all(c["in_batch"] for c in inner)


def test_expired_token_is_an_inner_401(api: httpx.Client, control: SandboxControl) -> None:
    body, content_type = _batch([_part(1, "GET", "/v1/Orders"), _part(2, "GET", "/v1/Profiles")])
    control.advance_clock(3601)

    response = api.post("/$batch", content=body, headers={"Content-Type": content_type})

    # as ChannelAdvisor is reported to answer: an outer 200, and each part refused
    assert response.status_code == 200
    assert [p["status"] for p in response.json()["responses"]] == [401, 401]
    assert "Authorization has been denied" in response.json()["responses"][0]["body"]["error"]["message"]


def test_expired_token_is_an_outer_401_when_not_strict(api: httpx.Client, control: SandboxControl) -> None:
    control.update_config(strict_undocumented=False)
    body, content_type = _batch([_part(1, "GET", "/v1/Orders")])
    control.advance_clock(3601)

    response = api.post("/$batch", content=body, headers={"Content-Type": content_type})

    assert response.status_code == 401


def test_inner_fault_406_stays_inner(api: httpx.Client, control: SandboxControl) -> None:
    control.fault("orders_list", status=406, count=1)
    body, content_type = _batch([_part(1, "GET", "/v1/Orders"), _part(2, "GET", "/v1/Orders")])

    response = api.post("/$batch", content=body, headers={"Content-Type": content_type})

    assert response.status_code == 200
    assert [p["status"] for p in response.json()["responses"]] == [406, 200]


def test_more_than_100_parts_is_a_400(api: httpx.Client) -> None:
    body, content_type = _batch([_part(n, "GET", "/v1/Profiles") for n in range(101)])

    response = api.post("/$batch", content=body, headers={"Content-Type": content_type})

    assert response.status_code == 400


def test_multipart_response_on_request(api: httpx.Client) -> None:
    body, content_type = _batch([_part(1, "GET", "/v1/Profiles")])

    response = api.post("/$batch", content=body, headers={"Content-Type": content_type, "Accept": "multipart/mixed"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("multipart/mixed; boundary=batchresponse_")
    assert "HTTP/1.1 200 OK" in response.text


def test_batch_costs_one_plus_n_against_the_limits(
    sandbox: SandboxProcess, api: httpx.Client, control: SandboxControl
) -> None:
    control.set_limits(profile_requests=4, profile_window_s=60)
    body, content_type = _batch(
        [_part(n, "GET", f"/v1/DistributionCenters?$filter=ProfileID%20eq%20{demo.PROFILE_ID}") for n in range(5)]
    )

    response = api.post("/$batch", content=body, headers={"Content-Type": content_type})

    # The batch and its first three parts fill both profiles' windows of 4; the last two parts are refused.
    assert [p["status"] for p in response.json()["responses"]] == [200, 200, 200, 429, 429]


def test_parser_splits_changesets_and_reads_request_lines() -> None:
    body, content_type = _batch([_part(7, "POST", "Products(5)/UpdateQuantity", '{"a":1}')])

    [request] = parse_batch(body, content_type)

    assert (request.content_id, request.method, request.path, request.body) == (
        "7",
        "POST",
        "/v1/Products(5)/UpdateQuantity",
        b'{"a":1}',
    )


def test_parser_requires_crlf() -> None:
    body, content_type = _batch([_part(1, "GET", "/v1/Orders")])

    with pytest.raises(MultipartError):
        parse_batch(body.replace(b"\r\n", b"\n"), content_type)
