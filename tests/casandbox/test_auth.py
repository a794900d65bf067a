"""Contract items 1 and 2: the token endpoint and bearer tokens."""

from __future__ import annotations

import httpx
import pytest

from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess

pytestmark = pytest.mark.sandbox
DENIED = {"error": {"code": "", "message": "Authorization has been denied for this request."}}


def _token(sandbox: SandboxProcess, data: dict[str, str], auth: tuple[str, str] | None = None) -> httpx.Response:
    return httpx.post(sandbox.token_url, auth=auth or (demo.APPLICATION_ID, demo.SHARED_SECRET), data=data)


def test_refresh_grant_returns_a_one_hour_bearer_token(sandbox: SandboxProcess) -> None:
    response = _token(sandbox, {"grant_type": "refresh_token", "refresh_token": demo.REFRESH_TOKEN})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600


@pytest.mark.parametrize(
    ("auth", "refresh"),
    [
        ((demo.APPLICATION_ID, "wrong-secret"), demo.REFRESH_TOKEN),
        (("unknown-app", demo.SHARED_SECRET), demo.REFRESH_TOKEN),
        ((demo.APPLICATION_ID, demo.SHARED_SECRET), "unknown-refresh-token"),
    ],
)
def test_bad_credentials_get_400(sandbox: SandboxProcess, auth: tuple[str, str], refresh: str) -> None:
    response = _token(sandbox, {"grant_type": "refresh_token", "refresh_token": refresh}, auth)

    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_grant", "invalid_client")


def test_revoked_refresh_token_gets_invalid_grant_and_the_body_form_switches(
    sandbox: SandboxProcess, control: SandboxControl
) -> None:
    control.revoke(demo.REFRESH_TOKEN)
    data = {"grant_type": "refresh_token", "refresh_token": demo.REFRESH_TOKEN}

    json_form = _token(sandbox, data)
    control.set_token_error_format("text")
    text_form = _token(sandbox, data)

    assert json_form.status_code == 400
    assert json_form.json() == {"error": "invalid_grant"}
    assert text_form.status_code == 400
    assert text_form.text == "Bad Request"


def test_missing_basic_auth_is_refused(sandbox: SandboxProcess) -> None:
    response = httpx.post(sandbox.token_url, data={"grant_type": "refresh_token", "refresh_token": demo.REFRESH_TOKEN})

    assert response.status_code == 400


def test_authorization_code_is_single_use_and_returns_a_refresh_token(
    sandbox: SandboxProcess, control: SandboxControl
) -> None:
    code = control.authorization_code(demo.APPLICATION_ID, redirect_uri="https://om.example/callback")
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": "https://om.example/callback"}

    first = _token(sandbox, data)
    second = _token(sandbox, data)

    assert first.status_code == 200
    assert set(first.json()) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert second.status_code == 400
    refreshed = _token(sandbox, {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]})
    assert refreshed.status_code == 200


def test_authorization_code_expires_after_five_minutes(sandbox: SandboxProcess, control: SandboxControl) -> None:
    code = control.authorization_code(demo.APPLICATION_ID)
    control.advance_clock(301)

    response = _token(sandbox, {"grant_type": "authorization_code", "code": code, "redirect_uri": "x"})

    assert response.status_code == 400


def test_soap_grant_spans_the_one_account_it_names(sandbox: SandboxProcess) -> None:
    data = {
        "client_id": demo.APPLICATION_ID,
        "grant_type": "soap",
        "scope": "orders inventory",
        "developer_key": demo.DEVELOPER_KEY,
        "password": demo.SOAP_PASSWORD,
        "account_id": demo.ACCOUNT_IDS[demo.SECOND_PROFILE_ID],
    }
    response = _token(sandbox, data)
    assert response.status_code == 200
    token = response.json()["access_token"]

    orders = httpx.get(f"{sandbox.api_url}/Orders", params={"access_token": token, "$select": "ProfileID"})

    assert {o["ProfileID"] for o in orders.json()["value"]} == {demo.SECOND_PROFILE_ID}
    assert _token(sandbox, {**data, "password": "wrong"}).status_code == 400
    assert _token(sandbox, {**data, "account_id": "00000000-0000-0000-0000-000000000000"}).status_code == 400


def test_token_works_as_bearer_header_or_query_parameter(sandbox: SandboxProcess, new_token) -> None:
    token = new_token()

    header = httpx.get(f"{sandbox.api_url}/Orders", headers={"Authorization": f"Bearer {token}"})
    query = httpx.get(f"{sandbox.api_url}/Orders", params={"access_token": token})

    assert header.status_code == query.status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}])
def test_missing_or_unknown_token_gets_401(sandbox: SandboxProcess, headers: dict[str, str]) -> None:
    response = httpx.get(f"{sandbox.api_url}/Orders", headers=headers)

    assert response.status_code == 401
    assert response.json() == DENIED


def test_token_expires_after_an_hour_on_the_sandbox_clock(
    sandbox: SandboxProcess, control: SandboxControl, new_token
) -> None:
    token = new_token()
    headers = {"Authorization": f"Bearer {token}"}
    control.advance_clock(3599)
    assert httpx.get(f"{sandbox.api_url}/Orders", headers=headers).status_code == 200

    control.advance_clock(2)

    response = httpx.get(f"{sandbox.api_url}/Orders", headers=headers)
    assert response.status_code == 401
    assert response.json() == DENIED


def test_read_only_scope_cannot_write(sandbox: SandboxProcess, other_integration) -> None:
    token = other_integration("reader", scope="orders.readonly inventory.readonly")
    headers = {"Authorization": f"Bearer {token}"}
    order_id = httpx.get(f"{sandbox.api_url}/Orders", headers=headers).json()["value"][0]["ID"]

    write = httpx.post(f"{sandbox.api_url}/Orders({order_id})/Export", headers=headers)

    assert write.status_code == 401
    assert write.json() == DENIED
